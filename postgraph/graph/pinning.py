"""The registry versions a run uses, read once per run ("pinned") and kept on its context.

Nodes get prompts with `prompt_for(context, name)`, a free-text call's parameters with
`prompt_parameter`, and retrieval parameters with `retrieval_for`; model ids are written into
the context's `<role>_model` fields when the run is pinned, so `context.drafter_model` is the
model the run uses. `run_versions` (graph/versions.py) reports the same snapshot, so what a
run records is what it used.

Order of choice, everywhere: an explicit value (caller or set setting) > the registry's
version under the run's label > the built-in default.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from postgraph.prompts import Prompt
from postgraph.registry.labels import RegistryError
from postgraph.registry.models import CHAT_ROLES, NO_MODEL, verify_weights
from postgraph.registry.retrieval import NAME as RETRIEVAL
from postgraph.registry.retrieval import Strategy
from postgraph.settings import Settings

if TYPE_CHECKING:
    from postgraph.graph.context import Context
    from postgraph.graph.resources import Resources
    from postgraph.graph.state import RequestFilters

# The variables each node supplies to its prompt: a version may use fewer, never others.
SUPPLIED = {
    "plan": {"request"},
    "draft": {"examples", "notes", "audience", "angle", "words"},
    "critique": {"audience", "post"},
    "revise": {"examples", "notes", "post", "instructions"},
    "entailment": {"evidence", "claim"},
}
PROMPTS = tuple(SUPPLIED)
# Free-text calls take a prompt's parameters. The others are structured answers, decoded
# under a schema at temperature 0 with a small fixed cap (graph/model_calls.py): parameters
# on them would be ignored, so they are refused.
FREE_TEXT_PROMPTS = ("draft", "revise")
PARAMETER_FIELDS = {"max_tokens": "draft_max_tokens", "temperature": "temperature"}
# Settings that choose the default model of every role. Set explicitly, they mean this
# deployment picks its chat model by settings (an Ollama server, a GGUF file), over the registry.
MODEL_CHOICE_SETTINGS = ("model_provider", "gguf_path", "ollama_chat_model")
RETRIEVAL_FIELDS = {"k": "retrieval_k", "candidates": "retrieval_candidates", "hybrid": "hybrid",
                    "mmr_lambda": "mmr_lambda", "relevance_floor": "relevance_floor"}


@dataclass(frozen=True)
class ModelChoice:
    role: str
    model_id: str
    """"provider:name"; empty for no model (a judge of provider none)."""
    source: str
    """Where it came from: "drafter@2" (the registry), "setting" (the role's own model id),
    "settings default" (model_provider / gguf_path set), or "default" (no registry entry)."""


@dataclass(frozen=True)
class RetrievalChoice:
    version: str
    strategy: Strategy
    values: dict[str, Any]
    """Effective k, candidates, hybrid, mmr_lambda, relevance_floor."""
    overrides: tuple[str, ...]
    """Context fields that departed from the strategy."""

    @property
    def source(self) -> str:
        base = f"{RETRIEVAL}@{self.version}"
        return f"{base} overridden: {', '.join(self.overrides)}" if self.overrides else base

    def search_parameters(self) -> dict[str, Any]:
        return dict(self.values)

    def filters_for(self, request: RequestFilters | None) -> RequestFilters | None:
        """The strategy's default filters, with the request's own filters winning field by field."""
        merged = self.strategy.filters.model_dump()
        if request is not None:
            merged.update({k: v for k, v in request.model_dump().items() if v})
        if not any(merged.values()):
            return request
        return type(self.strategy.filters).model_validate(merged)

    def describe(self) -> str:
        v = self.values
        text = (f"{'hybrid-rrf' if v['hybrid'] else 'dense'}+mmr(k={v['k']},candidates={v['candidates']},"
                f"lambda={v['mmr_lambda']},floor={v['relevance_floor']})")
        filters = self.strategy.filters.model_dump(mode="json", exclude_defaults=True)
        return f"{text} filters={json.dumps(filters, sort_keys=True)}" if filters else text


@dataclass(frozen=True)
class Pinned:
    labels: dict[str, str]
    prompts: dict[str, Prompt]
    models: dict[str, ModelChoice]
    embedding_source: str
    retrieval: RetrievalChoice


_lock = threading.Lock()


def pin(context: Context, resources: Resources) -> Pinned:
    """Read the registries for this run (once) and fill the context's model ids."""
    if context.pinned is not None:
        return context.pinned
    with _lock:
        if context.pinned is None:
            pinned = _read(context, resources)
            for role, choice in pinned.models.items():
                setattr(context, f"{role}_model", choice.model_id)
            context.pinned = pinned
    return context.pinned


def pinned(context: Context) -> Pinned:
    from postgraph.graph.resources import resources_for

    resources_for(context)  # pins the run
    return context.pinned


def prompt_for(context: Context, name: str) -> Prompt:
    """The prompt `name` in the version the run's prompt label names."""
    return pinned(context).prompts[name]


def prompt_parameter(context: Context, prompt: Prompt, name: str) -> Any:
    """A free-text call's parameter: the context's explicit value, else the prompt version's,
    else the setting's default."""
    field = PARAMETER_FIELDS[name]
    explicit = getattr(context, field)
    if explicit is not None:
        return explicit
    if name in prompt.parameters:
        return prompt.parameters[name]
    return Settings.model_fields[field].default


def retrieval_for(context: Context) -> RetrievalChoice:
    return pinned(context).retrieval


def check_prompt(prompt: Prompt) -> None:
    """Refuse a prompt version the graph cannot use as written."""
    supplied = SUPPLIED.get(prompt.name)
    if supplied is None:
        raise RegistryError(f"The graph has no prompt named {prompt.name!r}; it uses {', '.join(PROMPTS)}.")
    if extra := prompt.variables - supplied:
        raise RegistryError(f"{prompt.identity} uses {sorted(extra)}, which the {prompt.name} step does not "
                            f"supply; it supplies {sorted(supplied)}.")
    if prompt.parameters and prompt.name not in FREE_TEXT_PROMPTS:
        raise RegistryError(f"{prompt.identity} declares parameters {prompt.parameters}, but {prompt.name} is a "
                            "structured answer (schema-constrained, temperature 0, fixed token cap): remove them.")


# --- reading the registries ------------------------------------------------------------------


def _read(context: Context, resources: Resources) -> Pinned:
    settings = resources.settings
    prompts = {name: resources.prompt_registry.get(name, context.prompt_label) for name in PROMPTS}
    for prompt in prompts.values():
        check_prompt(prompt)
    return Pinned(
        labels={"prompts": context.prompt_label, "models": context.model_label, "retrieval": context.retrieval_label},
        prompts=prompts,
        models={role: _model(role, context, resources, settings) for role in CHAT_ROLES},
        embedding_source=_embedding_source(context, resources),
        retrieval=_retrieval(context, resources),
    )


def _model(role: str, context: Context, resources: Resources, settings: Settings) -> ModelChoice:
    explicit = getattr(context, f"{role}_model")
    if explicit:
        return ModelChoice(role, explicit, "setting")
    if role != "judge" and settings.model_fields_set & set(MODEL_CHOICE_SETTINGS):
        return ModelChoice(role, resources.model_id(""), "settings default")
    found = resources.model_registry.resolve(role, context.model_label)
    if found is None:
        return ModelChoice(role, "" if role == "judge" else resources.model_id(""), "default")
    version, entry = found
    if entry.provider == NO_MODEL and role != "judge":
        raise RegistryError(f"{role}@{version} has no model (provider none); only the judge may have none.")
    verify_weights(role, version, entry, settings)
    return ModelChoice(role, entry.model_id, f"{role}@{version}")


def _embedding_source(context: Context, resources: Resources) -> str:
    """Which registered embedding version the running one is (the index was built with it)."""
    running = resources.embedding_version.rsplit("@", 1)[0]
    for row in resources.model_registry.list():
        if row["role"] == "embedding" and row["location"] == running:
            return f"embedding@{row['version']}"
    return "unregistered"


def _retrieval(context: Context, resources: Resources) -> RetrievalChoice:
    version, strategy = resources.retrieval_registry.resolve(context.retrieval_label)
    values, overrides = {}, []
    for key, field in RETRIEVAL_FIELDS.items():
        explicit = getattr(context, field)
        values[key] = getattr(strategy, key) if explicit is None else explicit
        if explicit is not None and explicit != getattr(strategy, key):
            overrides.append(f"{key}={explicit}")
    return RetrievalChoice(version, strategy, values, tuple(overrides))
