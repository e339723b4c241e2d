"""Searches over the active Qdrant collection: plain dense search through langchain-qdrant,
and the hybrid, filtered, diversified search the retrieve step uses."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings
from langchain_qdrant import QdrantVectorStore, RetrievalMode
from langchain_qdrant.sparse_embeddings import SparseEmbeddings
from qdrant_client import models

from postgraph.domain import Evidence, RequestFilters
from postgraph.errors import PostgraphError
from postgraph.search.index import DENSE_VECTOR, SPARSE_VECTOR, VectorIndex


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


def evidence_filter(filters: RequestFilters | None) -> models.Filter | None:
    """Qdrant filter from the request's metadata filters (sources match by path or file name)."""
    if filters is None:
        return None
    must: list[models.Condition] = []
    if filters.sources:
        names = [Path(s).name for s in filters.sources]
        must.append(models.Filter(should=[
            models.FieldCondition(key="metadata.source", match=models.MatchAny(any=list(filters.sources))),
            models.FieldCondition(key="metadata.file_name", match=models.MatchAny(any=names)),
        ]))
    if filters.authors:
        must.append(models.FieldCondition(key="metadata.author", match=models.MatchAny(any=list(filters.authors))))
    if filters.block_kinds:
        must.append(models.FieldCondition(key="metadata.block_kind", match=models.MatchAny(any=list(filters.block_kinds))))
    if filters.published_from or filters.published_to:
        must.append(models.FieldCondition(key="metadata.published", range=models.DatetimeRange(
            gte=filters.published_from.isoformat() if filters.published_from else None,
            lte=filters.published_to.isoformat() if filters.published_to else None,
        )))
    return models.Filter(must=must) if must else None


def hybrid_search(
    index: VectorIndex,
    embeddings: Embeddings,
    sparse: SparseEmbeddings,
    queries: list[str],
    *,
    filters: RequestFilters | None = None,
    k: int = 6,
    candidates: int = 16,
    hybrid: bool = True,
    mmr_lambda: float = 0.7,
    relevance_floor: float = 0.0,
) -> list[Evidence]:
    """Dense (+ BM25 sparse, fused by reciprocal rank) search per query, merged across
    queries, deduplicated by chunk, then diversified with MMR over the dense vectors."""
    queries = [q for q in dict.fromkeys(q.strip() for q in queries) if q]
    if not queries:
        raise PostgraphError("No retrieval query to run.")
    if index.active_collection() is None:
        raise PostgraphError("The index is empty: run `postgraph ingest PATH` first.")
    query_filter = evidence_filter(filters)
    dense_queries = embeddings.embed_documents(queries)
    best: dict[str, tuple[float, models.ScoredPoint]] = {}
    for text, vector in zip(queries, dense_queries, strict=True):
        if hybrid:
            sparse_query = sparse.embed_query(text)
            response = index.client.query_points(
                index.alias,
                prefetch=[
                    models.Prefetch(query=vector, using=DENSE_VECTOR, limit=candidates, filter=query_filter),
                    models.Prefetch(
                        query=models.SparseVector(indices=sparse_query.indices, values=sparse_query.values),
                        using=SPARSE_VECTOR, limit=candidates, filter=query_filter,
                    ),
                ],
                query=models.FusionQuery(fusion=models.Fusion.RRF),
                limit=candidates, with_payload=True, with_vectors=[DENSE_VECTOR],
            )
        else:
            response = index.client.query_points(
                index.alias, query=vector, using=DENSE_VECTOR, query_filter=query_filter,
                limit=candidates, with_payload=True, with_vectors=[DENSE_VECTOR],
            )
        for point in response.points:
            chunk_id = point.payload["metadata"]["chunk_id"]
            if chunk_id not in best or point.score > best[chunk_id][0]:
                best[chunk_id] = (point.score, point)
    ranked = sorted(best.values(), key=lambda item: item[0], reverse=True)
    chosen = mmr([p for _, p in ranked], [s for s, _ in ranked], np.array(dense_queries).mean(axis=0), k, mmr_lambda,
                 relevance_floor)
    return [_evidence(point, score) for point, score in chosen]


def mmr(points: list[models.ScoredPoint], scores: list[float], query: np.ndarray, k: int, lam: float,
        relevance_floor: float = 0.0):
    """Maximal marginal relevance: each pick trades relevance to the query against
    similarity to what was already picked. Candidates whose cosine to the query is below
    `relevance_floor` x the best one's are dropped first: a newsletter corpus on one field
    scores everything a little relevant, and a post is better with fewer, closer sources."""
    if not points:
        return []
    vectors = np.array([p.vector[DENSE_VECTOR] for p in points], dtype=np.float32)
    vectors /= np.clip(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12, None)
    q = query / max(float(np.linalg.norm(query)), 1e-12)
    relevance = vectors @ q
    keep = [i for i in range(len(points)) if relevance[i] >= relevance_floor * float(relevance.max())]
    points, scores = [points[i] for i in keep], [scores[i] for i in keep]
    vectors, relevance = vectors[keep], relevance[keep]
    picked: list[int] = []
    while len(picked) < min(k, len(points)):
        best_index, best_value = -1, -np.inf
        for i in range(len(points)):
            if i in picked:
                continue
            redundancy = max((float(vectors[i] @ vectors[j]) for j in picked), default=0.0)
            value = lam * float(relevance[i]) - (1 - lam) * redundancy
            if value > best_value:
                best_index, best_value = i, value
        picked.append(best_index)
    return [(points[i], scores[i]) for i in picked]


def _evidence(point: models.ScoredPoint, score: float) -> Evidence:
    meta = point.payload["metadata"]
    return Evidence(
        chunk_id=meta["chunk_id"], document_id=meta["document_id"], title=meta["title"],
        source=meta["source"], author=meta.get("author"), published=meta.get("published"),
        block_kind=meta.get("block_kind", "text"), text=point.payload["page_content"], score=float(score),
    )
