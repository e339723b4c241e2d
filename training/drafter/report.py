"""The drafter report: the base model against fine-tuned drafters on the release gate's
`test` split, as a Markdown table and an SVG plot in docs/.

    python -m training.drafter.report --gate shared=GATE.json [--gate "Tobias Lindqvar=GATE.json" ...] \
        [--out docs/drafter-report]

Each GATE.json is what `postgraph eval run --split test --candidate models:drafter@V --json`
printed: the production (base) posts and the candidate's, case by case, with their scores. The
first gate's baseline is the base model's row. An author's row counts only that author's cases.
"""

from __future__ import annotations

import argparse
import json
import statistics
from functools import cache
from pathlib import Path

from postgraph.quality.cases import GoldenCase, load_cases
from postgraph.quality.gate import bootstrap_delta
from postgraph.quality.metrics import style_score
from postgraph.reporting.charts import ForestRow, forest_plot
from training.drafter.dataset import gate_test_documents, load_examples, split_of

COLUMNS = ("drafter", "cases", "model-written", "format", "coherence", "originality", "F+C+O", "grounding",
           "unsupported claims", "style", "author style", "length", "tokens/post", "seconds/post")
PLOTTED = ("format", "coherence", "originality", "grounding", "style", "length", "relevance")


@cache
def document_authors() -> dict[str, str]:
    """Each sample document's author, as the dataset's examples name it."""
    return {row["document"]: row["author"] for row in load_examples()}


def author_of(case: GoldenCase) -> str:
    """The author of the case's main document ("" for a case without one)."""
    return document_authors().get(case.main_document or "", "")


@cache
def author_posts() -> dict[str, list[str]]:
    """Each author's posts in the dataset's train split: the reference for their style."""
    test_documents = gate_test_documents()
    posts: dict[str, list[str]] = {}
    for row in load_examples():
        if split_of(row["document"], test_documents) == "train":
            posts.setdefault(row["author"], []).append(row["post"])
    return posts


def author_style(result: dict, case: GoldenCase) -> float | None:
    """The gate's style metric against the case's author's own posts (None without an author)."""
    references = author_posts().get(author_of(case))
    return style_score(result["post"], references).value if references else None


def summary(name: str, results: list[dict], cases: dict[str, GoldenCase]) -> dict:
    """One row of the table: pass shares, means and totals over `results`."""
    def passed(metric: str) -> float:
        return sum(r["scores"][metric]["passed"] for r in results) / len(results)

    return {
        "drafter": name, "cases": len(results),
        "model-written": sum(r["status"] == "done" for r in results) / len(results),
        "format": passed("format"), "coherence": passed("coherence"), "originality": passed("originality"),
        "F+C+O": sum(all(r["scores"][m]["passed"] for m in ("format", "coherence", "originality"))
                     for r in results) / len(results),
        "grounding": statistics.fmean(r["scores"]["grounding"]["value"] for r in results),
        "unsupported claims": sum(len(r["scores"]["grounding"]["details"].get("unsupported") or []) for r in results),
        "style": statistics.fmean(r["scores"]["style"]["value"] for r in results),
        "author style": statistics.fmean(v for r in results if (v := author_style(r, cases[r["case"]])) is not None),
        "length": passed("length"),
        "tokens/post": statistics.median(r["tokens"] for r in results),
        "seconds/post": statistics.median(r["seconds"] for r in results),
    }


def cell(column: str, value) -> str:
    if column in ("format", "coherence", "originality", "F+C+O", "length", "model-written"):
        return f"{value:.0%}"
    if column in ("grounding", "style", "author style"):
        return f"{value:.3f}"
    if column == "seconds/post":
        return f"{value:.1f}"
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gate", action="append", required=True, help="NAME=GATE.json (NAME: shared or an author)")
    parser.add_argument("--out", type=Path, default=Path("docs/drafter-report"))
    args = parser.parse_args(argv)
    cases = {case.id: case for case in load_cases("test")}
    rows, plots = [], []
    for number, spec in enumerate(args.gate):
        name, _, path = spec.partition("=")
        gate = json.loads(Path(path).read_text(encoding="utf-8"))
        base, tuned = gate["baseline_results"], gate["candidate_results"]
        if name != "shared":  # an author's adapter is judged on that author's cases
            keep = {c for c, case in cases.items() if author_of(case) == name}
            base, tuned = [r for r in base if r["case"] in keep], [r for r in tuned if r["case"] in keep]
        if number == 0:
            rows.append(summary(f"base ({gate['baseline_versions']['model.drafter']})", base, cases))
        rows.append(summary(f"{name} ({gate['versions']['model.drafter']})", tuned, cases))
        for metric in PLOTTED:
            delta = bootstrap_delta([r["scores"][metric]["value"] for r in base],
                                    [r["scores"][metric]["value"] for r in tuned])
            plots.append(ForestRow(f"{name}: {metric}", delta.mean, delta.low, delta.high))
    table = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    table += ["| " + " | ".join(cell(c, row[c]) for c in COLUMNS) + " |" for row in rows]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.with_suffix(".svg").write_text(
        forest_plot(plots, "fine-tuned - base, per case, with 95% bootstrap intervals (gate test split)"),
        encoding="utf-8")
    args.out.with_suffix(".md").write_text(
        "# Drafter: base against fine-tuned, on the release gate's test split\n\n"
        "Generated by `python -m training.drafter.report` from the gate's JSON results. Shares are of cases "
        "whose post passes the metric; F+C+O passes format, coherence and originality at once; "
        "model-written is the share of posts the drafter wrote (status done) rather than composed from "
        "quotations; unsupported claims are counted in the final posts; style compares a post with the "
        "gate's example posts, author style with the case's author's own posts in the training split.\n\n"
        + "\n".join(table) + f"\n\n![per-metric differences]({args.out.with_suffix('.svg').name})\n",
        encoding="utf-8")
    print("\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
