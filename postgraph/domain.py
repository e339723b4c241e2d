"""The records every layer shares: a request's metadata filters, the plan, an evidence chunk,
a critique issue, a claim's verdict, a citation and a request's budget usage.

They are pydantic models, so every model output is validated where it enters the graph's state,
and plain enough for the ingest, search, fact-check and post wings to use without the graph.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

BlockKindName = Literal["text", "table", "image"]
Verdict = Literal["supported", "unsupported", "contradicted", "unchecked"]
"""unchecked: neither the rules nor a model could settle it (no valid answer, budget spent);
it counts as not supported."""
SentenceKind = Literal["claim", "opinion", "call_to_action", "question", "hashtags"]
RunStatus = Literal["running", "done", "quoted", "abstained", "budget_exhausted", "no_evidence", "rejected", "failed"]
"""quoted: the post was composed from the sources' own sentences (the drafter could not write
one that passed); abstained: the request rests on premises the sources do not support, so
no post was written and the result says why."""


class RequestFilters(BaseModel):
    """Metadata filters the retrieve step applies (from the request or the caller)."""

    sources: list[str] = Field(default_factory=list, description="Only these source paths (suffix match).")
    authors: list[str] = Field(default_factory=list)
    published_from: dt.date | None = None
    published_to: dt.date | None = None
    block_kinds: list[BlockKindName] = Field(default_factory=list)


class Plan(BaseModel):
    angle: str = Field(description="The one idea the post argues, in a sentence.")
    audience: str = Field(description="Who the post is for.")
    key_points: list[str] = Field(default_factory=list, max_length=5)
    requested_facts: list[str] = Field(
        default_factory=list, description="Facts the user explicitly asked to include."
    )
    premises: list[str] = Field(
        default_factory=list, description="Facts the request takes for granted, checked against the sources."
    )
    queries: list[str] = Field(min_length=1, max_length=6, description="Retrieval queries.")
    target_words: int = Field(ge=30, le=500)
    tone: str = "clear, concrete, first person plural"


class Evidence(BaseModel):
    chunk_id: str
    document_id: str
    title: str
    source: str
    author: str | None = None
    published: str | None = None
    block_kind: BlockKindName = "text"
    text: str
    score: float = 0.0


class CritiqueIssue(BaseModel):
    """A problem the critic found and what the reviser must do about it."""

    code: str = Field(description="Short stable code, e.g. too_long, no_hook, missing_point.")
    problem: str
    instruction: str
    source: Literal["rules", "model"] = "rules"


class ClaimCheck(BaseModel):
    claim: str
    verdict: Verdict
    chunk_id: str | None = None
    score: float = 0.0
    reason: str = ""
    decided_by: str = Field(default="", description="The rule or model that decided the verdict.")
    passages: list[str] = Field(default_factory=list, description="The evidence passages the verdict rests on.")


class CorrectedRequest(BaseModel):
    """A premise of the request that a source contradicts, and the source's own words."""

    premise: str
    correction: str = Field(description="The source passage that gives the right value.")
    chunk_id: str | None = None
    source: str | None = None


class NonClaim(BaseModel):
    """A sentence of a post that states no fact, and what kind it is; reported, not checked."""

    sentence: str
    kind: SentenceKind


class Citation(BaseModel):
    claim: str
    chunk_id: str
    document_title: str
    source: str


class BudgetUsage(BaseModel):
    model_calls: int = 0
    tokens: int = 0
    seconds: float = 0.0
    exhausted: str | None = Field(default=None, description="Which limit ran out, when one did.")
