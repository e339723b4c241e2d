"""MongoDB store of documents, their blocks and chunks, and the history of the index alias.

A document is written as `pending`, then its blocks and chunks, and only becomes `indexed`
once its vectors are in Qdrant. Readers treat anything but `indexed` as incomplete, so a crash
never leaves a document that looks finished. Writes go in batches of `batch_size`: the local
server slows down sharply on larger single calls.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, Literal

from pymongo import ASCENDING, DESCENDING, MongoClient
from pymongo.database import Database
from pymongo.errors import ConnectionFailure

from postgraph.errors import StoreUnavailable

DocumentStatus = Literal["pending", "indexed", "superseded"]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(microsecond=0)


@contextmanager
def store_errors(action: str) -> Iterator[None]:
    """Turn a lost connection into one clear error; other server errors keep their type."""
    try:
        yield
    except ConnectionFailure as error:
        # pymongo appends the whole topology description; the first part says what failed.
        reason = str(error).split(", Timeout:")[0]
        raise StoreUnavailable(f"The document store is unreachable while {action}: {reason}") from error


class DocumentStore:
    def __init__(self, client: MongoClient, database: str, batch_size: int = 100) -> None:
        self.client = client
        self.db: Database = client[database]
        self.batch_size = batch_size
        self.documents = self.db["documents"]
        self.blocks = self.db["blocks"]
        self.chunks = self.db["chunks"]
        self.alias_history = self.db["index_alias_history"]

    # -- lifecycle ----------------------------------------------------------------------
    def ping(self) -> None:
        with store_errors("checking the connection"):
            self.client.admin.command("ping")

    def ensure_indexes(self) -> None:
        with store_errors("creating indexes"):
            self.documents.create_index("content_hash", unique=True)
            self.documents.create_index([("source", ASCENDING), ("version", ASCENDING)], unique=True)
            self.documents.create_index("status")
            # Block and chunk ids are "<document>:b<order>", so _id already makes (document, order)
            # unique; a compound unique index triples insert time on the local server.
            self.blocks.create_index("document_id")
            self.chunks.create_index("document_id")
            self.alias_history.create_index([("alias", ASCENDING), ("switched_at", DESCENDING)])

    def close(self) -> None:
        self.client.close()

    # -- documents ----------------------------------------------------------------------
    def get_document(self, document_id: str) -> dict[str, Any] | None:
        with store_errors("reading a document"):
            return self.documents.find_one({"_id": document_id})

    def next_version(self, source: str) -> int:
        with store_errors("reading versions"):
            latest = self.documents.find_one({"source": source}, sort=[("version", DESCENDING)])
        return (latest["version"] + 1) if latest else 1

    def insert_pending(self, document: dict[str, Any]) -> None:
        with store_errors("writing a document"):
            self.documents.insert_one({**document, "status": "pending", "ingested_at": utcnow()})

    def write_parts(self, blocks: Sequence[dict[str, Any]], chunks: Sequence[dict[str, Any]]) -> None:
        with store_errors("writing blocks and chunks"):
            for collection, items in ((self.blocks, blocks), (self.chunks, chunks)):
                for start in range(0, len(items), self.batch_size):
                    collection.insert_many(items[start : start + self.batch_size], ordered=True)

    def mark_indexed(self, document_id: str, collection: str, embedding_version: str) -> None:
        with store_errors("marking a document indexed"):
            self.documents.update_one(
                {"_id": document_id},
                {
                    "$set": {"status": "indexed", "indexed_at": utcnow(), "embedding_version": embedding_version},
                    "$addToSet": {"indexed_in": collection},
                },
            )

    def add_indexed_in(self, document_ids: Sequence[str], collection: str) -> None:
        with store_errors("recording where documents are indexed"):
            self.documents.update_many({"_id": {"$in": list(document_ids)}}, {"$addToSet": {"indexed_in": collection}})

    def older_active_versions(self, source: str, keep_id: str) -> list[dict[str, Any]]:
        with store_errors("reading older versions"):
            return list(
                self.documents.find({"source": source, "_id": {"$ne": keep_id}, "status": "indexed"})
            )

    def mark_superseded(self, document_ids: Sequence[str], by: str) -> None:
        with store_errors("superseding old versions"):
            self.documents.update_many(
                {"_id": {"$in": list(document_ids)}},
                {"$set": {"status": "superseded", "superseded_by": by, "superseded_at": utcnow(), "indexed_in": []}},
            )

    def pending_documents(self, source: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"status": "pending"}
        if source is not None:
            query["source"] = source
        with store_errors("reading pending documents"):
            return list(self.documents.find(query))

    def delete_document(self, document_id: str) -> None:
        """Remove a document and its parts: chunks first, the document last, so an interrupted
        delete still leaves a pending document to finish later."""
        with store_errors("deleting a document"):
            self.chunks.delete_many({"document_id": document_id})
            self.blocks.delete_many({"document_id": document_id})
            self.documents.delete_one({"_id": document_id})

    def list_documents(self, status: DocumentStatus | None = None) -> list[dict[str, Any]]:
        query = {"status": status} if status else {}
        with store_errors("listing documents"):
            return list(self.documents.find(query).sort([("source", ASCENDING), ("version", ASCENDING)]))

    def count_documents(self, **query: Any) -> int:
        with store_errors("counting documents"):
            return self.documents.count_documents(query)

    # -- parts --------------------------------------------------------------------------
    def blocks_of(self, document_id: str) -> list[dict[str, Any]]:
        with store_errors("reading blocks"):
            return list(self.blocks.find({"document_id": document_id}).sort("order", ASCENDING))

    def chunks_of(self, document_ids: Sequence[str]) -> list[dict[str, Any]]:
        with store_errors("reading chunks"):
            return list(
                self.chunks.find({"document_id": {"$in": list(document_ids)}}).sort(
                    [("document_id", ASCENDING), ("order", ASCENDING)]
                )
            )

    def get_chunk(self, chunk_id: str) -> dict[str, Any] | None:
        with store_errors("reading a chunk"):
            return self.chunks.find_one({"_id": chunk_id})

    def count_parts(self, collection: Literal["blocks", "chunks"], **query: Any) -> int:
        with store_errors(f"counting {collection}"):
            return self.db[collection].count_documents(query)

    def block_kind_counts(self, document_ids: Sequence[str] | None = None) -> dict[str, int]:
        match = {"document_id": {"$in": list(document_ids)}} if document_ids is not None else {}
        with store_errors("counting block kinds"):
            rows = self.blocks.aggregate([{"$match": match}, {"$group": {"_id": "$kind", "n": {"$sum": 1}}}])
            return {row["_id"]: row["n"] for row in rows}

    # -- index alias history --------------------------------------------------------------
    def record_alias(self, alias: str, collection: str, embedding_version: str, reason: str) -> None:
        with store_errors("recording the index alias"):
            self.alias_history.insert_one(
                {"alias": alias, "collection": collection, "embedding_version": embedding_version,
                 "reason": reason, "switched_at": utcnow()}
            )

    def alias_history_of(self, alias: str) -> list[dict[str, Any]]:
        with store_errors("reading the index alias history"):
            return list(self.alias_history.find({"alias": alias}).sort([("switched_at", DESCENDING), ("_id", DESCENDING)]))


def make_document_store(uri: str, database: str, timeout_ms: int, batch_size: int) -> DocumentStore:
    """Connect lazily (pymongo connects on first use) and fail fast when the server is gone."""
    client: MongoClient = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms, tz_aware=True
    )
    return DocumentStore(client, database, batch_size)


