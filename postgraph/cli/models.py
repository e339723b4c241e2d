"""`postgraph models`: the model registry, a model version per role, and its labels."""

from __future__ import annotations

import time
from typing import Any

import typer
from rich.table import Table

from postgraph.cli.common import JsonOption, PromoteLabel, RollbackLabel, console, fail, print_json, show_move
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="The model registry: list, promote and roll back each role's model.", no_args_is_help=True)


EMBEDDING_NOTE = (
    "the index holds vectors of one embedding: run `postgraph index rebuild --embedding {name}`, set "
    "POSTGRAPH_EMBEDDING={name}, and promote a retrieval strategy naming its collection"
)



def _model_registry():
    from postgraph.registry.models import ModelRegistry

    return ModelRegistry(get_settings().model_registry_path)


@app.command("list")
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
    show_move(move, started, as_json, **extra)


@app.command("promote")
def models_promote(role: str, version: str, label: PromoteLabel, as_json: JsonOption = False) -> None:
    """Point LABEL of ROLE at model VERSION (local weights must match their registered sha256)."""
    _model_move(role, label, as_json, version)


@app.command("rollback")
def models_rollback(role: str, label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL of ROLE back to the model version it named before the last promote."""
    _model_move(role, label, as_json, None)
