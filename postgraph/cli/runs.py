"""`postgraph runs`: recorded graph runs, and feedback on them."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import JsonOption, budget_line, console, fail, print_json, when
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Inspect recorded graph runs and give feedback on them.", no_args_is_help=True)


def _open_runs():
    from postgraph.stores.open import open_run_store

    return open_run_store(get_settings())



@app.command("list")
def runs_list(
    status: Annotated[str | None, typer.Option(help="Only runs with this status (done, error, awaiting_approval...).")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many runs, newest first.")] = 20,
    thread: Annotated[str | None, typer.Option(help="Only runs of this thread.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Recorded runs, newest first."""
    try:
        with _open_runs() as runs:
            records = runs.list(limit=limit, status=status, thread_id=thread)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(records)
        return
    table = Table("run", "thread", "kind", "status", "started", "seconds", "calls", "tokens", "claims", "feedback")
    for r in records:
        verdicts = r.get("verdicts") or {}
        claims = f"{verdicts.get('supported', 0)}/{sum(verdicts.values())}" if verdicts else ""
        scores = [f["score"] for f in r.get("feedback") or []]
        table.add_row(r["_id"], r["thread_id"], r.get("kind", ""), r["status"], when(r.get("started_at")),
                      f"{r['duration_s']:.1f}" if r.get("duration_s") is not None else "",
                      str(r.get("model_calls", "")), str(r.get("tokens", "")), claims,
                      f"{sum(scores) / len(scores):.2f} ({len(scores)})" if scores else "",
                      style="red" if r["status"] == "error" else None)
    console.print(table)
    console.print(f"{len(records)} runs")


@app.command("show")
def runs_show(run_id: str, as_json: JsonOption = False) -> None:
    """One run: request, versions, per-node timings and model calls, budget, verdicts, errors, feedback."""
    try:
        with _open_runs() as runs:
            record = runs.require(run_id)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(record)
        return
    console.print(f"[bold]run[/] {record['_id']}  [bold]thread[/] {record['thread_id']}  "
                  f"[bold]{record.get('kind', '')}[/]  status {record['status']}")
    console.print(f"started {when(record.get('started_at'))}, finished {when(record.get('finished_at'))}"
                  + (f" ({record['duration_s']:.1f}s)" if record.get("duration_s") is not None else ""), markup=False)
    console.print(f"request: {record.get('request')}", markup=False, highlight=False)
    if record.get("error"):
        error = record["error"]
        code = escape(f"[{error['code']}]")
        console.print(f"[bold red]error[/] {code}: {escape(error['message'])}")
    versions = Table("component", "version", title="versions")
    for name, value in sorted((record.get("versions") or {}).items()):
        versions.add_row(name, str(value))
    console.print(versions)
    if record.get("steps"):
        steps = Table("node", "seconds", "model calls", "tokens", "model", title="steps")
        for step in record["steps"]:
            steps.add_row(step["node"], f"{step['seconds']:.2f}", str(step.get("model_calls", 0)),
                          str(step.get("tokens", 0)), step.get("model") or "")
        console.print(steps)
    budget = record.get("budget") or {}
    if budget:
        console.print(budget_line(budget), markup=False)
    if record.get("verdicts") is not None:
        console.print(f"claims: {record['verdicts'] or 'none checked'}, citations: {record.get('citations', 0)}",
                      markup=False)
    for request in record.get("unsupported_requests") or []:
        console.print(f"[yellow]not supported by the sources:[/] {escape(request)}")
    for note in record.get("notes") or []:
        console.print(f"[dim]note: {escape(note)}[/]")
    for item in record.get("feedback") or []:
        console.print(f"feedback {item['score']:.2f} ({item.get('source')}, {when(item.get('at'))}): "
                      f"{item.get('comment') or ''}", markup=False)


@app.command("feedback")
def runs_feedback(
    run_id: str,
    score: Annotated[float, typer.Option(min=0.0, max=1.0, help="How good the post was, 0 to 1.")],
    comment: Annotated[str | None, typer.Option(help="What was good or wrong.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Record feedback on a run (and send it to Langfuse as a score when Langfuse is configured)."""
    from postgraph.observability.tracing import score_run

    settings = get_settings()
    try:
        with _open_runs() as runs:
            record = runs.add_feedback(run_id, score, comment)
    except PostgraphError as error:
        fail(error)
    if not settings.langfuse_enabled:
        langfuse = "not configured"
    else:
        sent = score_run(settings, run_id, "user_feedback", score, comment, wait=True)
        langfuse = "sent" if sent else f"not confirmed within {settings.langfuse_timeout_s:.1f}s"
    if as_json:
        print_json({"run_id": run_id, "score": score, "comment": comment, "feedback": len(record["feedback"]),
                    "langfuse": langfuse})
        return
    console.print(f"feedback recorded for run {run_id} (score {score:.2f}); langfuse: {langfuse}", markup=False)
