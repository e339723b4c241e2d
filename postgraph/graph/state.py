"""State of the writing graph, with narrow input and output schemas.

The structured pieces (plan, evidence, critique issues, claim verdicts, citations) are the
shared records of `postgraph.domain`.
"""

from __future__ import annotations

import operator
from typing import Annotated

from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer
from typing_extensions import TypedDict

from postgraph.domain import (
    BudgetUsage,
    Citation,
    ClaimCheck,
    CorrectedRequest,
    CritiqueIssue,
    Evidence,
    NonClaim,
    Plan,
    RequestFilters,
    RunStatus,
)
from postgraph.graph.pins import ModelPin, Pins, RetrievalPin


def merge_timings(left: dict[str, float], right: dict[str, float]) -> dict[str, float]:
    """Node timings add up over loops: a node that runs twice reports its total."""
    merged = dict(left)
    for node, seconds in right.items():
        merged[node] = merged.get(node, 0.0) + seconds
    return merged


class InputState(TypedDict, total=False):
    request: str
    filters: RequestFilters | None
    pins: Pins
    """The versions the thread runs with (graph/pins.py): given by the writer, or written by
    the first node; resume, approval and replay keep them."""


class OutputState(TypedDict, total=False):
    status: RunStatus
    post: str
    citations: list[Citation]
    unsupported_requests: list[str]
    corrected_requests: list[CorrectedRequest]
    message: str
    """What the writer tells the user besides the post: why it abstained and what the sources cover."""
    claim_checks: list[ClaimCheck]
    not_claims: list[NonClaim]
    unverified_claims: list[str]
    """Claims of a reviewer's edit that the sources do not support, kept on the reviewer's word."""
    versions: dict[str, str]
    budget: BudgetUsage
    timings: Annotated[dict[str, float], merge_timings]
    notes: Annotated[list[str], operator.add]


class State(InputState, OutputState, total=False):
    plan: Plan
    evidence: list[Evidence]
    draft: str
    critique: list[CritiqueIssue]
    revisions: int
    best_post: str
    started_at: float
    focus: str
    """The source the post is about (retrieve chose it); "" for a roundup or comparison."""


# The pydantic models the state holds; checkpoints may contain only these besides builtins.
# Checkpoints written before the shared records moved to postgraph.domain name them under
# this module, which still imports them: both names are allowed, so old threads resume.
RECORDS = (RequestFilters, Plan, Evidence, CritiqueIssue, ClaimCheck, Citation, BudgetUsage, NonClaim, CorrectedRequest)
CHECKPOINT_TYPES = (
    *((cls.__module__, cls.__name__) for cls in (*RECORDS, Pins, ModelPin, RetrievalPin)),
    *((__name__, cls.__name__) for cls in RECORDS),
)


def checkpoint_serde() -> JsonPlusSerializer:
    """Checkpoint serializer that restores the state's own models and refuses other types."""
    return JsonPlusSerializer(allowed_msgpack_modules=CHECKPOINT_TYPES)
