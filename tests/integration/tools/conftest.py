"""The real packaged GGUF (Gemma 3 270M, Q4_K_M), assembled once per test session into a
temporary data directory, and a llama.cpp chat model over it."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgraph.settings import Settings
from postgraph.tools.models import (
    BUNDLED_MODEL,
    LlamaCppChatModel,
    bundled_gguf_path,
    ensure_bundled_gguf,
    load_chat_model,
)


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
