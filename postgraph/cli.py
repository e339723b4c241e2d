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


# -- runs -------------------------------------------------------------------------------
runs_app = typer.Typer(help="Inspect recorded graph runs and give feedback on them.", no_args_is_help=True)
app.add_typer(runs_app, name="runs")


def _open_runs():
    from postgraph.tools.run_store import open_run_store

    return open_run_store(get_settings())


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else str(value or "")


@runs_app.command("list")
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
        table.add_row(r["_id"], r["thread_id"], r.get("kind", ""), r["status"], _when(r.get("started_at")),
                      f"{r['duration_s']:.1f}" if r.get("duration_s") is not None else "",
                      str(r.get("model_calls", "")), str(r.get("tokens", "")), claims,
                      f"{sum(scores) / len(scores):.2f} ({len(scores)})" if scores else "",
                      style="red" if r["status"] == "error" else None)
    console.print(table)
    console.print(f"{len(records)} runs")


@runs_app.command("show")
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
    console.print(f"started {_when(record.get('started_at'))}, finished {_when(record.get('finished_at'))}"
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
        console.print(f"budget: {budget.get('model_calls')} model calls, {budget.get('tokens')} tokens, "
                      f"{budget.get('seconds')}s" + (f" - exhausted: {budget['exhausted']}" if budget.get("exhausted") else ""),
                      markup=False)
    if record.get("verdicts") is not None:
        console.print(f"claims: {record['verdicts'] or 'none checked'}, citations: {record.get('citations', 0)}",
                      markup=False)
    for request in record.get("unsupported_requests") or []:
        console.print(f"[yellow]not supported by the sources:[/] {escape(request)}")
    for note in record.get("notes") or []:
        console.print(f"[dim]note: {escape(note)}[/]")
    for item in record.get("feedback") or []:
        console.print(f"feedback {item['score']:.2f} ({item.get('source')}, {_when(item.get('at'))}): "
                      f"{item.get('comment') or ''}", markup=False)


@runs_app.command("feedback")
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


# -- registries: prompts, models, retrieval strategies ----------------------------------
prompts_app = typer.Typer(help="Versioned prompts: list, show, diff, promote and roll back labels.", no_args_is_help=True)
models_app = typer.Typer(help="The model registry: list, promote and roll back each role's model.", no_args_is_help=True)
retrieval_app = typer.Typer(
    help="Retrieval strategies: list, promote and roll back (the index alias follows the running label).",
    no_args_is_help=True,
)
app.add_typer(prompts_app, name="prompts")
app.add_typer(models_app, name="models")
app.add_typer(retrieval_app, name="retrieval")

PromoteLabel = Annotated[str, typer.Option("--label", help="Label to move: production, staging or candidate.")]
RollbackLabel = Annotated[str, typer.Option("--label", help="Label to move back: production, staging or candidate.")]
EMBEDDING_NOTE = (
    "the index holds vectors of one embedding: run `postgraph index rebuild --embedding {name}`, set "
    "POSTGRAPH_EMBEDDING={name}, and promote a retrieval strategy naming its collection"
)


def _prompt_registry():
    from postgraph.prompts import PromptRegistry

    return PromptRegistry(get_settings().prompt_registry_path)


def _show_move(move, started: float, as_json: bool, **extra: Any) -> None:
    import time

    seconds = time.perf_counter() - started
    if as_json:
        print_json({**move.as_dict(), "seconds": round(seconds, 4), **extra})
        return
    console.print(f"{move.name}: {move.label} {move.previous or '-'} -> {move.current} "
                  f"({seconds * 1000:.0f} ms)", markup=False)
    for key, value in extra.items():
        console.print(f"{key}: {value}", markup=False)


@prompts_app.command("list")
def prompts_list(as_json: JsonOption = False) -> None:
    """Prompts, their versions (name@version#hash) and which version each label names."""
    from postgraph.registry.labels import LABELS

    try:
        rows = _prompt_registry().list()
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(rows)
        return
    table = Table("prompt", *LABELS, "versions", title="prompts")
    for row in rows:
        table.add_row(row["name"], *(row["labels"].get(label, "") for label in LABELS),
                      ", ".join(row["versions"].values()))
    console.print(table)


@prompts_app.command("show")
def prompts_show(
    name: str,
    version: Annotated[str | None, typer.Option(help="This version (default: the one --label names).")] = None,
    label: Annotated[str, typer.Option(help="Label to show when no version is given.")] = "production",
    as_json: JsonOption = False,
) -> None:
    """One prompt version: identity, changelog, variables, parameters and template."""
    try:
        registry = _prompt_registry()
        prompt = registry.load(name, version) if version else registry.get(name, label)
    except PostgraphError as error:
        fail(error)
    data = {"name": prompt.name, "version": prompt.version, "identity": prompt.identity,
            "changelog": prompt.changelog, "variables": sorted(prompt.variables),
            "parameters": prompt.parameters, "sha256": prompt.sha256, "template": prompt.template}
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{prompt.identity}[/]  {escape(prompt.changelog)}")
    console.print(f"variables: {', '.join(data['variables'])}; parameters: {prompt.parameters}", markup=False)
    console.print(prompt.template, markup=False, highlight=False)


@prompts_app.command("diff")
def prompts_diff(name: str, a: str, b: str) -> None:
    """Unified diff between two versions of a prompt."""
    try:
        text = _prompt_registry().diff(name, a, b)
    except PostgraphError as error:
        fail(error)
    sys.stdout.write(text or f"{name}: versions {a} and {b} have the same text\n")


@prompts_app.command("promote")
def prompts_promote(name: str, version: str, label: PromoteLabel, as_json: JsonOption = False) -> None:
    """Point LABEL at VERSION of prompt NAME (the version must exist and fit its graph step)."""
    import time

    from postgraph.graph.pinning import check_prompt

    started = time.perf_counter()
    try:
        registry = _prompt_registry()
        check_prompt(registry.load(name, version))
        move = registry.promote(name, version, label)
    except PostgraphError as error:
        fail(error)
    _show_move(move, started, as_json, identity=registry.load(name, move.current).identity)


@prompts_app.command("rollback")
def prompts_rollback(name: str, label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL of prompt NAME back to the version it named before the last promote."""
    import time

    started = time.perf_counter()
    try:
        registry = _prompt_registry()
        move = registry.rollback(name, label)
    except PostgraphError as error:
        fail(error)
    _show_move(move, started, as_json, identity=registry.load(name, move.current).identity)


def _model_registry():
    from postgraph.registry.models import ModelRegistry

    return ModelRegistry(get_settings().model_registry_path)


@models_app.command("list")
def models_list(as_json: JsonOption = False) -> None:
    """Every role's model versions, with their labels, weights hash and provenance."""
    try:
        rows = _model_registry().list()
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(rows)
        return
    table = Table("role", "version", "labels", "model", "sha256", "training run", "dataset", "notes", title="models")
    for row in rows:
        model = "none" if row["provider"] == "none" else f"{row['provider']}:{row['location']}"
        table.add_row(row["role"], row["version"], ", ".join(row["labels"]), model, (row["sha256"] or "")[:12],
                      row["training_run"] or "", row["dataset_version"] or "", row["notes"])
    console.print(table)


def _model_move(role: str, label: str, as_json: bool, version: str | None) -> None:
    import time

    settings = get_settings()
    started = time.perf_counter()
    try:
        registry = _model_registry()
        if version is None:
            move = registry.rollback(role, label, settings)
        else:
            move = registry.promote(role, version, label, settings)
        entry = registry.entry(role, move.current)
    except PostgraphError as error:
        fail(error)
    extra: dict[str, Any] = {"model": entry.describe()}
    if role == "embedding":
        extra["next"] = EMBEDDING_NOTE.format(name=entry.location)
    _show_move(move, started, as_json, **extra)


@models_app.command("promote")
def models_promote(role: str, version: str, label: PromoteLabel, as_json: JsonOption = False) -> None:
    """Point LABEL of ROLE at model VERSION (local weights must match their registered sha256)."""
    _model_move(role, label, as_json, version)


@models_app.command("rollback")
def models_rollback(role: str, label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL of ROLE back to the model version it named before the last promote."""
    _model_move(role, label, as_json, None)


def _retrieval_registry():
    from postgraph.registry.retrieval import RetrievalRegistry

    return RetrievalRegistry(get_settings().retrieval_registry_path)


@retrieval_app.command("list")
def retrieval_list(as_json: JsonOption = False) -> None:
    """Retrieval strategy versions and their labels."""
    try:
        rows = _retrieval_registry().list()
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(rows)
        return
    table = Table("version", "labels", "k", "candidates", "hybrid", "mmr λ", "floor", "filters", "collection",
                  title="retrieval strategies")
    for row in rows:
        filters = {k: v for k, v in row["filters"].items() if v}
        table.add_row(row["version"], ", ".join(row["labels"]), str(row["k"]), str(row["candidates"]),
                      str(row["hybrid"]), str(row["mmr_lambda"]), str(row["relevance_floor"]),
                      json.dumps(filters) if filters else "", row["collection"] or "(leave the alias)")
    console.print(table)


def _retrieval_move(label: str, as_json: bool, version: str | None) -> None:
    import time

    from postgraph.registry.retrieval import alias_follower

    settings = get_settings()
    started = time.perf_counter()
    moves: list[dict[str, Any]] = []
    try:
        registry = _retrieval_registry()
        follow = alias_follower(settings, label, "rollback" if version is None else "promote", moves)
        move = registry.rollback(label, follow) if version is None else registry.promote(version, label, follow)
    except PostgraphError as error:
        fail(error)
    alias = moves[0] if moves else (
        "unchanged (the strategy names no collection)" if label == settings.retrieval_label
        else f"unchanged (runs use the {settings.retrieval_label} label)"
    )
    _show_move(move, started, as_json, alias=alias)


@retrieval_app.command("promote")
def retrieval_promote(version: str, label: PromoteLabel, as_json: JsonOption = False) -> None:
    """Point LABEL at strategy VERSION; for the label runs use, the index alias moves to its collection."""
    _retrieval_move(label, as_json, version)


@retrieval_app.command("rollback")
def retrieval_rollback(label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL back to the strategy it named before; the index alias follows."""
    _retrieval_move(label, as_json, None)


# -- prompts sync (Langfuse) ------------------------------------------------------------
@prompts_app.command("sync")
def prompts_sync(
    label: Annotated[str | None, typer.Option(help="Label to pull from Langfuse (default POSTGRAPH_LANGFUSE_PROMPT_LABEL).")] = None,
    follow_langfuse: Annotated[bool, typer.Option(
        "--follow-langfuse", help="Where Langfuse puts the label on another version, promote that version here too "
        "(default: the registry wins and the push puts the label back).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Push every prompt version and its labels to Langfuse, and pull where a label sits there."""
    from postgraph.observability.langfuse_prompts import sync_registry

    settings = get_settings()
    try:
        report = sync_registry(settings, _prompt_registry(), pull_label=label, follow_langfuse=follow_langfuse)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(report.as_dict())
    else:
        pushed = Table("prompt", "version", "action", "langfuse version", "labels", "detail", title=f"pushed to {settings.langfuse_host}")
        for p in report.pushed:
            pushed.add_row(p.name, p.version, p.action, str(p.langfuse_version or ""), ", ".join(p.labels), p.detail,
                           style="red" if p.action == "conflict" else None)
        console.print(pushed)
        pulled = Table("prompt", "label", "langfuse version", "version", "registry had", "detail", title="pulled")
        for p in report.pulled:
            pulled.add_row(p.name, p.label, str(p.langfuse_version or ""), p.local_version or "",
                           p.registry_version or "", p.detail)
        console.print(pulled)
        for p in report.applied:
            console.print(f"{p.name}: {p.label} -> {p.local_version} (followed Langfuse)", markup=False)
    raise typer.Exit(1 if report.conflicts else 0)
