"""`postgraph retrieval`: retrieval strategies and their labels; the index alias follows the running label."""

from __future__ import annotations

import json
import time
from typing import Any

import typer
from rich.table import Table

from postgraph.cli.common import JsonOption, PromoteLabel, RollbackLabel, console, fail, print_json, show_move
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Retrieval strategies: list, promote and roll back (the index alias follows the running label).", no_args_is_help=True)


def _retrieval_registry():
    from postgraph.registry.retrieval import RetrievalRegistry

    return RetrievalRegistry(get_settings().retrieval_registry_path)


@app.command("list")
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
    from postgraph.ingest.index_versions import alias_follower

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
    show_move(move, started, as_json, alias=alias)


@app.command("promote")
def retrieval_promote(version: str, label: PromoteLabel, as_json: JsonOption = False) -> None:
    """Point LABEL at strategy VERSION; for the label runs use, the index alias moves to its collection."""
    _retrieval_move(label, as_json, version)


@app.command("rollback")
def retrieval_rollback(label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL back to the strategy it named before; the index alias follows."""
    _retrieval_move(label, as_json, None)
