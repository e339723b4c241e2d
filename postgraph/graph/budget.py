"""Per-request budget: model calls, tokens and seconds, checked before every model call."""

from __future__ import annotations

import time

from postgraph.domain import BudgetUsage
from postgraph.graph.context import Context
from postgraph.graph.state import State


def usage(state: State) -> BudgetUsage:
    return state.get("budget") or BudgetUsage()


def elapsed(state: State) -> float:
    started = state.get("started_at")
    return time.time() - started if started else 0.0


def exhausted(state: State, context: Context) -> str | None:
    """Which limit has run out, or None. A run that already ran out stays out."""
    spent = usage(state)
    if spent.exhausted:
        return spent.exhausted
    if spent.model_calls >= context.max_model_calls:
        return f"model calls ({spent.model_calls} of {context.max_model_calls})"
    if spent.tokens >= context.max_tokens:
        return f"tokens ({spent.tokens} of {context.max_tokens})"
    if elapsed(state) >= context.max_seconds:
        return f"seconds ({elapsed(state):.0f} of {context.max_seconds:.0f})"
    return None


def charge(state: State, *, calls: int, tokens: int) -> BudgetUsage:
    spent = usage(state)
    return spent.model_copy(update={
        "model_calls": spent.model_calls + calls,
        "tokens": spent.tokens + tokens,
        "seconds": round(elapsed(state), 3),
    })


def mark_exhausted(state: State, reason: str) -> BudgetUsage:
    return usage(state).model_copy(update={"exhausted": reason, "seconds": round(elapsed(state), 3)})
