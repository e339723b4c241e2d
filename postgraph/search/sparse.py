"""BM25-style sparse vectors for the keyword half of hybrid retrieval.

Documents carry saturated term frequencies with length normalisation; Qdrant's IDF modifier
supplies the inverse document frequency at query time, so the index stays correct as the
corpus grows. Terms are hashed to stable 31-bit ids, so no vocabulary needs storing.
"""

from __future__ import annotations

import hashlib
from collections import Counter

from langchain_qdrant.sparse_embeddings import SparseEmbeddings, SparseVector

from postgraph.text import terms


def term_id(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=4).digest(), "big") & 0x7FFFFFFF


class BM25SparseEmbeddings(SparseEmbeddings):
    def __init__(self, k1: float = 1.2, b: float = 0.75, average_length: float = 120.0) -> None:
        self.k1, self.b, self.average_length = k1, b, average_length

    def _document_vector(self, text: str) -> SparseVector:
        words = terms(text)
        counts = Counter(words)
        norm = self.k1 * (1 - self.b + self.b * len(words) / self.average_length)
        weights: dict[int, float] = {}
        for term, tf in counts.items():
            index = term_id(term)
            weights[index] = weights.get(index, 0.0) + tf * (self.k1 + 1) / (tf + norm)
        return SparseVector(indices=list(weights), values=list(weights.values()))

    def embed_documents(self, texts: list[str]) -> list[SparseVector]:
        return [self._document_vector(text) for text in texts]

    def embed_query(self, text: str) -> SparseVector:
        indices = sorted({term_id(term) for term in terms(text)})
        return SparseVector(indices=indices, values=[1.0] * len(indices))
