"""`postgraph retrieval`: retrieval strategies and their labels; the index alias follows the running label."""

from __future__ import annotations

import json
import time
from typing import Any

import typer
from rich.table import Table

from postgraph.cli.common import (
    ForceOption,
    JsonOption,
    PromoteLabel,
    ReasonOption,
    RollbackLabel,
    console,
    fail,
    print_json,
    show_move,
)
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


def _retrieval_move(label: str, as_json: bool, version: str | None, force: bool = False,
                    reason: str | None = None) -> None:
    from postgraph.gate.candidates import Change
    from postgraph.gate.promotion import gated_promotion
    from postgraph.ingest.index_versions import alias_follower
    from postgraph.registry.retrieval import NAME

    settings = get_settings()
    started = time.perf_counter()
    moves: list[dict[str, Any]] = []
    allowed = None
    try:
        registry = _retrieval_registry()
        follow = alias_follower(settings, label, "rollback" if version is None else "promote", moves)
        if version is None:
            move = registry.rollback(label, follow)
        else:
            move, allowed = gated_promotion(settings, Change("retrieval", NAME, version), label,
                                            lambda: registry.promote(version, label, follow), force=force, reason=reason)
    except PostgraphError as error:
        fail(error)
    alias = moves[0] if moves else (
        "unchanged (the strategy names no collection)" if label == settings.retrieval_label
        else f"unchanged (runs use the {settings.retrieval_label} label)"
    )
    show_move(move, started, as_json, alias=alias, **({} if allowed is None else {"gate": allowed.as_dict()}))


@app.command("promote")
def retrieval_promote(version: str, label: PromoteLabel, force: ForceOption = False, reason: ReasonOption = None,
                      as_json: JsonOption = False) -> None:
    """Point LABEL at strategy VERSION; for the label runs use, the index alias moves to its collection.
    Production needs a passing gate result for exactly the versions it would run."""
    _retrieval_move(label, as_json, version, force, reason)


@app.command("rollback")
def retrieval_rollback(label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL back to the strategy it named before; the index alias follows."""
    _retrieval_move(label, as_json, None)
