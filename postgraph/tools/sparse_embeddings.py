"""BM25-style sparse vectors for the keyword half of hybrid retrieval.

Documents carry saturated term frequencies with length normalisation; Qdrant's IDF modifier
supplies the inverse document frequency at query time, so the index stays correct as the
corpus grows. Terms are hashed to stable 31-bit ids, so no vocabulary needs storing.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

from langchain_qdrant.sparse_embeddings import SparseEmbeddings, SparseVector

# Numbers such as 3.5, 1,200 and 95th stay whole: the fact-checker and readers search by them.
TOKEN_PATTERN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or that the "
    "their then there these this to was we were what when which with our you your".split()
)


def terms(text: str) -> list[str]:
    return [t for t in TOKEN_PATTERN.findall(text.lower()) if t not in STOPWORDS]


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
