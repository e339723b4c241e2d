"""Searches over the active Qdrant collection through langchain-qdrant."""

from __future__ import annotations

from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore, RetrievalMode
from qdrant_client import models

from postgraph.tools.errors import PostgraphError
from postgraph.tools.vector_index import DENSE_VECTOR, SPARSE_VECTOR, VectorIndex


def metadata_filter(**equals: str | None) -> models.Filter | None:
    conditions = [
        models.FieldCondition(key=f"metadata.{key}", match=models.MatchValue(value=value))
        for key, value in equals.items()
        if value is not None
    ]
    return models.Filter(must=conditions) if conditions else None


def search_chunks(
    index: VectorIndex,
    embeddings: Embeddings,
    query: str,
    *,
    k: int = 5,
    author: str | None = None,
    source: str | None = None,
    block_kind: str | None = None,
) -> list[dict[str, Any]]:
    if not query.strip():
        raise PostgraphError("The search query is empty.")
    if index.active_collection() is None:
        raise PostgraphError("The index is empty: run `postgraph ingest PATH` first.")
    store = QdrantVectorStore(
        client=index.client,
        collection_name=index.alias,
        embedding=embeddings,
        retrieval_mode=RetrievalMode.DENSE,
        vector_name=DENSE_VECTOR,
        sparse_vector_name=SPARSE_VECTOR,
        validate_collection_config=False,
    )
    found = store.similarity_search_with_score(
        query, k=k, filter=metadata_filter(author=author, source=source, block_kind=block_kind)
    )
    return [{"score": score, "text": doc.page_content, "metadata": doc.metadata} for doc, score in found]
