"""Writing: `postgraph write`, and `postgraph threads` to inspect, resume and replay threads."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import JsonOption, budget_line, console, errors, fail, print_json
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Inspect, resume and replay writing threads.", no_args_is_help=True)


def _show_update(node: str, update: dict[str, Any]) -> None:
    seconds = sum((update.get("timings") or {}).values())
    extra = ""
    if node == "retrieve":
        extra = f"{len(update.get('evidence') or [])} evidence chunks"
    elif node == "critique":
        extra = f"{len(update.get('critique') or [])} issues"
    elif node == "fact_check":
        checks = update.get("claim_checks") or []
        extra = f"{sum(c.verdict == 'supported' for c in checks)}/{len(checks)} claims supported"
    elif node == "revise":
        extra = f"revision {update.get('revisions')}"
    errors.print(f"[dim]{node:<11}[/] {seconds:6.1f}s  {extra}", highlight=False)


def _show_outcome(outcome, as_json: bool) -> None:
    result = outcome.as_dict()
    if as_json:
        print_json(result)
        return
    console.print(f"[bold]thread[/] {outcome.thread_id}  [bold]status[/] {result.get('status')}")
    if result.get("awaiting_approval") is not None:
        question = result["awaiting_approval"]
        console.print(question["post"], markup=False, highlight=False)
        if question.get("problem"):
            errors.print(f"[yellow]your last answer could not be used:[/] {escape(question['problem'])}")
        if question.get("refused"):
            errors.print(f"[yellow]edit refused:[/] {escape(question['refused']['message'])}")
            for item in question["refused"]["unsupported"]:
                errors.print(f"  - {escape(item['claim'])} ({item['verdict']})")
        console.print(f"Waiting for approval: postgraph threads resume {outcome.thread_id} --action approve|edit|reject")
        return
    console.print()
    console.print(result.get("post") or "(no post)", markup=False, highlight=False)
    console.print()
    if result.get("message"):
        console.print(f"[yellow]{escape(result['message'])}[/]")
    if result.get("citations"):
        table = Table("claim", "chunk", "document", title="citations")
        for c in result["citations"]:
            table.add_row(c["claim"], c["chunk_id"], c["document_title"])
        console.print(table)
    for request in result.get("unsupported_requests") or []:
        console.print(f"[yellow]not supported by the sources:[/] {escape(request)}")
    for corrected in result.get("corrected_requests") or []:
        console.print(f"[yellow]corrected by the sources:[/] {escape(corrected['premise'])} -> "
                      f"{escape(corrected['correction'])}")
    for claim in result.get("unverified_claims") or []:
        console.print(f"[red]unverified (accepted by the reviewer):[/] {escape(claim)}")
    console.print(budget_line(result.get("budget") or {}), markup=False)
    for note in result.get("notes") or []:
        console.print(f"[dim]note: {escape(note)}[/]")


def write(
    request: Annotated[str, typer.Argument(help="What the post should be about.")],
    thread: Annotated[str | None, typer.Option(help="Thread id (new when omitted).")] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Pause for approval before the answer.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only these sources (path or file name).")] = None,
    author: Annotated[list[str] | None, typer.Option(
        help="Only these authors; with one, the post is written in their voice (their fine-tuned drafter).")] = None,
    max_revisions: Annotated[int | None, typer.Option(help="Override the loop cap.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a post grounded in the ingested sources, with a citation for every claim."""
    from postgraph.domain import RequestFilters
    from postgraph.graph.writer import open_writer

    filters = RequestFilters(sources=source or [], authors=author or [])
    try:
        with open_writer(get_settings()) as writer:
            outcome = writer.write(request, thread_id=thread, filters=filters, on_update=_show_update,
                                   require_approval=approve or None, max_revisions=max_revisions)
    except PostgraphError as error:
        fail(error)
    _show_outcome(outcome, as_json)


@app.command("show")
def threads_show(thread_id: str, as_json: JsonOption = False) -> None:
    """A thread's current state and its checkpoint history."""
    from postgraph.graph.writer import RunOutcome, open_writer

    try:
        with open_writer(get_settings()) as writer:
            snapshot = writer.snapshot(thread_id)
            history = writer.history(thread_id)
    except PostgraphError as error:
        fail(error)
    rows = [{"checkpoint_id": s.config["configurable"]["checkpoint_id"], "step": s.metadata.get("step"),
             "source": s.metadata.get("source"), "next": list(s.next), "created_at": s.created_at} for s in history]
    state = RunOutcome(thread_id, dict(snapshot.values)).as_dict()
    if as_json:
        print_json({"state": state, "next": list(snapshot.next), "history": rows})
        return
    console.print(f"[bold]thread[/] {thread_id}  next: {list(snapshot.next) or 'done'}")
    console.print(f"request: {snapshot.values.get('request')}", markup=False)
    console.print(f"status: {state.get('status')}")
    table = Table("step", "checkpoint", "next", "created", title="history (newest first)")
    for row in rows:
        table.add_row(str(row["step"]), row["checkpoint_id"], ", ".join(row["next"]), str(row["created_at"]))
    console.print(table)


@app.command("resume")
def threads_resume(
    thread_id: str,
    action: Annotated[str | None, typer.Option(help="approve, edit or reject (for a thread waiting for approval).")] = None,
    post: Annotated[str | None, typer.Option(help="The edited post, with --action edit.")] = None,
    unsupported: Annotated[str, typer.Option(
        help="What to do with claims of an edit the sources do not support: remove them (default), refuse the "
             "edit, or accept them (recorded as unverified).")] = "remove",
    as_json: JsonOption = False,
) -> None:
    """Answer a pending approval, or continue a run that stopped (crash, kill) from its last checkpoint."""
    from postgraph.graph.writer import open_writer

    decision = {"action": action, "post": post, "unsupported": unsupported} if action else None
    try:
        with open_writer(get_settings()) as writer:
            outcome = writer.resume(thread_id, decision=decision, on_update=_show_update)
    except PostgraphError as error:
        fail(error)
    _show_outcome(outcome, as_json)


@app.command("replay")
def threads_replay(
    thread_id: str,
    checkpoint: Annotated[str, typer.Option(help="Checkpoint id from `threads show`.")],
    as_json: JsonOption = False,
) -> None:
    """Time travel: run the thread again from an earlier checkpoint."""
    from postgraph.graph.writer import open_writer

    try:
        with open_writer(get_settings()) as writer:
            outcome = writer.replay(thread_id, checkpoint, on_update=_show_update)
    except PostgraphError as error:
        fail(error)
    _show_outcome(outcome, as_json)
