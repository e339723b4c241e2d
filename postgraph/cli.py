"""The `postgraph` command line."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from postgraph.settings import get_settings
from postgraph.tools.errors import PostgraphError

app = typer.Typer(help="Turn your newsletters and notes into fact-checked LinkedIn posts.", no_args_is_help=True)
services_app = typer.Typer(help="Start, check and stop the local services.", no_args_is_help=True)
docs_app = typer.Typer(help="Inspect stored documents.", no_args_is_help=True)
index_app = typer.Typer(help="Inspect, rebuild and roll back the vector index.", no_args_is_help=True)
threads_app = typer.Typer(help="Inspect, resume and replay writing threads.", no_args_is_help=True)
app.add_typer(services_app, name="services")
app.add_typer(docs_app, name="docs")
app.add_typer(index_app, name="index")
app.add_typer(threads_app, name="threads")

console = Console()
errors = Console(stderr=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]


def fail(error: PostgraphError) -> None:
    errors.print(f"[bold red]error[/] {escape(f'[{error.code}]')}: {escape(error.message)}", highlight=False)
    raise typer.Exit(2)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, transient=True,
    )


# -- services ---------------------------------------------------------------------------
@services_app.command("up")
def services_up() -> None:
    """Start the local MongoDB-compatible server (nothing when POSTGRAPH_MONGODB_URI is set)."""
    from postgraph.services.local_mongo import LocalMongo

    try:
        status = LocalMongo(get_settings()).up()
    except PostgraphError as error:
        fail(error)
    where = "external" if status.external else f"pid {status.pid}"
    console.print(f"mongodb: running ({where}) at {status.uri}")


@services_app.command("install")
def services_install() -> None:
    """Build the local server's own Python 3.13 virtualenv (done by `up` when missing)."""
    from postgraph.services.local_mongo import LocalMongo

    try:
        LocalMongo(get_settings()).ensure_runtime()
    except PostgraphError as error:
        fail(error)
    console.print("mongodb runtime: ready")


@services_app.command("down")
def services_down() -> None:
    """Stop the local server if it runs."""
    from postgraph.services.local_mongo import LocalMongo

    stopped = LocalMongo(get_settings()).down()
    console.print("mongodb: stopped" if stopped else "mongodb: was not running")


@services_app.command("status")
def services_status(as_json: JsonOption = False) -> None:
    """Say whether the document store answers a ping; exit 1 when it does not."""
    from postgraph.services.local_mongo import LocalMongo

    status = LocalMongo(get_settings()).status()
    if as_json:
        print_json(vars(status))
    else:
        state = "running" if status.running else "not running"
        console.print(f"mongodb: {state} {status.uri or ''} ({status.detail})")
    raise typer.Exit(0 if status.running else 1)


# -- ingest -----------------------------------------------------------------------------
@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to ingest.")],
    as_json: JsonOption = False,
) -> None:
    """Parse, store and index documents; report what happened to each file."""
    from postgraph.components import open_ingestor

    settings = get_settings()
    try:
        with open_ingestor(settings) as ingestor, progress() as bar:
            from postgraph.ingestion import expand_paths

            task = bar.add_task("ingesting", total=len(expand_paths(paths)))
            report = ingestor.ingest(paths, on_file=lambda _: bar.advance(task))
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(report.as_dict())
    else:
        table = Table("file", "status", "version", "blocks", "chunks", "detail", title="ingest")
        for f in report.files:
            detail = f.error if not f.ok else (f.title or "")
            if f.superseded:
                detail += f" (supersedes {len(f.superseded)})"
            blocks = ", ".join(f"{k} {v}" for k, v in sorted(f.blocks.items()))
            style = "red" if not f.ok else None
            table.add_row(Path(f.path).name, f.status, str(f.version or ""), blocks, str(f.chunks), detail, style=style)
        console.print(table)
        summary = report.as_dict()
        console.print(
            f"{summary['totals']['by_status']} in {report.seconds:.1f}s "
            f"(stages: {', '.join(f'{k} {v:.1f}s' for k, v in report.stage_seconds.items())}) "
            f"into {report.collection} ({report.embedding_version})",
            markup=False,
        )
        if report.aborted:
            errors.print(f"[bold red]stopped early[/]: {report.aborted}")
    raise typer.Exit(1 if report.failed else 0)


# -- docs -------------------------------------------------------------------------------
@docs_app.command("list")
def docs_list(
    status: Annotated[str | None, typer.Option(help="Only pending, indexed or superseded.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Documents with their version and status."""
    from postgraph.components import open_store

    try:
        with open_store(get_settings()) as store:
            documents = store.list_documents(status=status)  # type: ignore[arg-type]
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(documents)
        return
    table = Table("id", "title", "author", "published", "format", "v", "status", "blocks", "chunks")
    for d in documents:
        kinds = ", ".join(f"{k} {v}" for k, v in sorted(d.get("block_kinds", {}).items()))
        published = d["published"].date().isoformat() if d.get("published") else ""
        table.add_row(d["_id"], d["title"], d.get("author") or "", published, d["format"],
                      str(d["version"]), d["status"], kinds, str(d.get("chunk_count", 0)))
    console.print(table)
    console.print(f"{len(documents)} documents")


# -- index ------------------------------------------------------------------------------
@index_app.command("status")
def index_status(as_json: JsonOption = False) -> None:
    """Collections, their point counts, and which one the alias names."""
    from postgraph.components import open_index

    settings = get_settings()
    try:
        with open_index(settings) as index:
            active = index.active_collection()
            rows = [{"collection": c, "points": index.count(c), "active": c == active} for c in index.collections()]
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json({"alias": settings.collection_prefix, "active": active, "collections": rows})
        return
    table = Table("collection", "points", "active", title=f"alias {settings.collection_prefix!r}")
    for row in rows:
        table.add_row(row["collection"], str(row["points"]), "yes" if row["active"] else "")
    console.print(table)


@index_app.command("rebuild")
def index_rebuild(
    embedding: Annotated[str, typer.Option(help="Embedding model name (see README).")],
    as_json: JsonOption = False,
) -> None:
    """Embed every indexed document with EMBEDDING into a new collection and switch the alias."""
    from postgraph.components import open_ingestor

    try:
        with open_ingestor(get_settings(), embedding) as ingestor, progress() as bar:
            task = bar.add_task(f"rebuilding with {embedding}", total=None)
            result = ingestor.rebuild(on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    except PostgraphError as error:
        fail(error)
    print_json(result) if as_json else console.print(
        f"alias now names {result['active']} ({result['documents']} documents, {result['chunks']} chunks); "
        f"previous: {result['previous']}"
    )


@index_app.command("rollback")
def index_rollback(as_json: JsonOption = False) -> None:
    """Point the alias back at the collection it named before."""
    from postgraph.components import open_index, open_ingestor, open_store
    from postgraph.ingestion import rollback_target

    settings = get_settings()
    try:
        with open_store(settings) as store, open_index(settings) as index:
            collection, embedding = rollback_target(store, index)
        with open_ingestor(settings, embedding) as ingestor:
            result = ingestor.activate(collection, reason="rollback")
    except PostgraphError as error:
        fail(error)
    print_json(result) if as_json else console.print(
        f"alias now names {result['active']} ({result['chunks']} chunks, "
        f"{result['backfilled_documents']} documents added since it was last active)"
    )


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
) -> None:
    """Serve the HTTP API (see /docs on the running server)."""
    import uvicorn

    from postgraph.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port)


@app.command()
def search(
    query: str,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many chunks.")] = 5,
    author: Annotated[str | None, typer.Option(help="Only this author.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only text, table or image chunks.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Dense search over the active index (what the retrieve step builds on)."""
    from postgraph.components import open_index
    from postgraph.tools.embeddings import make_embeddings
    from postgraph.tools.retrieval import search_chunks

    settings = get_settings()
    try:
        embeddings, _ = make_embeddings(settings)
        with open_index(settings) as index:
            hits = search_chunks(index, embeddings, query, k=k, author=author, block_kind=kind)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(hits)
        return
    for hit in hits:
        meta = hit["metadata"]
        console.print(f"[bold]{hit['score']:.3f}[/] {meta['chunk_id']} · {meta['title']} · {meta['author']}")
        console.print(f"    {hit['text'][:160]}", highlight=False)


# -- writing ----------------------------------------------------------------------------
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
        console.print(result["awaiting_approval"]["post"], markup=False, highlight=False)
        console.print(f"Waiting for approval: postgraph threads resume {outcome.thread_id} --action approve|edit|reject")
        return
    console.print()
    console.print(result.get("post") or "(no post)", markup=False, highlight=False)
    console.print()
    if result.get("citations"):
        table = Table("claim", "chunk", "document", title="citations")
        for c in result["citations"]:
            table.add_row(c["claim"], c["chunk_id"], c["document_title"])
        console.print(table)
    for request in result.get("unsupported_requests") or []:
        console.print(f"[yellow]not supported by the sources:[/] {escape(request)}")
    budget = result.get("budget") or {}
    console.print(f"budget: {budget.get('model_calls')} model calls, {budget.get('tokens')} tokens, "
                  f"{budget.get('seconds')}s" + (f" - exhausted: {budget['exhausted']}" if budget.get("exhausted") else ""),
                  markup=False)
    for note in result.get("notes") or []:
        console.print(f"[dim]note: {escape(note)}[/]")


@app.command()
def write(
    request: Annotated[str, typer.Argument(help="What the post should be about.")],
    thread: Annotated[str | None, typer.Option(help="Thread id (new when omitted).")] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Pause for approval before the answer.")] = False,
    source: Annotated[list[str] | None, typer.Option(help="Only these sources (path or file name).")] = None,
    author: Annotated[list[str] | None, typer.Option(help="Only these authors.")] = None,
    max_revisions: Annotated[int | None, typer.Option(help="Override the loop cap.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Write a post grounded in the ingested sources, with a citation for every claim."""
    from postgraph.graph.state import RequestFilters
    from postgraph.writer import open_writer

    filters = RequestFilters(sources=source or [], authors=author or [])
    try:
        with open_writer(get_settings()) as writer:
            outcome = writer.write(request, thread_id=thread, filters=filters, on_update=_show_update,
                                   require_approval=approve or None, max_revisions=max_revisions)
    except PostgraphError as error:
        fail(error)
    _show_outcome(outcome, as_json)


@threads_app.command("show")
def threads_show(thread_id: str, as_json: JsonOption = False) -> None:
    """A thread's current state and its checkpoint history."""
    from postgraph.writer import RunOutcome, open_writer

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


@threads_app.command("resume")
def threads_resume(
    thread_id: str,
    action: Annotated[str | None, typer.Option(help="approve, edit or reject (for a thread waiting for approval).")] = None,
    post: Annotated[str | None, typer.Option(help="The edited post, with --action edit.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Answer a pending approval, or continue a run that stopped (crash, kill) from its last checkpoint."""
    from postgraph.writer import open_writer

    decision = {"action": action, "post": post} if action else None
    try:
        with open_writer(get_settings()) as writer:
            outcome = writer.resume(thread_id, decision=decision, on_update=_show_update)
    except PostgraphError as error:
        fail(error)
    _show_outcome(outcome, as_json)


@threads_app.command("replay")
def threads_replay(
    thread_id: str,
    checkpoint: Annotated[str, typer.Option(help="Checkpoint id from `threads show`.")],
    as_json: JsonOption = False,
) -> None:
    """Time travel: run the thread again from an earlier checkpoint."""
    from postgraph.writer import open_writer

    try:
        with open_writer(get_settings()) as writer:
            outcome = writer.replay(thread_id, checkpoint, on_update=_show_update)
    except PostgraphError as error:
        fail(error)
    _show_outcome(outcome, as_json)
