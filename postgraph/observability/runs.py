"""What a run record says about one run, gathered from the graph's stream of node updates.

`RunTally` follows the `updates` stream: per-node wall time (this run only; the state's
`timings` add up over the whole thread), and per step the model calls and tokens the node
charged to the budget (the difference of the cumulative budget before and after it).
`context_summary` and `outcome_record` turn a run's context and result into plain data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import fields, is_dataclass
from typing import Any

NODE_ROLES: dict[str, tuple[str, str]] = {
    "plan": ("planner", "plan"),
    "draft": ("drafter", "draft"),
    "critique": ("critic", "critique"),
    "revise": ("reviser", "revise"),
    "fact_check": ("judge", "entailment"),
}
"""Graph node -> (model role, prompt name) of the model calls it makes."""

_SCALARS = (str, int, float, bool, type(None))


def _field(value: Any, name: str, default: Any = 0) -> Any:
    if value is None:
        return default
    if isinstance(value, Mapping):
        return value.get(name, default)
    return getattr(value, name, default)


class RunTally:
    def __init__(self, budget_before: Any = None, versions: Mapping[str, str] | None = None) -> None:
        self.versions = dict(versions or {})
        self.timings: dict[str, float] = {}
        self.steps: list[dict[str, Any]] = []
        self._calls = int(_field(budget_before, "model_calls"))
        self._tokens = int(_field(budget_before, "tokens"))
        self.model_calls = 0
        self.tokens = 0

    def update(self, node: str, update: Mapping[str, Any] | None) -> None:
        if node.startswith("__"):
            return
        update = update or {}
        seconds = float(sum((update.get("timings") or {}).values()))
        calls = tokens = 0
        budget = update.get("budget")
        if budget is not None:
            total_calls, total_tokens = int(_field(budget, "model_calls")), int(_field(budget, "tokens"))
            reset = total_calls < self._calls or total_tokens < self._tokens  # a budget started afresh
            calls = total_calls if reset else total_calls - self._calls
            tokens = total_tokens if reset else total_tokens - self._tokens
            self._calls, self._tokens = total_calls, total_tokens
        self.timings[node] = round(self.timings.get(node, 0.0) + seconds, 4)
        self.model_calls += calls
        self.tokens += tokens
        step: dict[str, Any] = {"node": node, "seconds": round(seconds, 4), "model_calls": calls, "tokens": tokens}
        if calls and node in NODE_ROLES:
            step["model"] = self.versions.get(f"model.{NODE_ROLES[node][0]}")
        self.steps.append(step)


def context_summary(context: Any) -> dict[str, Any]:
    """The run's settings (models, loop cap, budget limits, retrieval parameters), without the
    run kit."""
    if not is_dataclass(context):
        return {}
    return {f.name: getattr(context, f.name) for f in fields(context)
            if f.name != "kit" and isinstance(getattr(context, f.name), _SCALARS)}


def outcome_record(result: Mapping[str, Any], tally: RunTally, versions: Mapping[str, str] | None,
                   next_nodes: list[str] | None = None, evidence: Sequence[Any] = ()) -> dict[str, Any]:
    """The `finish` payload of a run from `RunOutcome.as_dict()` and its tally; `evidence` (the
    retrieved chunks, which the outcome does not carry) is kept as chunk id and score, for the
    monitor's retrieval-score drift."""
    checks = [
        {"claim": c.get("claim"), "verdict": c.get("verdict"), "chunk_id": c.get("chunk_id")}
        for c in result.get("claim_checks") or []
    ]
    return {
        "status": result.get("status") or "done",
        "versions": dict(result.get("versions") or versions or {}),
        "timings": tally.timings,
        "steps": tally.steps,
        "model_calls": tally.model_calls,
        "tokens": tally.tokens,
        "budget": result.get("budget"),
        "claim_checks": checks,
        "verdicts": dict(Counter(c["verdict"] for c in checks)),
        "citations": len(result.get("citations") or []),
        "unsupported_requests": list(result.get("unsupported_requests") or []),
        "corrected_requests": [_field(c, "premise", "") for c in result.get("corrected_requests") or []],
        "message": result.get("message") or "",
        "unverified_claims": list(result.get("unverified_claims") or []),
        "notes": list(result.get("notes") or []),
        "post": (result.get("awaiting_approval") or {}).get("post") if result.get("awaiting_approval") else result.get("post"),
        "next": list(next_nodes or []),
        "evidence": [{"chunk_id": _field(item, "chunk_id", None), "score": round(float(_field(item, "score")), 4)}
                     for item in evidence],
    }


def supported_share(record: Mapping[str, Any]) -> float | None:
    """Share of checked claims that the sources support (None when nothing was checked)."""
    verdicts = record.get("verdicts") or {}
    total = sum(verdicts.values())
    return round(verdicts.get("supported", 0) / total, 4) if total else None
