"""The outside systems a run talks to (the vector index, the embedding model, chat models)
and the registries it reads, built lazily from settings and shared by the runs of a process.

The writer gets one from its caller or builds one (tests inject fake chat models; the API
shares one instance); the Studio entry point uses one process-wide instance, built on first
use, never at import. Runs do not read it directly: `graph/kit.py` pins versions over it.
"""

from __future__ import annotations

import threading
from functools import cached_property
from typing import TYPE_CHECKING

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from postgraph.search.sparse import BM25SparseEmbeddings
from postgraph.settings import Settings, get_settings

if TYPE_CHECKING:
    from postgraph.llm.checker import ClaimChecker
    from postgraph.prompts import PromptRegistry
    from postgraph.registry.models import ModelRegistry
    from postgraph.registry.retrieval import RetrievalRegistry
    from postgraph.search.index import VectorIndex


EMBEDDING_CACHE_SIZE = 20_000


class Adapters:
    def __init__(
        self,
        settings: Settings,
        *,
        chat_models: dict[str, BaseChatModel] | None = None,
        index: VectorIndex | None = None,
        embeddings: Embeddings | None = None,
    ) -> None:
        self.settings = settings
        self._chat_models: dict[str, BaseChatModel] = dict(chat_models or {})
        self._claim_checkers: dict[str, ClaimChecker] = {}
        self._index = index
        self._embeddings = embeddings
        self._lock = threading.Lock()
        self.sparse = BM25SparseEmbeddings()
        self._embedding_cache: dict[str, list[float]] = {}

    @property
    def embeddings(self) -> Embeddings:
        if self._embeddings is None:
            from postgraph.search.embeddings import make_embeddings

            self._embeddings, _ = make_embeddings(self.settings)
        return self._embeddings

    def embed_texts(self, texts: list[str]) -> list[list[float]]:
        """Embeddings with a per-process cache: fact-checking embeds the same evidence
        sentences on every loop."""
        missing = [t for t in dict.fromkeys(texts) if t not in self._embedding_cache]
        if missing:
            self._embedding_cache.update(zip(missing, self.embeddings.embed_documents(missing), strict=True))
            while len(self._embedding_cache) > EMBEDDING_CACHE_SIZE:
                self._embedding_cache.pop(next(iter(self._embedding_cache)))
        return [self._embedding_cache[t] for t in texts]

    @cached_property
    def embedding_version(self) -> str:
        from postgraph.search.embeddings import embedding_spec

        return embedding_spec(self.settings.embedding).version

    @property
    def index(self) -> VectorIndex:
        with self._lock:
            if self._index is None:
                from postgraph.search.index import VectorIndex, make_qdrant_client

                self._index = VectorIndex(
                    make_qdrant_client(self.settings), self.settings.collection_prefix, self.settings.write_batch_size
                )
            return self._index

    # The registries are cheap handles on their files: each new thread reads them afresh (pins.py).
    @cached_property
    def prompt_registry(self) -> PromptRegistry:
        from postgraph.prompts import PromptRegistry

        return PromptRegistry(self.settings.prompt_registry_path)

    @cached_property
    def model_registry(self) -> ModelRegistry:
        from postgraph.registry.models import ModelRegistry

        return ModelRegistry(self.settings.model_registry_path)

    @cached_property
    def retrieval_registry(self) -> RetrievalRegistry:
        from postgraph.registry.retrieval import RetrievalRegistry

        return RetrievalRegistry(self.settings.retrieval_registry_path)

    def model_id(self, model_id: str) -> str:
        """The id a role uses: its own, or the default model of the configured provider."""
        if model_id:
            return model_id
        from postgraph.llm.weights import default_model_id

        return default_model_id(self.settings)

    def chat_model(self, model_id: str) -> BaseChatModel:
        model_id = self.model_id(model_id)
        with self._lock:
            if model_id not in self._chat_models:
                from postgraph.llm.factory import load_chat_model

                self._chat_models[model_id] = load_chat_model(model_id, self.settings)
            return self._chat_models[model_id]

    def claim_checker(self, model_id: str) -> ClaimChecker:
        """The trained claim checker a `checker:<adapter>` id names, loaded once per process."""
        with self._lock:
            if model_id not in self._claim_checkers:
                from postgraph.llm.checker import load_claim_checker

                self._claim_checkers[model_id] = load_claim_checker(model_id, self.settings)
            return self._claim_checkers[model_id]

    def close(self) -> None:
        for checker in self._claim_checkers.values():
            checker.close()
        self._claim_checkers.clear()
        if self._index is not None:
            self._index.close()
            self._index = None


_shared: Adapters | None = None
_shared_lock = threading.Lock()


def shared_adapters() -> Adapters:
    """The process-wide adapters of runs that bring none (the LangGraph server, Studio)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Adapters(get_settings())
        return _shared
