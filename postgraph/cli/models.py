"""`postgraph models`: the model registry, a model version per role, and its labels."""

from __future__ import annotations

import time
from typing import Annotated, Any

import typer
from pydantic import ValidationError
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

app = typer.Typer(help="The model registry: list, register, promote and roll back each role's model.",
                  no_args_is_help=True)


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


@app.command("register")
def models_register(
    role: Annotated[str, typer.Argument(help="planner, drafter, critic, reviser, judge or embedding.")],
    provider: Annotated[str, typer.Option(help="llamacpp, ollama, checker (judge), none (judge), or the embedding's.")],
    location: Annotated[str | None, typer.Option(
        help="GGUF path (relative to the repository root), gemma3-270m, an Ollama tag, or an embedding name.")] = None,
    training_run: Annotated[str | None, typer.Option(help="The training run that produced the weights.")] = None,
    dataset_version: Annotated[str | None, typer.Option(help="The version of its training data.")] = None,
    notes: Annotated[str, typer.Option(help="What this version is.")] = "",
    as_json: JsonOption = False,
) -> None:
    """Add a model as ROLE's next version (no label moves; promote it after). The sha256 of
    local weights is recorded."""
    from postgraph.registry.models import ModelEntry

    settings = get_settings()
    try:
        entry = ModelEntry(provider=provider, location=location, training_run=training_run,
                           dataset_version=dataset_version, notes=notes)
        registry = _model_registry()
        version = registry.register(role, entry, settings)
        entry = registry.entry(role, version)
    except ValidationError as error:
        fail(PostgraphError(f"Not a valid model entry: {error.errors()[0]['msg']}"))
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json({"role": role, "version": version, **entry.model_dump()})
        return
    console.print(f"registered {role}@{version}: {entry.describe()} (sha256 {(entry.sha256 or '-')[:12]})")


def _model_move(role: str, label: str, as_json: bool, version: str | None, force: bool = False,
                reason: str | None = None) -> None:
    from postgraph.gate.candidates import Change
    from postgraph.gate.promotion import gated_promotion

    settings = get_settings()
    started = time.perf_counter()
    allowed = None
    try:
        registry = _model_registry()
        if version is None:
            move = registry.rollback(role, label, settings)
        else:
            move, allowed = gated_promotion(settings, Change("models", role, version), label,
                                            lambda: registry.promote(role, version, label, settings),
                                            force=force, reason=reason)
        entry = registry.entry(role, move.current)
    except PostgraphError as error:
        fail(error)
    extra: dict[str, Any] = {"model": entry.describe()}
    if allowed is not None:
        extra["gate"] = allowed.as_dict()
    if role == "embedding":
        extra["next"] = EMBEDDING_NOTE.format(name=entry.location)
    show_move(move, started, as_json, **extra)


AuthorOption = Annotated[str | None, typer.Option(
    help="Move this author's label (production:<author>): their requests use the version, others the shared one.")]


@app.command("promote")
def models_promote(role: str, version: str, label: PromoteLabel, force: ForceOption = False,
                   reason: ReasonOption = None, author: AuthorOption = None,
                   run_gate: Annotated[bool, typer.Option(
                       "--run-gate", help="Run the release gate on the promotion split first (stored), "
                                          "then promote only if it passed.")] = False,
                   as_json: JsonOption = False) -> None:
    """Point LABEL of ROLE at model VERSION (local weights must match their registered sha256).
    Production needs a passing gate result for exactly the versions it would run: found in
    MongoDB, or with --run-gate measured now."""
    from postgraph.registry.labels import author_label

    if run_gate and label == "production":
        _run_promotion_gate(role, version, as_json)
    try:
        label = author_label(label, author)
    except PostgraphError as error:
        fail(error)
    _model_move(role, label, as_json, version, force, reason)


@app.command("rollback")
def models_rollback(role: str, label: RollbackLabel = "production", author: AuthorOption = None,
                    as_json: JsonOption = False) -> None:
    """Move LABEL of ROLE back to the model version it named before the last promote."""
    from postgraph.registry.labels import author_label

    try:
        label = author_label(label, author)
    except PostgraphError as error:
        fail(error)
    _model_move(role, label, as_json, None)


def _run_promotion_gate(role: str, version: str, as_json: bool) -> None:
    """The gate for ROLE@VERSION against production on the promotion split, stored where the
    promotion looks for it."""
    from postgraph.gate.candidates import Candidate, Change
    from postgraph.gate.evaluate import run_gate
    from postgraph.quality.gate import GoldenSet

    settings = get_settings()
    split = settings.gate_promotion_splits[0]
    try:
        golden = GoldenSet.load(settings.golden_set_path, settings.gate_thresholds_path)
        cases = [c for c in golden.cases if split == "all" or c.split == split]
        gate = run_gate(settings, cases, golden.thresholds, Candidate(changes=(Change("models", role, version),)),
                        split, golden.sha256)
        gate.write(settings.data_dir / "gate" / "reports")
        gate.store(settings)
    except (PostgraphError, OSError, ValueError) as error:
        fail(error if isinstance(error, PostgraphError) else PostgraphError(str(error)))
    if not as_json:
        verdict = "passed" if gate.decision.passed else "failed: " + "; ".join(gate.decision.problems)
        console.print(f"gate on the {split} split for {role}@{version}: {verdict}", markup=False)
