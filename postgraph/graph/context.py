"""Runtime context: the typed, per-run settings of the writing graph.

Studio shows these fields as the assistant's configuration; the CLI and API build it from
settings with `context_from_settings`. Defaults and descriptions come from `Settings`, so
every loop limit and budget has one home and nothing is hard-coded in a node.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from postgraph.settings import Settings


def _setting(name: str) -> Any:
    spec = Settings.model_fields[name]
    return field(default=spec.default, metadata={"description": spec.description})


@dataclass(kw_only=True)
class Context:
    planner_model: str = _setting("planner_model")
    drafter_model: str = _setting("drafter_model")
    critic_model: str = _setting("critic_model")
    reviser_model: str = _setting("reviser_model")
    judge_model: str = _setting("judge_model")
    max_revisions: int = _setting("max_revisions")
    max_model_calls: int = _setting("max_model_calls")
    max_tokens: int = _setting("max_tokens")
    max_seconds: float = _setting("max_seconds")
    retrieval_k: int = _setting("retrieval_k")
    retrieval_candidates: int = _setting("retrieval_candidates")
    hybrid: bool = _setting("hybrid")
    mmr_lambda: float = _setting("mmr_lambda")
    relevance_floor: float = _setting("relevance_floor")
    default_words: int = _setting("default_words")
    draft_max_tokens: int = _setting("draft_max_tokens")
    temperature: float = _setting("temperature")
    model_critique: bool = _setting("model_critique")
    require_approval: bool = _setting("require_approval")
    resources: Any = field(
        default=None,
        metadata={"description": "In-process only: adapters injected by the caller; built from settings when empty."},
    )


def context_from_settings(settings: Settings, **overrides: Any) -> Context:
    values = {f.name: getattr(settings, f.name) for f in fields(Context) if f.name != "resources"}
    values.update({k: v for k, v in overrides.items() if v is not None})
    return Context(**values)
