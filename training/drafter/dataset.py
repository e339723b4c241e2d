"""The drafter's fine-tuning dataset: validated examples, deduplicated, split by source
document, rendered in the draft prompt the fine-tuned model is served with, and versioned by
content hash.

    python -m training.drafter.dataset check [FILE ...]     validate example files, print problems
    python -m training.drafter.dataset build [--out DIR]    write train/validation/test + manifest

The examples (`training/drafter/examples/*.jsonl`, one file per author) are original text
written for postgraph: a request, the notes the draft node builds for it
(`training.drafter.notes`), and the post a good writer would publish from them.

Split by document, never by example, so no document is on both sides: the documents of the
release gate's `test` cases are the `test` split (the gate's test scores are then on
documents the drafter never saw), VALIDATION_DOCUMENTS are `validation`, the rest `train`.
The dataset version is the sha256 of the rendered examples and the builder version.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.names import is_proper_name, names_in
from postgraph.post.notes import NOTE_MARKER, prompt_values
from postgraph.prompts import REGISTRY_PATH, PromptRegistry, style_examples
from postgraph.quality.cases import load_cases
from postgraph.quality.metrics import format_score, length_score, originality_score
from postgraph.settings import PROJECT_ROOT
from postgraph.text import body_and_hashtags, words
from training.drafter.notes import example_plan

BUILDER_VERSION = "1"
EXAMPLES_DIR = Path(__file__).parent / "examples"
DEFAULT_OUT = PROJECT_ROOT / "build" / "drafter" / "dataset"
DRAFT_PROMPT_VERSION = "2"
"""The draft prompt the fine-tuned drafter is trained on and served with (no few-shot examples)."""
VALIDATION_DOCUMENTS = ("labeling-workflow-notes.txt", "weekly-metrics-card.png")
AUTHORS = ("Marisol Quenby", "Tobias Lindqvar", "Hana Brightwater", "Ravi Okonjo", "Ilse Varnholt")
KINDS = ("single", "lacking", "two_sources")
LENGTH_TOLERANCE = 0.25
MAX_COPIED_RUN_WORDS = 10
"""Paraphrase, not quotation: no run of more than this many words copied from the notes."""
FIELDS = ("id", "author", "document", "request", "angle", "audience", "words", "kind", "notes", "post")


@dataclass(frozen=True)
class Problem:
    example: str
    message: str

    def __str__(self) -> str:
        return f"{self.example}: {self.message}"


def load_examples(paths: list[Path] | None = None) -> list[dict]:
    rows = []
    for path in paths or sorted(EXAMPLES_DIR.glob("*.jsonl")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as error:
                    raise SystemExit(f"{path}:{number}: not JSON ({error})") from error
    return rows


def note_texts(notes: str) -> list[str]:
    """The notes without their "[n]" markers (a marker is no fact the post may use)."""
    return [NOTE_MARKER.sub("", line, count=1) for line in notes.splitlines()]


def fitting_notes(row: dict) -> str:
    """The notes the post may use: for two_sources, only those of the request's document
    (the first `focus_notes` lines)."""
    texts = note_texts(row["notes"])
    return "\n".join(texts[: row.get("focus_notes") or len(texts)])


def problems_of(row: dict) -> list[Problem]:
    """Everything wrong with one example; an empty list means it may be trained on."""
    name = row.get("id", "?")
    missing = [f for f in FIELDS if not row.get(f)]
    if missing:
        return [Problem(name, f"missing {', '.join(missing)}")]
    found: list[str] = []
    if row["author"] not in AUTHORS:
        found.append(f"author {row['author']!r} is not one of the sample authors")
    if row["kind"] not in KINDS:
        found.append(f"kind {row['kind']!r} is not one of {', '.join(KINDS)}")
    if row["kind"] == "two_sources" and not row.get("focus_notes"):
        found.append("a two_sources example needs focus_notes (rebuild its notes)")
    post, notes = row["post"], fitting_notes(row)
    formatted = format_score(post)
    if not formatted.passed:
        found.append(f"format: {', '.join(formatted.details['issues'])}")
    length = length_score(post, int(row["words"]), LENGTH_TOLERANCE)
    if not length.passed:
        found.append(f"length: {length.details['words']} words for a target of {row['words']}")
    body, _ = body_and_hashtags(post)
    source_numbers = facts_in(notes).numbers
    for number in facts_in(body).numbers:
        if not any(number.backed_by(source) for source in source_numbers):
            found.append(f"number {number.raw!r} is not in the notes it may use")
    for proper in {n for n in names_in(body) if is_proper_name(n)}:
        if proper.lower() not in notes.lower() and proper.lower() not in row["author"].lower():
            found.append(f"name {proper!r} is not in the notes it may use")
    original = originality_score(post, note_texts(row["notes"]))
    if original.details["copied"]:
        found.append(f"copied from the notes: {original.details['copied'][0]!r}")
    if original.details["longest_copied_words"] > MAX_COPIED_RUN_WORDS:
        found.append(f"a run of {original.details['longest_copied_words']} words is copied from the notes")
    if original.details["repeated"]:
        found.append(f"said twice: {original.details['repeated'][0]!r}")
    return [Problem(name, message) for message in found]


def deduplicated(rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Rows without repeats: the same id, the same post, or the same request on the same notes."""
    kept, dropped, seen = [], [], set()
    for row in rows:
        body, _ = body_and_hashtags(row["post"])
        keys = {("id", row["id"]), ("post", " ".join(w.lower() for w in words(body))),
                ("request", row["document"], row["request"].strip().lower(), row["notes"])}
        if keys & seen:
            dropped.append(row["id"])
            continue
        seen |= keys
        kept.append(row)
    return kept, dropped


def split_of(document: str, test_documents: set[str]) -> str:
    if document in test_documents:
        return "test"
    return "validation" if document in VALIDATION_DOCUMENTS else "train"


def gate_test_documents() -> set[str]:
    return {case.main_document for case in load_cases("test") if case.main_document}


def render(row: dict, prompt) -> dict:
    """One example as the trainer reads it: the exact prompt the draft node sends, and the post."""
    plan = example_plan(row)
    text = prompt.format(examples="\n\n".join(style_examples()), **prompt_values(plan, row["notes"], row["author"]))
    return {"id": row["id"], "author": row["author"], "document": row["document"], "kind": row["kind"],
            "prompt": text, "completion": row["post"].strip()}


def build(out: Path, paths: list[Path] | None = None) -> dict:
    rows = load_examples(paths)
    problems = [p for row in rows for p in problems_of(row)]
    bad = {p.example for p in problems}
    valid, duplicates = deduplicated([row for row in rows if row.get("id") not in bad])
    prompt = PromptRegistry(REGISTRY_PATH).load("draft", DRAFT_PROMPT_VERSION)
    test_documents = gate_test_documents()
    splits: dict[str, list[dict]] = {"train": [], "validation": [], "test": []}
    for row in sorted(valid, key=lambda r: r["id"]):
        splits[split_of(row["document"], test_documents)].append(render(row, prompt))
    digest = hashlib.sha256(BUILDER_VERSION.encode())
    for name in ("train", "validation", "test"):
        for item in splits[name]:
            digest.update(json.dumps([name, item], sort_keys=True, ensure_ascii=False).encode())
    version = digest.hexdigest()
    out.mkdir(parents=True, exist_ok=True)
    for name, items in splits.items():
        (out / f"{name}.jsonl").write_text("".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items),
                                           encoding="utf-8")
    manifest = {
        "dataset_version": version[:16], "sha256": version, "builder_version": BUILDER_VERSION,
        "prompt": prompt.identity, "examples_read": len(rows), "rejected": sorted(bad),
        "duplicates": duplicates,
        "counts": {name: len(items) for name, items in splits.items()},
        "documents": {name: sorted({i["document"] for i in items}) for name, items in splits.items()},
        "authors": {name: dict(Counter(i["author"] for i in items)) for name, items in splits.items()},
        "kinds": dict(Counter(i["kind"] for items in splits.values() for i in items)),
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    check = sub.add_parser("check", help="validate example files and print every problem")
    check.add_argument("files", nargs="*", type=Path)
    made = sub.add_parser("build", help="write the splits and the manifest")
    made.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    if args.command == "check":
        rows = load_examples(args.files or None)
        problems = [p for row in rows for p in problems_of(row)]
        for problem in problems:
            print(problem)
        print(f"{len(rows)} examples, {len({p.example for p in problems})} with problems", file=sys.stderr)
        return 1 if problems else 0
    manifest = build(args.out)
    print(json.dumps({k: manifest[k] for k in ("dataset_version", "counts", "rejected", "duplicates")}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
