"""`postgraph eval`: the release gate over the golden set, and its stored results."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import ForceOption, JsonOption, ReasonOption, console, fail, print_json, when
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="The release gate: the golden set, scored in code, against the production baseline.",
                  no_args_is_help=True)


@app.command("run")
def eval_run(
    split: Annotated[str, typer.Option(help="dev, test or all.")] = "dev",
    case: Annotated[list[str] | None, typer.Option(help="Only these case ids (repeatable).")] = None,
    limit: Annotated[int | None, typer.Option(min=1, help="At most this many cases (in file order).")] = None,
    candidate: Annotated[list[str] | None, typer.Option(
        help="What to measure against production: prompts:NAME@VERSION, models:ROLE@VERSION or retrieval@VERSION "
             "(repeatable, combined), or a label (staging, candidate). Without it the production versions are "
             "checked against the thresholds alone.")] = None,
    cases_file: Annotated[Path | None, typer.Option(help="Golden set file (default POSTGRAPH_GOLDEN_SET_PATH).")] = None,
    thresholds_file: Annotated[Path | None, typer.Option(
        help="Thresholds (default POSTGRAPH_GATE_THRESHOLDS_PATH).")] = None,
    out: Annotated[Path | None, typer.Option(help="Report directory (default DATA_DIR/gate/reports).")] = None,
    store: Annotated[bool, typer.Option(help="Keep the result in MongoDB, where promote looks for it.")] = True,
    as_json: JsonOption = False,
) -> None:
    """Write every selected case's post with the baseline (and the candidate), score them, and
    exit 1 when the gate fails: a threshold missed or a significant regression."""
    from postgraph.gate.candidates import parse_candidate
    from postgraph.gate.evaluate import run_gate
    from postgraph.quality.gate import GoldenSet

    settings = get_settings()
    try:
        if split not in ("dev", "test", "all"):
            raise PostgraphError(f"Unknown split {split!r}: use dev, test or all.")
        chosen = parse_candidate(candidate or ["production"])
        path = cases_file or settings.golden_set_path
        golden = GoldenSet.load(path, thresholds_file or settings.gate_thresholds_path)
        every = golden.cases
        cases = [c for c in every if split == "all" or c.split == split]
        selection = split
        if case:
            unknown = set(case) - {c.id for c in every}
            if unknown:
                raise PostgraphError(f"No golden case {', '.join(sorted(unknown))} in {path}.")
            cases, selection = [c for c in every if c.id in case], "subset"
        if limit and limit < len(cases):
            cases, selection = cases[:limit], "subset"
        if not cases:
            raise PostgraphError("No golden case selected.")
        gate = run_gate(settings, cases, golden.thresholds, chosen, selection, golden.sha256,
                        None if as_json else _progress)
        reports = gate.write(out or settings.data_dir / "gate" / "reports")
        stored = gate.store(settings) if store else None
    except (PostgraphError, OSError, ValueError) as error:
        fail(error if isinstance(error, PostgraphError) else PostgraphError(str(error)))
    _show(gate, reports, as_json, stored=stored)


@app.command("ci")
def eval_ci(
    out: Annotated[Path | None, typer.Option(help="Report directory (default DATA_DIR/gate/reports).")] = None,
    as_json: JsonOption = False,
) -> None:
    """What CI runs: the full suite when a prompt, the model registry, a retrieval strategy, the
    examples, the golden set or the thresholds differ from the committed baseline, else the quick
    subset; both compared with the committed baseline. Exit 1 when the gate fails."""
    from postgraph.gate.baseline import CommittedBaseline, ci_plan, run_ci
    from postgraph.quality.gate import GoldenSet

    settings = get_settings()
    try:
        golden = GoldenSet.load(settings.golden_set_path, settings.gate_thresholds_path)
        cases, thresholds = golden.cases, golden.thresholds
        baseline = CommittedBaseline.load(settings.gate_baseline_path)
        plan = ci_plan(settings, baseline, cases, golden.sha256, thresholds)
        if not as_json:
            console.print(f"gate in CI: {'the full suite' if plan.full else 'the quick subset'} ({len(plan.cases)} cases)"
                          + (": " + "; ".join(plan.reasons) if plan.reasons else ": nothing the gate measures changed"),
                          markup=False)
        gate = run_ci(settings, plan, thresholds, baseline, golden.sha256, None if as_json else _progress)
        reports = gate.write(out or settings.data_dir / "gate" / "reports")
    except (PostgraphError, OSError, ValueError) as error:
        fail(error if isinstance(error, PostgraphError) else PostgraphError(str(error)))
    _show(gate, reports, as_json, reasons=list(plan.reasons))


@app.command("baseline")
def eval_baseline(
    out: Annotated[Path | None, typer.Option(help="Report directory (default DATA_DIR/gate/reports).")] = None,
    force: ForceOption = False,
    reason: ReasonOption = None,
    as_json: JsonOption = False,
) -> None:
    """Measure the production versions on every golden case and, when they pass the gate against
    the committed baseline (POSTGRAPH_GATE_BASELINE_PATH), write them as the new one; commit it
    with the change. Exit 1 when the gate fails (nothing is written unless --force --reason)."""
    from postgraph.gate.baseline import measure_baseline
    from postgraph.quality.gate import GoldenSet

    settings = get_settings()
    try:
        if force and not (reason or "").strip():
            raise PostgraphError("--force needs --reason: say why a baseline that fails the gate replaces the committed one.")
        golden = GoldenSet.load(settings.golden_set_path, settings.gate_thresholds_path)
        gate, written = measure_baseline(settings, golden.cases, golden.thresholds, golden.sha256, settings.gate_baseline_path,
                                         None if as_json else _progress, reason if force else None)
        reports = gate.write(out or settings.data_dir / "gate" / "reports")
    except (PostgraphError, OSError, ValueError) as error:
        fail(error if isinstance(error, PostgraphError) else PostgraphError(str(error)))
    _show(gate, reports, as_json, baseline=f"{settings.gate_baseline_path} {'written' if written else 'NOT written'}",
          exit_code=0 if written else 1)


def _progress(name: str, result) -> None:
    failed = [metric for metric, score in result.scores.items() if not score.passed]
    console.print(f"[dim]{escape(name)}: {result.case_id} {result.seconds:.0f} s; failing: {', '.join(failed) or 'none'}[/]",
                  highlight=False)


def _show(gate, reports: tuple[Path, Path], as_json: bool, exit_code: int | None = None, **extra) -> None:
    """The decision as a table (or JSON), then exit 1 when the gate failed (or `exit_code`)."""
    report = gate.as_dict()
    if as_json:
        print_json({**report, "report": str(reports[0]), "html": str(reports[1]), **extra})
    else:
        table = Table("metric", "mean", "failing", "vs baseline (95% interval)", "problems",
                      title=f"gate: {escape(report['candidate'])}, {len(report['cases'])} cases ({report['selection']})")
        for name, row in report["metrics"].items():
            delta = row["delta"]
            shift = "" if delta is None else f"{delta['mean']:+.3f} ({delta['low']:+.3f} to {delta['high']:+.3f})"
            table.add_row(name, f"{row['mean']:.3f}", f"{row['failing_share']:.0%}", shift, escape("; ".join(row["problems"])))
        console.print(table)
        notes = "".join(f"; {key}: {value}" for key, value in extra.items() if value and key != "reasons")
        console.print(f"{'[green]passed[/]' if gate.decision.passed else '[red]failed[/]'}; report: {reports[0]}, "
                      f"{reports[1]}{escape(notes)}", highlight=False)
    code = exit_code if exit_code is not None else int(not gate.decision.passed)
    if code:
        raise typer.Exit(code)


@app.command("results")
def eval_results(limit: Annotated[int, typer.Option(min=1)] = 20, as_json: JsonOption = False) -> None:
    """Stored gate results, newest first, and what each measured."""
    from postgraph.stores.gate_results import GateResultStore
    from postgraph.stores.open import open_store

    try:
        with open_store(get_settings()) as store:
            rows = GateResultStore.of(store).list(limit)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "stored", "candidate", "cases", "passed", "problems", title="gate results")
    for row in rows:
        table.add_row(row["id"], when(row["stored_at"]), escape(row["candidate"]),
                      f"{len(row['cases'])} ({row['selection']})", "yes" if row["passed"] else "no",
                      escape("; ".join(row["problems"])[:200]))
    console.print(table)
