"""MongoDB records of release-gate results and of promotions to production.

`gate_results`: one record per `postgraph eval run`: the decision and problems, the metric
means and deltas, every case's scores, and the exact versions measured (`versions`, the
candidate's; `baseline_versions`), with `versions_sha256`, a hash of the candidate's versions,
so that `promote` can find a passing result for the versions it is about to put in production.
The golden set and the thresholds are recorded by hash too: a result measured on other cases or
other thresholds does not count.

`promotions`: every move of the production label that went through the gate, with the result
it relied on, or the reason it was forced.

Version keys contain dots (`prompt.draft`), which older servers refuse as field names, so
versions are stored as sorted name/value pairs, as in the run records.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from bson import ObjectId
from bson.errors import InvalidId
from pymongo import DESCENDING, MongoClient
from pymongo.collection import Collection

from postgraph.errors import PostgraphError
from postgraph.stores.documents import DocumentStore, store_errors
from postgraph.stores.runs import decode_versions, encode_versions, now

RESULTS = "gate_results"
PROMOTIONS = "promotions"


class UnknownGateResult(PostgraphError):
    code = "unknown_gate_result"


def versions_sha256(versions: Mapping[str, str]) -> str:
    return hashlib.sha256(json.dumps(dict(versions), sort_keys=True).encode()).hexdigest()


def _decode(record: dict[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    record = dict(record)
    record["id"] = str(record.pop("_id"))
    for key in ("versions", "baseline_versions"):
        if isinstance(record.get(key), list):
            record[key] = decode_versions(record[key])
    return record


class GateResultStore:
    def __init__(self, client: MongoClient, database: str) -> None:
        self.results: Collection = client[database][RESULTS]
        self.promotions: Collection = client[database][PROMOTIONS]

    @classmethod
    def of(cls, store: DocumentStore) -> GateResultStore:
        return cls(store.client, store.db.name)

    def save(self, result: Mapping[str, Any]) -> str:
        """Store one gate result; `result["versions"]` are the candidate's exact versions."""
        record = dict(result)
        record["versions_sha256"] = versions_sha256(record.get("versions") or {})
        record["versions"] = encode_versions(record.get("versions"))
        record["baseline_versions"] = encode_versions(record.get("baseline_versions"))
        record["stored_at"] = now()
        with store_errors("storing a gate result"):
            self.results.create_index([("versions_sha256", 1), ("stored_at", DESCENDING)])
            return str(self.results.insert_one(record).inserted_id)

    def get(self, result_id: str) -> dict[str, Any]:
        try:
            key = ObjectId(result_id)
        except (InvalidId, TypeError):
            raise UnknownGateResult(f"{result_id!r} is not a gate result id.") from None
        with store_errors("reading a gate result"):
            record = _decode(self.results.find_one({"_id": key}))
        if record is None:
            raise UnknownGateResult(f"No gate result with id {result_id}.")
        return record

    def latest(self, versions: Mapping[str, str], **conditions: Any) -> dict[str, Any] | None:
        """The newest result measured on exactly these versions (and matching `conditions`)."""
        with store_errors("reading gate results"):
            record = self.results.find_one({"versions_sha256": versions_sha256(versions), **conditions},
                                           sort=[("stored_at", DESCENDING)])
        return _decode(record)

    def list(self, limit: int = 20) -> list[dict[str, Any]]:
        """Newest first, without the per-case results."""
        with store_errors("listing gate results"):
            cursor = self.results.find({}, {"candidate_results": 0, "baseline_results": 0}).sort(
                "stored_at", DESCENDING).limit(max(1, limit))
            return [_decode(record) for record in cursor]  # type: ignore[misc]

    def record_promotion(self, promotion: Mapping[str, Any], versions: Mapping[str, str]) -> str:
        """One move of the production label, with the versions it put in production."""
        record = {**promotion, "versions": encode_versions(versions), "versions_sha256": versions_sha256(versions), "at": now()}
        with store_errors("recording a promotion"):
            return str(self.promotions.insert_one(record).inserted_id)

    def promotion_log(self, limit: int = 20) -> list[dict[str, Any]]:
        with store_errors("reading the promotion log"):
            cursor = self.promotions.find({}).sort("at", DESCENDING).limit(max(1, limit))
            return [_decode(record) for record in cursor]  # type: ignore[misc]
