"""Runtime context: the typed, per-run settings of the writing graph.

Studio shows these fields as the assistant's configuration; the CLI and API build it from
settings with `context_from_settings`. Defaults and descriptions come from `Settings`, so
every loop limit and budget has one home and nothing is hard-coded in a node.

What the registries decide is left empty here and filled per run, in this order:
an explicit value (given by the caller, or a setting that was set) wins; else the registry's
version under the run's label; else the built-in default. So an empty model id means "the
model registry's model for this role", an unset retrieval parameter "the retrieval strategy's
value", an unset draft_max_tokens / temperature "the prompt version's parameter". The
registries are read once, when a thread starts (`graph/pins.py`), and the run kit
(`graph/kit.py`) carries the result; the context itself is configuration and is never changed
by a run.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from postgraph.settings import Settings

# Fields that, when unset, take the registry's value; settings copy into them only when set.
REGISTRY_BACKED = (
    "retrieval_k", "retrieval_candidates", "hybrid", "mmr_lambda", "relevance_floor",
    "draft_max_tokens", "temperature",
)
IN_PROCESS = ("kit",)


def _setting(name: str) -> Any:
    spec = Settings.model_fields[name]
    return field(default=spec.default, metadata={"description": spec.description})


def _from_registry(name: str, where: str) -> Any:
    spec = Settings.model_fields[name]
    return field(default=None, metadata={"description": f"{spec.description} Empty = {where}."})


@dataclass(kw_only=True)
class Context:
    planner_model: str = _setting("planner_model")
    drafter_model: str = _setting("drafter_model")
    critic_model: str = _setting("critic_model")
    reviser_model: str = _setting("reviser_model")
    judge_model: str = _setting("judge_model")
    prompt_label: str = _setting("prompt_label")
    model_label: str = _setting("model_label")
    retrieval_label: str = _setting("retrieval_label")
    author: str = _setting("author")
    max_revisions: int = _setting("max_revisions")
    max_model_calls: int = _setting("max_model_calls")
    max_tokens: int = _setting("max_tokens")
    max_seconds: float = _setting("max_seconds")
    retrieval_k: int | None = _from_registry("retrieval_k", "the retrieval strategy's")
    retrieval_candidates: int | None = _from_registry("retrieval_candidates", "the retrieval strategy's")
    hybrid: bool | None = _from_registry("hybrid", "the retrieval strategy's")
    mmr_lambda: float | None = _from_registry("mmr_lambda", "the retrieval strategy's")
    relevance_floor: float | None = _from_registry("relevance_floor", "the retrieval strategy's")
    default_words: int = _setting("default_words")
    draft_max_tokens: int | None = _from_registry("draft_max_tokens", "the prompt version's max_tokens")
    temperature: float | None = _from_registry("temperature", "the prompt version's temperature")
    model_critique: bool = _setting("model_critique")
    require_approval: bool = _setting("require_approval")
    kit: Any = field(
        default=None,
        metadata={"description": "In-process only: the run kit the writer built (graph/kit.py); "
                  "runs without one build it from the thread's pinned versions."},
    )


def context_from_settings(settings: Settings, **overrides: Any) -> Context:
    values = {
        f.name: getattr(settings, f.name)
        for f in fields(Context)
        if f.name not in IN_PROCESS and (f.name not in REGISTRY_BACKED or f.name in settings.model_fields_set)
    }
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Context(**values)
