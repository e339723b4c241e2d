"""The model step of claim checking, which fails closed.

Code settles what it can see: numbers bound to their quantity, names, dates, directions. A claim
that only closeness of meaning backs ("supported" with `decided_by == "similarity"`) is what a
judge model decides, when one is configured: yes keeps it supported, no makes it unsupported,
and an answer that does not validate, or a budget that runs out first, makes it `unchecked`,
which counts as not supported. Never the other way round.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import BaseModel

from postgraph.domain import ClaimCheck, Evidence

SETTLED_BY_SIMILARITY = "similarity"


class Entailment(BaseModel):
    entailed: bool


@dataclass
class Judged:
    checks: list[ClaimCheck]
    calls: int = 0
    tokens: int = 0
    notes: list[str] = field(default_factory=list)


Ask = Callable[[str, str], "tuple[Entailment | None, int, int, str | None]"]
"""ask(evidence text, claim) -> (the answer or None when it did not validate, calls, tokens, error)."""


def needs_judge(check: ClaimCheck) -> bool:
    return check.verdict == "supported" and check.decided_by == SETTLED_BY_SIMILARITY


def judge_claims(checks: list[ClaimCheck], evidence: list[Evidence], ask: Ask, *, judge: str,
                 calls_left: Callable[[int], bool]) -> Judged:
    """Ask `judge` about every claim only similarity backs. `calls_left(calls_so_far)` says
    whether the budget allows another call."""
    by_id = {item.chunk_id: item for item in evidence}
    result = Judged([])
    for check in checks:
        if not needs_judge(check):
            result.checks.append(check)
            continue
        if not calls_left(result.calls) or check.chunk_id not in by_id:
            why = "the budget ran out before the judge model could check it" if check.chunk_id in by_id \
                else "its passage is not in the evidence"
            result.checks.append(check.model_copy(update={
                "verdict": "unchecked", "reason": f"Unchecked: {why}.", "decided_by": judge}))
            result.notes.append(f"fact_check: {check.claim!r} left unchecked: {why}")
            continue
        answer, calls, tokens, error = ask(by_id[check.chunk_id].text, check.claim)
        result.calls += calls
        result.tokens += tokens
        if answer is None:
            result.checks.append(check.model_copy(update={
                "verdict": "unchecked", "decided_by": judge,
                "reason": f"Unchecked: the judge model's answer did not validate ({error})."}))
            result.notes.append(f"fact_check: the judge's answer for {check.claim!r} did not validate; left unchecked")
        elif answer.entailed:
            result.checks.append(check.model_copy(update={"decided_by": judge}))
        else:
            result.checks.append(check.model_copy(update={
                "verdict": "unsupported", "decided_by": judge,
                "reason": "Unsupported: the judge model found that the passage does not state it."}))
    return result
