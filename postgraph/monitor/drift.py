"""Drift of what people ask, in vectors: how close each request is to the corpus (the mean cosine
similarity to its nearest chunks in the index), and how far the mean request moved from one
bucket to the next (the cosine distance between the buckets' centroids).

A request far from every chunk is one the sources cannot answer well; a centroid that moves is
a change of topic mix that the golden set, written for the old mix, may no longer represent.
"""

from __future__ import annotations

import statistics
from collections.abc import Mapping, Sequence

import numpy as np

from postgraph.search.index import DENSE_VECTOR, VectorIndex

Vector = Sequence[float]


def cosine_similarity(a: Vector, b: Vector) -> float:
    """Cosine of the angle between two vectors; 0 when either is all zeros."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    norms = float(np.linalg.norm(x) * np.linalg.norm(y))
    return float(x @ y) / norms if norms else 0.0


def centroid(vectors: Sequence[Vector]) -> list[float]:
    return np.asarray(vectors, dtype=np.float64).mean(axis=0).tolist()


def centroid_shifts(vectors_by_bucket: Mapping[str, Sequence[Vector]], min_vectors: int = 1) -> dict[str, float]:
    """Bucket -> cosine distance (1 - cosine similarity) between its centroid and the previous
    bucket's, buckets taken in their given order. Buckets with fewer than `min_vectors`
    vectors are left out on both sides (a centroid of two requests is noise); the first bucket
    kept has no shift."""
    shifts: dict[str, float] = {}
    previous: list[float] | None = None
    for bucket, vectors in vectors_by_bucket.items():
        if len(vectors) < max(1, min_vectors):
            continue
        current = centroid(vectors)
        if previous is not None:
            shifts[bucket] = 1.0 - cosine_similarity(previous, current)
        previous = current
    return shifts


def mean_neighbour_similarity(similarities: Sequence[float]) -> float | None:
    """One request's closeness to the corpus: the mean similarity of its nearest chunks."""
    return statistics.fmean(similarities) if similarities else None


def nearest_chunk_similarities(index: VectorIndex, vectors: Sequence[Vector], neighbours: int) -> list[list[float]]:
    """For each vector, the cosine similarities of its `neighbours` nearest chunks in the
    collection the index alias names (the collection's distance is cosine)."""
    return [[point.score for point in index.client.query_points(
                index.alias, query=list(vector), using=DENSE_VECTOR, limit=neighbours, with_payload=False).points]
            for vector in vectors]
