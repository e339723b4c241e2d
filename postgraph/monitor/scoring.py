"""A recorded run's post, scored by the gate's own metrics (`quality.metrics.score_metric`).

Production has no golden case, so only the metrics that need none are scored: format; length
when the request names a word count (read as the plan step reads it); grounding from the
claim checks the run recorded; originality against the whole stored documents the run's
claims (and, when recorded, its evidence) came from; relevance of the post to the request.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.verdicts import Embed
from postgraph.post.request import WORDS, read_request
from postgraph.quality.metrics import Expectations, PostRun, Score, score_metric
from postgraph.stores.documents import DocumentStore

MONITOR_METRICS = ("format", "length", "grounding", "originality", "relevance")


def requested_words(request: str) -> int | None:
    """The length the request names, read as the plan step reads it; None when it names none."""
    # read_request's default length applies only to a request that names none.
    return read_request(request, default_words=0)["target_words"] if WORDS.search(request) else None


def cited_chunk_ids(records: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every chunk the runs' claim checks and recorded evidence point at."""
    found = set()
    for record in records:
        for item in [*(record.get("claim_checks") or []), *(record.get("evidence") or [])]:
            if item.get("chunk_id"):
                found.add(item["chunk_id"])
    return found


@dataclass
class SourceDocuments:
    """The stored documents a sample of runs drew on, whole: document id -> its chunks in order."""

    chunks: Mapping[str, Sequence[Evidence]]
    document_of: dict[str, str] = field(init=False)

    def __post_init__(self) -> None:
        self.document_of = {chunk.chunk_id: document_id for document_id, chunks in self.chunks.items()
                            for chunk in chunks}

    @classmethod
    def load(cls, store: DocumentStore, chunk_ids: Iterable[str]) -> SourceDocuments:
        """The documents the chunks belong to (chunks no longer stored are skipped)."""
        document_ids = {chunk["document_id"] for chunk_id in chunk_ids if (chunk := store.get_chunk(chunk_id))}
        documents = {document_id: store.get_document(document_id) or {} for document_id in document_ids}
        found: dict[str, list[Evidence]] = {}
        for chunk in store.chunks_of(sorted(document_ids)):
            document = documents[chunk["document_id"]]
            found.setdefault(chunk["document_id"], []).append(Evidence(
                chunk_id=chunk["_id"], document_id=chunk["document_id"], title=document.get("title") or "",
                source=document.get("source") or "", block_kind=chunk.get("kind", "text"), text=chunk["text"]))
        return cls(found)

    def of_run(self, record: Mapping[str, Any]) -> list[Evidence]:
        """Every chunk of the documents one run drew on."""
        ids = {self.document_of[chunk_id] for chunk_id in cited_chunk_ids([record]) if chunk_id in self.document_of}
        return [chunk for document_id in sorted(ids) for chunk in self.chunks[document_id]]


def score_run(record: Mapping[str, Any], documents: Sequence[Evidence], embed: Embed) -> dict[str, Score]:
    """The monitor's metrics of one run's post (length only when the request names a length)."""
    post = record.get("post") or ""
    checks = [ClaimCheck(claim=c.get("claim") or "", verdict=c["verdict"], chunk_id=c.get("chunk_id"))
              for c in record.get("claim_checks") or []]
    request = record.get("request") or ""
    target = requested_words(request)
    expected = Expectations(target_words=target or 0, request=request)  # the target is read by length alone
    run = PostRun(post=post, status=record.get("status") or "")
    return {name: score_metric(name, run, expected, checks, documents, (), embed)
            for name in MONITOR_METRICS if name != "length" or target is not None}
