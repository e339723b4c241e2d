"""Pieces for running the real compiled graph with deterministic fake chat models
(langchain-core's FakeListChatModel) over a real in-memory Qdrant index of three sample
newsletters, embedded with the real model."""

from __future__ import annotations

import json
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeListChatModel
from pydantic import Field
from qdrant_client import QdrantClient

from postgraph.graph.adapters import Adapters
from postgraph.ingest.chunking import chunk_blocks, chunk_id
from postgraph.ingest.parsers import parse_file
from postgraph.search.embeddings import OnnxMiniLMEmbeddings, count_tokens
from postgraph.search.index import IndexedChunk, VectorIndex
from postgraph.search.sparse import BM25SparseEmbeddings
from postgraph.settings import PROJECT_ROOT, Settings

CORPUS = PROJECT_ROOT / "samples" / "corpus"
FILES = ("retrieval-eval-regression.md", "prompt-versioning-rollback.md", "lora-budget.md")
ROLES = ("planner", "drafter", "critic", "reviser", "judge")
FAKE_MODEL_SETTINGS = {f"{role}_model": f"fake:{role}" for role in ("planner", "drafter", "critic", "reviser")}


class RecordingFake(FakeListChatModel):
    """A fake chat model that keeps every prompt and call parameter it received, and raises
    the exceptions in `errors` first, one per call (a crash mid-run)."""

    prompts: list[str] = Field(default_factory=list)
    calls: list[dict[str, Any]] = Field(default_factory=list)
    errors: list[BaseException] = Field(default_factory=list)

    def _call(self, messages, stop=None, run_manager=None, **kwargs):
        self.prompts.append(str(messages[-1].content))
        self.calls.append(dict(kwargs))
        if self.errors:
            raise self.errors.pop(0)
        return super()._call(messages, stop=stop, run_manager=run_manager, **kwargs)


class NoOcr:
    name = "none"

    def extract_text(self, image: bytes) -> str:
        return ""


def build_sample_index(embeddings: OnnxMiniLMEmbeddings) -> VectorIndex:
    index = VectorIndex(QdrantClient(":memory:"), "chunks")
    collection = "chunks__test"
    index.ensure_collection(collection, 384)
    sparse = BM25SparseEmbeddings()
    for name in FILES:
        parsed = parse_file(CORPUS / name, max_bytes=10**6, ocr=NoOcr())
        chunks = chunk_blocks(parsed.blocks, max_tokens=200, overlap_tokens=40, count_tokens=count_tokens)
        texts = [c.embed_text for c in chunks]
        document_id = f"doc_{name.split('.')[0]}"
        points = []
        for chunk, dense, sparse_vector in zip(
            chunks, embeddings.embed_documents(texts), sparse.embed_documents(texts), strict=True
        ):
            metadata = {
                "chunk_id": chunk_id(document_id, chunk.order), "document_id": document_id, "title": parsed.meta.title,
                "source": parsed.meta.source, "file_name": name, "author": parsed.meta.author,
                "published": parsed.meta.published.isoformat(), "block_kind": chunk.kind.value,
            }
            points.append(IndexedChunk(metadata["chunk_id"], chunk.text, metadata, dense, sparse_vector))
        index.upsert(collection, points)
    index.point_alias_at(collection)
    return index


def fake_adapters(settings: Settings, index: VectorIndex, embeddings, **scripts: list[str]) -> Adapters:
    """Adapters whose roles answer the given scripts (a critic with no script finds nothing)."""
    models = {
        f"fake:{role}": FakeListChatModel(responses=list(scripts.get(role, ['{"issues": []}']))) for role in ROLES
    }
    adapters = Adapters(settings, chat_models=models, index=index, embeddings=embeddings)
    adapters.embedding_version = "minilm-l6-v2-int8@1"
    return adapters


# A standard scripted run: the request, the planner's answer, a draft whose claims the sample
# index supports, and a critic with nothing to say.
REQUEST = "a post about why our retrieval evals caught a regression, for ML engineers, 50 words"
PLAN = json.dumps({"angle": "A nightly retrieval eval caught a chunking regression", "key_points": ["recall fell"]})
GOOD = (
    "Our nightly retrieval eval was worth every minute.\n\n"
    "Recall@10 fell from 0.87 to 0.71 after a change to the chunk size. "
    "The chunking change was reverted within 6 hours of the failed run.\n\n"
    "Cheap evals with hard thresholds catch quiet failures.\n\n#MLOps #Retrieval"
)
NO_ISSUES = json.dumps({"issues": []})
