"""Typed request and response bodies of the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field


class ErrorBody(BaseModel):
    code: str
    message: str


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    store: str
    index_collection: str | None
    embedding_version: str


class FileResult(BaseModel):
    path: str
    status: str
    document_id: str | None = None
    title: str | None = None
    version: int | None = None
    blocks: dict[str, int] = Field(default_factory=dict)
    chunks: int = 0
    superseded: list[str] = Field(default_factory=list)
    error_code: str | None = None
    error: str | None = None


class IngestResponse(BaseModel):
    files: list[FileResult]
    totals: dict[str, Any]
    stage_seconds: dict[str, float]
    seconds: float
    collection: str | None
    embedding_version: str | None
    aborted: str | None


class DocumentSummary(BaseModel):
    id: str
    title: str
    author: str | None
    published: dt.datetime | None
    format: str
    source: str
    version: int
    status: str
    block_kinds: dict[str, int]
    chunk_count: int
    ingested_at: dt.datetime | None = None

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> DocumentSummary:
        return cls(id=record["_id"], **{k: record.get(k) for k in cls.model_fields if k != "id"})


class BlockOut(BaseModel):
    id: str
    order: int
    kind: str
    text: str
    section: str | None = None
    rows: list[list[str]] | None = None
    image: dict[str, Any] | None = None
    ocr_text: str | None = None


class DocumentDetail(DocumentSummary):
    blocks: list[BlockOut]


class SearchHit(BaseModel):
    score: float
    text: str
    metadata: dict[str, Any]


class FeedbackIn(BaseModel):
    score: float = Field(ge=0.0, le=1.0, description="How good the run's post was, 0 to 1.")
    comment: str | None = Field(default=None, max_length=2000)


class FeedbackOut(BaseModel):
    run_id: str
    score: float
    comment: str | None
    feedback_count: int
    langfuse: str = Field(description="queued (sent as a score by the SDK in the background) or not configured")
