"""Integration fixtures: the real packaged GGUF (Gemma 3 270M, Q4_K_M), assembled once per test
session into a temporary data directory, a llama.cpp chat model over it, and a run store in the
test's fresh database on the session's local MongoDB-compatible server."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgraph.llm.factory import load_chat_model
from postgraph.llm.llamacpp import LlamaCppChatModel
from postgraph.llm.weights import BUNDLED_MODEL, bundled_gguf_path, ensure_bundled_gguf
from postgraph.settings import Settings
from postgraph.stores.documents import make_document_store
from postgraph.stores.runs import RunStore


@pytest.fixture(scope="session")
def model_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(
        data_dir=tmp_path_factory.mktemp("model-data"),
        model_provider="llamacpp",
        gguf_path=None,
        llama_n_ctx=2048,
        llama_seed=7,
        model_timeout_s=120,
    )


@pytest.fixture(scope="session")
def gguf_path(model_settings: Settings) -> Path:
    return ensure_bundled_gguf(bundled_gguf_path(model_settings))


@pytest.fixture(scope="session")
def llama_model(model_settings: Settings, gguf_path: Path) -> LlamaCppChatModel:
    model = load_chat_model(f"llamacpp:{BUNDLED_MODEL}", model_settings)
    assert isinstance(model, LlamaCppChatModel)
    return model


@pytest.fixture
def run_store(settings: Settings):
    store = make_document_store(settings.mongodb_uri, settings.mongodb_database, settings.mongodb_timeout_ms, 100)
    runs = RunStore.of(store)
    runs.ensure_indexes()
    yield runs
    store.client.drop_database(settings.mongodb_database)
    store.close()
