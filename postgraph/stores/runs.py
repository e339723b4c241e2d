"""MongoDB records of graph runs, one per writer call (write, resume, replay), in the `runs`
collection of the document store's database.

A record is written `running` when the run starts, then finished with its outcome (status,
the exact versions used, per-node timings, model calls and tokens, budget, fact-check
verdicts, citations, unsupported requests, notes) or failed with the error's code and message.
Feedback is appended when it arrives. A run that dies without either stays `running`, which is
how a killed process shows up.

Version keys contain dots (`prompt.draft`, `model.drafter`), which older MongoDB servers refuse
as field names, so versions are stored as a list of name/value pairs and returned as a dict.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING, MongoClient, ReturnDocument
from pymongo.collection import Collection

from postgraph.errors import PostgraphError
from postgraph.stores.documents import DocumentStore, store_errors

COLLECTION = "runs"
RUN_STATUSES = (
    "running", "done", "quoted", "abstained", "budget_exhausted", "no_evidence", "rejected", "failed", "awaiting_approval", "error",
)
MAX_COMMENT_CHARS = 2000


class UnknownRun(PostgraphError):
    code = "unknown_run"


class BadFeedback(PostgraphError):
    code = "bad_feedback"


def now() -> dt.datetime:
    """UTC, to the millisecond (what BSON keeps)."""
    moment = dt.datetime.now(dt.UTC)
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def encode_versions(versions: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Versions as sorted name/value pairs (their keys have dots, which old servers refuse)."""
    return [{"name": str(name), "value": value} for name, value in sorted((versions or {}).items())]


def decode_versions(pairs: list[dict[str, Any]] | None) -> dict[str, Any]:
    return {item["name"]: item["value"] for item in pairs or []}


def _decode(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    record = dict(record)
    record["versions"] = decode_versions(record.get("versions"))
    return record


class RunStore:
    def __init__(self, client: MongoClient, database: str) -> None:
        self.client = client
        self.runs: Collection = client[database][COLLECTION]

    @classmethod
    def of(cls, store: DocumentStore) -> RunStore:
        """The run store on the same server and database as a document store."""
        return cls(store.client, store.db.name)

    def ensure_indexes(self) -> None:
        with store_errors("creating the run indexes"):
            self.runs.create_index("thread_id")
            self.runs.create_index([("started_at", DESCENDING)])
            self.runs.create_index("status")

    # -- lifecycle of a run -----------------------------------------------------------------
    def start(
        self,
        run_id: str,
        thread_id: str,
        request: str | None,
        context: Mapping[str, Any] | None = None,
        *,
        kind: str = "write",
        versions: Mapping[str, Any] | None = None,
        **details: Any,
    ) -> None:
        """Record a run that has begun. `context` is a summary of the run's settings (models,
        loop cap, budget limits, retrieval parameters); `details` adds e.g. the checkpoint a
        replay starts from or the decision a resume answers."""
        record = {
            "_id": run_id,
            "run_id": run_id,
            "thread_id": thread_id,
            "kind": kind,
            "status": "running",
            "request": request,
            "context": dict(context or {}),
            "versions": encode_versions(versions),
            "started_at": now(),
            "finished_at": None,
            "feedback": [],
            **details,
        }
        with store_errors("recording the start of a run"):
            self.runs.insert_one(record)

    def finish(self, run_id: str, outcome: Mapping[str, Any]) -> None:
        """Record how the run ended: `outcome` holds status, versions, timings, model_calls,
        budget, claim_checks, verdicts, citations, unsupported_requests, notes, post..."""
        values = dict(outcome)
        if "versions" in values:
            values["versions"] = encode_versions(values["versions"])
        values.setdefault("status", "done")
        self._close(run_id, values, "recording the end of a run")

    def fail(self, run_id: str, code: str, message: str, **details: Any) -> None:
        self._close(run_id, {"status": "error", "error": {"code": code, "message": message}, **details},
                    "recording a failed run")

    def _close(self, run_id: str, values: dict[str, Any], action: str) -> None:
        finished = now()
        with store_errors(action):
            started = self.runs.find_one({"_id": run_id}, {"started_at": 1})
            if started is None:
                raise UnknownRun(f"No run with id {run_id!r}.")
            began = started["started_at"]
            if began.tzinfo is None:
                began = began.replace(tzinfo=dt.UTC)
            values["finished_at"] = finished
            values["duration_s"] = round((finished - began).total_seconds(), 3)
            self.runs.update_one({"_id": run_id}, {"$set": values})

    def add_feedback(self, run_id: str, score: float, comment: str | None = None, *, source: str = "user") -> dict[str, Any]:
        """Append feedback (score 0..1, optional comment) to a run; returns the updated record."""
        try:
            score = float(score)
        except (TypeError, ValueError) as error:
            raise BadFeedback(f"The score must be a number between 0 and 1, not {score!r}.") from error
        if not 0.0 <= score <= 1.0:
            raise BadFeedback(f"The score must be between 0 and 1, not {score}.")
        if comment is not None and len(comment) > MAX_COMMENT_CHARS:
            raise BadFeedback(f"The comment has {len(comment)} characters; the limit is {MAX_COMMENT_CHARS}.")
        entry = {"score": score, "comment": comment, "source": source, "at": now()}
        with store_errors("recording feedback"):
            record = self.runs.find_one_and_update(
                {"_id": run_id}, {"$push": {"feedback": entry}}, return_document=ReturnDocument.AFTER
            )
        if record is None:
            raise UnknownRun(f"No run with id {run_id!r}.")
        return _decode(record)  # type: ignore[return-value]

    # -- reading ----------------------------------------------------------------------------
    def get(self, run_id: str) -> dict[str, Any] | None:
        with store_errors("reading a run"):
            return _decode(self.runs.find_one({"_id": run_id}))

    def require(self, run_id: str) -> dict[str, Any]:
        record = self.get(run_id)
        if record is None:
            raise UnknownRun(f"No run with id {run_id!r}.")
        return record

    def list(self, limit: int = 20, status: str | None = None, thread_id: str | None = None) -> list[dict[str, Any]]:
        """Newest first."""
        query: dict[str, Any] = {}
        if status:
            query["status"] = status
        if thread_id:
            query["thread_id"] = thread_id
        with store_errors("listing runs"):
            cursor = self.runs.find(query).sort([("started_at", DESCENDING), ("_id", ASCENDING)]).limit(max(1, limit))
            return [_decode(record) for record in cursor]  # type: ignore[misc]

    def count(self, **query: Any) -> int:
        with store_errors("counting runs"):
            return self.runs.count_documents(query)
