"""`postgraph index`: inspect, rebuild and roll back the vector index."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from postgraph.cli.common import JsonOption, console, fail, print_json, progress
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Inspect, rebuild and roll back the vector index.", no_args_is_help=True)


@app.command("status")
def index_status(as_json: JsonOption = False) -> None:
    """Collections, their point counts, and which one the alias names."""
    from postgraph.search.index import open_index

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


@app.command("rebuild")
def index_rebuild(
    embedding: Annotated[str, typer.Option(help="Embedding model name (see README).")],
    as_json: JsonOption = False,
) -> None:
    """Embed every indexed document with EMBEDDING into a new collection and switch the alias."""
    from postgraph.ingest.index_versions import rebuild
    from postgraph.ingest.pipeline import open_ingestor

    try:
        with open_ingestor(get_settings(), embedding) as ingestor, progress() as bar:
            task = bar.add_task(f"rebuilding with {embedding}", total=None)
            result = rebuild(ingestor, on_progress=lambda done, total: bar.update(task, completed=done, total=total))
    except PostgraphError as error:
        fail(error)
    print_json(result) if as_json else console.print(
        f"alias now names {result['active']} ({result['documents']} documents, {result['chunks']} chunks); "
        f"previous: {result['previous']}"
    )


@app.command("rollback")
def index_rollback(as_json: JsonOption = False) -> None:
    """Point the alias back at the collection it named before."""
    from postgraph.ingest.index_versions import activate, rollback_target
    from postgraph.ingest.pipeline import open_ingestor
    from postgraph.search.index import open_index
    from postgraph.stores.open import open_store

    settings = get_settings()
    try:
        with open_store(settings) as store, open_index(settings) as index:
            collection, embedding = rollback_target(store, index)
        with open_ingestor(settings, embedding) as ingestor:
            result = activate(ingestor, collection, reason="rollback")
    except PostgraphError as error:
        fail(error)
    print_json(result) if as_json else console.print(
        f"alias now names {result['active']} ({result['chunks']} chunks, "
        f"{result['backfilled_documents']} documents added since it was last active)"
    )
