"""The versions a thread runs with ("pins"), read from the three registries once, when the
thread starts, and kept in the thread's state so that resume, approval and replay use the same
prompt, model and retrieval-strategy versions, whatever was promoted in between.

Order of choice, everywhere: an explicit value (caller or set setting) > the registry's
version under the run's label > the built-in default.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from postgraph.domain import RequestFilters
from postgraph.prompts import Prompt
from postgraph.registry.labels import RegistryError
from postgraph.registry.models import CHAT_ROLES, NO_MODEL, verify_weights
from postgraph.registry.retrieval import NAME as RETRIEVAL

if TYPE_CHECKING:
    from postgraph.graph.adapters import Adapters
    from postgraph.graph.context import Context

# The variables each node supplies to its prompt: a version may use fewer, never others.
SUPPLIED = {
    "plan": {"request"},
    "draft": {"examples", "notes", "audience", "angle", "words", "author"},
    "critique": {"audience", "post"},
    "revise": {"examples", "notes", "post", "instructions"},
    "entailment": {"evidence", "claim"},
}
PROMPTS = tuple(SUPPLIED)
# Free-text calls take a prompt's parameters. The others are structured answers, decoded
# under a schema at temperature 0 with a small fixed cap (llm/structured.py): parameters
# on them would be ignored, so they are refused.
FREE_TEXT_PROMPTS = ("draft", "revise")
PARAMETER_FIELDS = {"max_tokens": "draft_max_tokens", "temperature": "temperature"}
# Settings that choose the default model of every role. Set explicitly, they mean this
# deployment picks its chat model by settings (an Ollama server, a GGUF file), over the registry.
MODEL_CHOICE_SETTINGS = ("model_provider", "gguf_path", "ollama_chat_model")
RETRIEVAL_FIELDS = {"k": "retrieval_k", "candidates": "retrieval_candidates", "hybrid": "hybrid",
                    "mmr_lambda": "mmr_lambda", "relevance_floor": "relevance_floor"}


class ModelPin(BaseModel):
    model_config = ConfigDict(frozen=True)

    model_id: str = Field(description='"provider:name"; empty for no model (a judge of provider none).')
    source: str = Field(description='Where it came from: "drafter@2" (the registry), "setting" (the role\'s '
                        'own model id), "settings default" (model_provider / gguf_path set), or "default".')


class RetrievalPin(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: str
    values: dict[str, Any] = Field(description="Effective k, candidates, hybrid, mmr_lambda, relevance_floor.")
    overrides: tuple[str, ...] = Field(default=(), description="Context fields that departed from the strategy.")
    filters: RequestFilters = Field(default_factory=RequestFilters, description="The strategy's default filters.")

    @property
    def source(self) -> str:
        base = f"{RETRIEVAL}@{self.version}"
        return f"{base} overridden: {', '.join(self.overrides)}" if self.overrides else base

    def search_parameters(self) -> dict[str, Any]:
        return dict(self.values)

    def filters_for(self, request: RequestFilters | None) -> RequestFilters | None:
        """The strategy's default filters, with the request's own filters winning field by field."""
        merged = self.filters.model_dump()
        if request is not None:
            merged.update({k: v for k, v in request.model_dump().items() if v})
        if not any(merged.values()):
            return request
        return RequestFilters.model_validate(merged)

    def describe(self) -> str:
        v = self.values
        text = (f"{'hybrid-rrf' if v['hybrid'] else 'dense'}+mmr(k={v['k']},candidates={v['candidates']},"
                f"lambda={v['mmr_lambda']},floor={v['relevance_floor']})")
        filters = self.filters.model_dump(mode="json", exclude_defaults=True)
        return f"{text} filters={json.dumps(filters, sort_keys=True)}" if filters else text


class Pins(BaseModel):
    """What a thread runs with; kept in its state from the first step."""

    model_config = ConfigDict(frozen=True)

    labels: dict[str, str]
    prompts: dict[str, str] = Field(description="Prompt name -> identity (name@version#sha256[:12]).")
    models: dict[str, ModelPin]
    embedding_source: str
    retrieval: RetrievalPin

    def prompt_version(self, name: str) -> str:
        return self.prompts[name].split("@", 1)[1].split("#", 1)[0]


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


def read_pins(context: Context, adapters: Adapters) -> tuple[Pins, dict[str, Prompt]]:
    """Read the registries for a new thread: the pins, and the prompts they name. A model
    fine-tuned on a prompt version (`ModelEntry.prompt`) brings that version with it."""
    models, trained_on = {}, {}
    for role in CHAT_ROLES:
        models[role], trained = _model(role, context, adapters)
        if trained:
            trained_on[trained[0]] = trained[1]
    prompts = {name: (adapters.prompt_registry.load(name, trained_on[name]) if name in trained_on
                      else adapters.prompt_registry.get(name, context.prompt_label)) for name in PROMPTS}
    for prompt in prompts.values():
        check_prompt(prompt)
    labels = {"prompts": context.prompt_label, "models": context.model_label, "retrieval": context.retrieval_label}
    if context.author:
        labels["author"] = context.author
    pins = Pins(
        labels=labels,
        prompts={name: prompt.identity for name, prompt in prompts.items()},
        models=models,
        embedding_source=_embedding_source(adapters),
        retrieval=_retrieval(context, adapters),
    )
    return pins, prompts


def pinned_prompts(pins: Pins, adapters: Adapters) -> dict[str, Prompt]:
    """The prompt files a thread's pins name, refusing any that changed on disk since: a
    version's file is meant to be immutable, and the thread recorded its hash."""
    prompts = {}
    for name, identity in pins.prompts.items():
        prompt = adapters.prompt_registry.load(name, pins.prompt_version(name))
        if prompt.identity != identity:
            raise RegistryError(
                f"The thread started with prompt {identity}, but that version's file now reads {prompt.identity}: "
                "a prompt version was edited in place. Restore the file (git), or start a new thread."
            )
        check_prompt(prompt)
        prompts[name] = prompt
    return prompts


def _model(role: str, context: Context, adapters: Adapters) -> tuple[ModelPin, tuple[str, str] | None]:
    """The role's model pin, and the prompt version its weights were fine-tuned on (if any)."""
    settings = adapters.settings
    explicit = getattr(context, f"{role}_model")
    if explicit:
        return ModelPin(model_id=explicit, source="setting"), None
    if role != "judge" and settings.model_fields_set & set(MODEL_CHOICE_SETTINGS):
        return ModelPin(model_id=adapters.model_id(""), source="settings default"), None
    found = adapters.model_registry.resolve(role, context.model_label, context.author or None)
    if found is None:
        return ModelPin(model_id="" if role == "judge" else adapters.model_id(""), source="default"), None
    version, entry = found
    if entry.provider == NO_MODEL and role != "judge":
        raise RegistryError(f"{role}@{version} has no model (provider none); only the judge may have none.")
    verify_weights(role, version, entry, settings)
    return ModelPin(model_id=entry.model_id, source=f"{role}@{version}"), entry.trained_prompt


def _embedding_source(adapters: Adapters) -> str:
    """Which registered embedding version the running one is (the index was built with it)."""
    running = adapters.embedding_version.rsplit("@", 1)[0]
    for row in adapters.model_registry.list():
        if row["role"] == "embedding" and row["location"] == running:
            return f"embedding@{row['version']}"
    return "unregistered"


def _retrieval(context: Context, adapters: Adapters) -> RetrievalPin:
    version, strategy = adapters.retrieval_registry.resolve(context.retrieval_label)
    values, overrides = {}, []
    for key, field in RETRIEVAL_FIELDS.items():
        explicit = getattr(context, field)
        values[key] = getattr(strategy, key) if explicit is None else explicit
        if explicit is not None and explicit != getattr(strategy, key):
            overrides.append(f"{key}={explicit}")
    return RetrievalPin(version=version, values=values, overrides=tuple(overrides), filters=strategy.filters)
