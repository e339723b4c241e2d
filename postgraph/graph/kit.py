"""Run setup in one step: the run kit.

`build_run_kit(context, adapters, pins)` makes, once per run, a frozen kit holding what the
nodes use: the pinned prompt, model and retrieval-strategy versions, the chat models, the
embedder, the index, and the versions record the run reports. A new thread reads the
registries (`pins.read_pins`); a resumed, approved or replayed thread passes the pins its
state carries, so it keeps the versions it started with.

The writer builds the kit explicitly and hands it to the graph in the runtime context; runs
that arrive without one (the LangGraph server, Studio) get it lazily from `run_kit`, built
over the process-wide adapters from the thread's pins. Nodes only read: `kit.prompt("draft")`,
`kit.model("drafter")`, `kit.retrieval`, `kit.embed_texts`.

The versions record (`kit.versions`):

    prompt.<name>             name@version#sha256[:12] of each prompt file
    prompt.examples           sha256[:12] of the few-shot example posts
    prompt.overrides          free-text call parameters the run set over the prompt's, or "none"
    model.<role>              the model id (provider:name), "none" for no judge
    model.<role>.registry     drafter@2 (registry), setting, settings default, or default
    model.<role>.sha256       sha256 of its local weights, "-" when it has none on disk
    embedding                 the embedding model's version (the index was built with it)
    model.embedding.registry  embedding@1 when the registry knows it, else unregistered
    retrieval                 the effective search (mode, k, candidates, MMR, floor, filters)
    retrieval.strategy        retrieval@2, plus the fields the run overrode
    retrieval.collection      the collection the index alias named
    labels                    the labels the run resolved
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from postgraph.graph.adapters import Adapters, shared_adapters
from postgraph.graph.pins import FREE_TEXT_PROMPTS, PARAMETER_FIELDS, Pins, RetrievalPin, pinned_prompts, read_pins
from postgraph.llm.checker import ClaimChecker, adapter_path
from postgraph.prompts import Prompt, examples_sha256
from postgraph.registry.models import weights_sha256
from postgraph.search.index import VectorIndex
from postgraph.search.sparse import BM25SparseEmbeddings
from postgraph.settings import Settings

if TYPE_CHECKING:
    from langgraph.runtime import Runtime

    from postgraph.graph.context import Context
    from postgraph.graph.state import State


@dataclass(frozen=True)
class RunKit:
    """Everything a run uses besides its state; frozen, built once per run."""

    adapters: Adapters
    pins: Pins
    prompts: Mapping[str, Prompt]
    parameters: Mapping[str, Mapping[str, Any]]
    """Call parameters (max_tokens, temperature) of the free-text prompts."""
    versions: Mapping[str, str]

    @property
    def settings(self) -> Settings:
        return self.adapters.settings

    def prompt(self, name: str) -> Prompt:
        return self.prompts[name]

    def call_parameters(self, name: str) -> dict[str, Any]:
        return dict(self.parameters[name])

    def model(self, role: str) -> BaseChatModel:
        return self.adapters.chat_model(self.pins.models[role].model_id)

    def claim_checker(self, role: str) -> ClaimChecker | None:
        """The trained claim checker when the role is pinned to one (`checker:<adapter>`), else None."""
        model_id = self.pins.models[role].model_id
        return self.adapters.claim_checker(model_id) if adapter_path(model_id) is not None else None

    def has_model(self, role: str) -> bool:
        """False for a role pinned to no model (a judge of provider none)."""
        return bool(self.pins.models[role].model_id)

    @property
    def retrieval(self) -> RetrievalPin:
        return self.pins.retrieval

    @property
    def index(self) -> VectorIndex:
        return self.adapters.index

    @property
    def embeddings(self) -> Embeddings:
        return self.adapters.embeddings

    @property
    def sparse(self) -> BM25SparseEmbeddings:
        return self.adapters.sparse

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        return self.adapters.embed_texts(texts)


def build_run_kit(context: Context, adapters: Adapters, pins: Pins | None = None) -> RunKit:
    """The kit of one run: pins read from the registries for a new thread, or the thread's own."""
    if pins is None:
        pins, prompts = read_pins(context, adapters)
    else:
        prompts = pinned_prompts(pins, adapters)
    parameters = {name: _call_parameters(context, prompts[name]) for name in FREE_TEXT_PROMPTS}
    return RunKit(
        adapters=adapters,
        pins=pins,
        prompts=MappingProxyType(prompts),
        parameters=MappingProxyType({k: MappingProxyType(v) for k, v in parameters.items()}),
        versions=MappingProxyType(_versions(context, adapters, pins, prompts)),
    )


_studio_kits: dict[tuple[Any, ...], RunKit] = {}
_studio_lock = threading.Lock()
STUDIO_KIT_CACHE = 64


def run_kit(state: State, runtime: Runtime[Context]) -> RunKit:
    """The run's kit: the one the caller built, else (the LangGraph server, Studio) one built
    from the thread's pins over the process-wide adapters. A thread without pins yet gets
    fresh ones; the first node writes them into its state."""
    context = runtime.context
    if context.kit is not None:
        return context.kit
    pins = state.get("pins")
    if pins is None:
        return build_run_kit(context, shared_adapters())
    key = (pins.model_dump_json(), *(getattr(context, f.name) for f in fields(context) if f.name != "kit"))
    with _studio_lock:
        kit = _studio_kits.get(key)
        if kit is None:
            kit = build_run_kit(context, shared_adapters(), pins)
            if len(_studio_kits) >= STUDIO_KIT_CACHE:
                _studio_kits.pop(next(iter(_studio_kits)))
            _studio_kits[key] = kit
        return kit


def _call_parameters(context: Context, prompt: Prompt) -> dict[str, Any]:
    """A free-text call's parameters: the context's explicit value, else the prompt version's,
    else the setting's default."""
    values = {}
    for name, field in PARAMETER_FIELDS.items():
        explicit = getattr(context, field)
        if explicit is not None:
            values[name] = explicit
        elif name in prompt.parameters:
            values[name] = prompt.parameters[name]
        else:
            values[name] = Settings.model_fields[field].default
    return values


def _versions(context: Context, adapters: Adapters, pins: Pins, prompts: Mapping[str, Prompt]) -> dict[str, str]:
    versions = {f"prompt.{name}": prompt.identity for name, prompt in prompts.items()}
    versions["prompt.examples"] = examples_sha256()[:12]
    versions["prompt.overrides"] = _prompt_overrides(context, prompts) or "none"
    for role, choice in pins.models.items():
        model_id = adapters.model_id(choice.model_id) if choice.model_id else ""
        versions[f"model.{role}"] = model_id or "none"
        versions[f"model.{role}.registry"] = choice.source
        versions[f"model.{role}.sha256"] = (weights_sha256(model_id, adapters.settings) if model_id else None) or "-"
    versions["embedding"] = adapters.embedding_version
    versions["model.embedding.registry"] = pins.embedding_source
    versions["retrieval"] = pins.retrieval.describe()
    versions["retrieval.strategy"] = pins.retrieval.source
    versions["retrieval.collection"] = adapters.index.active_collection() or "none"
    versions["labels"] = " ".join(f"{kind}={label}" for kind, label in pins.labels.items())
    return versions


def _prompt_overrides(context: Context, prompts: Mapping[str, Prompt]) -> str:
    found = []
    for name in FREE_TEXT_PROMPTS:
        for parameter, field in PARAMETER_FIELDS.items():
            explicit = getattr(context, field)
            if explicit is not None and explicit != prompts[name].parameters.get(parameter):
                found.append(f"{name}.{parameter}={explicit}")
    return ", ".join(found)
