"""The Qdrant index of chunks: one collection per embedding version, an alias naming the active one.

Points use langchain-qdrant's payload layout (`page_content`, `metadata`) and named vectors
(`dense`, `bm25`), so `QdrantVectorStore` reads the same collections for dense, sparse or
hybrid retrieval.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from langchain_qdrant.sparse_embeddings import SparseVector
from qdrant_client import QdrantClient, models
from qdrant_client.http.exceptions import ResponseHandlingException, UnexpectedResponse

from postgraph.errors import StoreUnavailable
from postgraph.search.embeddings import EmbeddingSpec
from postgraph.settings import Settings

DENSE_VECTOR = "dense"
SPARSE_VECTOR = "bm25"
PAYLOAD_INDEXES = {
    "metadata.document_id": models.PayloadSchemaType.KEYWORD,
    "metadata.source": models.PayloadSchemaType.KEYWORD,
    "metadata.file_name": models.PayloadSchemaType.KEYWORD,
    "metadata.author": models.PayloadSchemaType.KEYWORD,
    "metadata.block_kind": models.PayloadSchemaType.KEYWORD,
    "metadata.published": models.PayloadSchemaType.DATETIME,
}


@dataclass(frozen=True)
class IndexedChunk:
    chunk_id: str
    text: str
    metadata: dict[str, Any]
    dense: list[float]
    sparse: SparseVector


def point_id(chunk_id: str) -> str:
    """Stable point id, so re-indexing a chunk overwrites it instead of duplicating it."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"postgraph:{chunk_id}"))


def document_filter(document_ids: Sequence[str]) -> models.Filter:
    return models.Filter(
        must=[models.FieldCondition(key="metadata.document_id", match=models.MatchAny(any=list(document_ids)))]
    )


def make_qdrant_client(settings: Settings) -> QdrantClient:
    try:
        if settings.qdrant_url:
            return QdrantClient(url=settings.qdrant_url, api_key=settings.qdrant_api_key, timeout=10)
        settings.resolved_qdrant_path.mkdir(parents=True, exist_ok=True)
        return QdrantClient(path=str(settings.resolved_qdrant_path))
    except (RuntimeError, OSError, ResponseHandlingException) as error:
        where = settings.qdrant_url or settings.resolved_qdrant_path
        raise StoreUnavailable(f"Cannot open the Qdrant index at {where}: {error}") from error


@contextmanager
def open_index(settings: Settings) -> Iterator[VectorIndex]:
    """The configured index (a Qdrant server, or the on-disk local one), closed afterwards."""
    index = VectorIndex(make_qdrant_client(settings), settings.collection_prefix, settings.write_batch_size)
    try:
        yield index
    finally:
        index.close()


class VectorIndex:
    def __init__(self, client: QdrantClient, alias: str, batch_size: int = 200) -> None:
        self.client = client
        self.alias = alias
        self.batch_size = batch_size

    def collection_for(self, spec: EmbeddingSpec) -> str:
        return f"{self.alias}__{spec.slug}"

    def ensure_collection(self, name: str, dimensions: int) -> None:
        try:
            if self.client.collection_exists(name):
                return
            self.client.create_collection(
                name,
                vectors_config={DENSE_VECTOR: models.VectorParams(size=dimensions, distance=models.Distance.COSINE)},
                sparse_vectors_config={SPARSE_VECTOR: models.SparseVectorParams(modifier=models.Modifier.IDF)},
            )
            if not self._local:
                for field, schema in PAYLOAD_INDEXES.items():
                    self.client.create_payload_index(name, field, field_schema=schema)
        except (ResponseHandlingException, UnexpectedResponse) as error:
            raise StoreUnavailable(f"Qdrant refused to create collection {name}: {error}") from error

    @property
    def _local(self) -> bool:
        # Local mode has no payload indexes (it scans); creating them only logs warnings.
        return type(self.client._client).__name__ == "QdrantLocal"

    def drop_collection(self, name: str) -> None:
        if self.client.collection_exists(name):
            self.client.delete_collection(name)

    def collections(self) -> list[str]:
        prefix = f"{self.alias}__"
        return sorted(c.name for c in self.client.get_collections().collections if c.name.startswith(prefix))

    def active_collection(self) -> str | None:
        for alias in self.client.get_aliases().aliases:
            if alias.alias_name == self.alias:
                return alias.collection_name
        return None

    def point_alias_at(self, collection: str) -> None:
        """Move the alias in one request, so readers never see it missing."""
        actions: list[Any] = []
        if self.active_collection() is not None:
            actions.append(models.DeleteAliasOperation(delete_alias=models.DeleteAlias(alias_name=self.alias)))
        actions.append(
            models.CreateAliasOperation(
                create_alias=models.CreateAlias(collection_name=collection, alias_name=self.alias)
            )
        )
        self.client.update_collection_aliases(change_aliases_operations=actions)

    def upsert(self, collection: str, chunks: Sequence[IndexedChunk]) -> None:
        for start in range(0, len(chunks), self.batch_size):
            batch = chunks[start : start + self.batch_size]
            self.client.upsert(
                collection,
                points=[
                    models.PointStruct(
                        id=point_id(chunk.chunk_id),
                        vector={
                            DENSE_VECTOR: chunk.dense,
                            SPARSE_VECTOR: models.SparseVector(
                                indices=chunk.sparse.indices, values=chunk.sparse.values
                            ),
                        },
                        payload={"page_content": chunk.text, "metadata": chunk.metadata},
                    )
                    for chunk in batch
                ],
                wait=True,
            )

    def delete_documents(self, collection: str, document_ids: Sequence[str]) -> None:
        if document_ids and self.client.collection_exists(collection):
            self.client.delete(
                collection, points_selector=models.FilterSelector(filter=document_filter(document_ids)), wait=True
            )

    def count(self, collection: str, document_ids: Sequence[str] | None = None) -> int:
        if not self.client.collection_exists(collection):
            return 0
        query_filter = document_filter(document_ids) if document_ids is not None else None
        return self.client.count(collection, count_filter=query_filter, exact=True).count

    def document_ids(self, collection: str) -> set[str]:
        """Every document id with at least one point in `collection` (scrolls the payloads)."""
        found: set[str] = set()
        offset = None
        while True:
            points, offset = self.client.scroll(
                collection, limit=512, offset=offset, with_payload=["metadata.document_id"], with_vectors=False
            )
            found.update(p.payload["metadata"]["document_id"] for p in points)
            if offset is None:
                return found

    def close(self) -> None:
        self.client.close()
