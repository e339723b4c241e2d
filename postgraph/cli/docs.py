"""Documents: `postgraph ingest`, `postgraph docs list` and `postgraph search`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from postgraph.cli.common import JsonOption, console, errors, fail, print_json, progress
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Inspect stored documents.", no_args_is_help=True)


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to ingest.")],
    as_json: JsonOption = False,
) -> None:
    """Parse, store and index documents; report what happened to each file."""
    from postgraph.ingest.pipeline import expand_paths, open_ingestor

    settings = get_settings()
    try:
        with open_ingestor(settings) as ingestor, progress() as bar:
            task = bar.add_task("ingesting", total=len(expand_paths(paths)))
            report = ingestor.ingest(paths, on_file=lambda _: bar.advance(task))
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(report.as_dict())
    else:
        from postgraph.ingest.parsers.screening import describe

        table = Table("file", "status", "version", "blocks", "chunks", "detail", title="ingest")
        for f in report.files:
            detail = f.error if not f.ok else (f.title or "")
            if f.superseded:
                detail += f" (supersedes {len(f.superseded)})"
            if f.screened:
                detail += f" (kept out: {describe(f.screened)})"
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
@app.command("list")
def docs_list(
    status: Annotated[str | None, typer.Option(help="Only pending, indexed or superseded.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Documents with their version and status."""
    from postgraph.stores.open import open_store

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



def search(
    query: str,
    k: Annotated[int, typer.Option("-k", min=1, max=50, help="How many chunks.")] = 5,
    author: Annotated[str | None, typer.Option(help="Only this author.")] = None,
    kind: Annotated[str | None, typer.Option(help="Only text, table or image chunks.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Dense search over the active index (what the retrieve step builds on)."""
    from postgraph.search.embeddings import make_embeddings
    from postgraph.search.hybrid import search_chunks
    from postgraph.search.index import open_index

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
