"""`postgraph eval run`: the release gate over the golden set."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import JsonOption, console, fail, print_json
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="The release gate: the golden set, scored in code, against the production baseline.",
                  no_args_is_help=True)


@app.command("run")
def eval_run(
    split: Annotated[str, typer.Option(help="dev, test or all.")] = "dev",
    case: Annotated[list[str] | None, typer.Option(help="Only these case ids (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many cases (in file order).")] = None,
    candidate: Annotated[str | None, typer.Option(
        help="Registry label of the candidate (staging or candidate); without it the production baseline is "
             "checked against the thresholds alone.")] = None,
    cases_file: Annotated[Path | None, typer.Option(help="Golden set file (default evals/golden/cases.jsonl).")] = None,
    thresholds_file: Annotated[Path | None, typer.Option(
        help="Thresholds (default thresholds.json beside the golden set).")] = None,
    out: Annotated[Path | None, typer.Option(help="Report directory (default DATA_DIR/gate/reports).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write every selected case's post with the baseline (and the candidate), score them, and
    exit 1 when the gate fails: a threshold missed or a significant regression."""
    from postgraph.gate.evaluate import run_gate
    from postgraph.quality.cases import GOLDEN_DIR, load_cases
    from postgraph.quality.gate import Thresholds
    from postgraph.registry.labels import check_label

    settings = get_settings()
    try:
        if split not in ("dev", "test", "all"):
            raise PostgraphError(f"Unknown split {split!r}: use dev, test or all.")
        if candidate is not None:
            check_label(candidate)
        path = cases_file or GOLDEN_DIR / "cases.jsonl"
        cases = load_cases(None if split == "all" else split, path)
        if case:
            unknown = set(case) - {c.id for c in load_cases(None, path)}
            if unknown:
                raise PostgraphError(f"No golden case {', '.join(sorted(unknown))} in {path}.")
            cases = [c for c in load_cases(None, path) if c.id in case]
        cases = cases[:limit] if limit else cases
        if not cases:
            raise PostgraphError("No golden case selected.")
        thresholds = Thresholds.load(thresholds_file or path.parent / "thresholds.json")

        def progress(label: str, result) -> None:
            failed = [name for name, score in result.scores.items() if not score.passed]
            console.print(f"[dim]{label}: {result.case_id} {result.seconds:.0f} s; failing: {', '.join(failed) or 'none'}[/]",
                          highlight=False)

        gate = run_gate(settings, cases, thresholds, candidate, None if as_json else progress)
        report = gate.write(out or settings.data_dir / "gate" / "reports")
    except (PostgraphError, OSError, ValueError) as error:
        fail(error if isinstance(error, PostgraphError) else PostgraphError(str(error)))
    if as_json:
        print_json({**gate.as_dict(), "report": str(report)})
    else:
        table = Table("metric", "mean", "failing", "vs baseline (95% interval)", "problems", title=f"gate: {len(cases)} cases")
        for name, row in gate.as_dict()["metrics"].items():
            delta = row["delta"]
            shift = "" if delta is None else f"{delta['mean']:+.3f} ({delta['low']:+.3f} to {delta['high']:+.3f})"
            table.add_row(name, f"{row['mean']:.3f}", f"{row['failing_share']:.0%}", shift, escape("; ".join(row["problems"])))
        console.print(table)
        console.print(f"{'[green]passed[/]' if gate.decision.passed else '[red]failed[/]'}; report: {report}")
    if not gate.decision.passed:
        raise typer.Exit(1)
