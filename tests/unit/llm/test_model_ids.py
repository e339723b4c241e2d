"""Model ids: a llamacpp model with a LoRA adapter on top."""

from __future__ import annotations

import pytest

from postgraph.errors import ModelUnavailable
from postgraph.llm.factory import load_chat_model
from postgraph.llm.weights import BUNDLED_MODEL, bundled_gguf_path, gguf_path_for, split_adapter
from postgraph.settings import Settings


def test_a_name_with_an_adapter_splits_into_base_and_adapter(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    adapter = tmp_path / "drafter.gguf"
    assert split_adapter(f"{BUNDLED_MODEL}+lora:{adapter}") == (BUNDLED_MODEL, adapter)
    assert split_adapter(BUNDLED_MODEL) == (BUNDLED_MODEL, None)
    assert gguf_path_for(f"{BUNDLED_MODEL}+lora:{adapter}", settings) == bundled_gguf_path(settings)


def test_a_missing_adapter_is_refused_before_anything_loads(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ModelUnavailable, match="drafter.gguf"):
        load_chat_model(f"llamacpp:{BUNDLED_MODEL}+lora:{tmp_path / 'drafter.gguf'}", settings)


def test_the_chat_model_carries_the_adapter(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    adapter = tmp_path / "drafter.gguf"
    adapter.write_bytes(b"GGUF" + b"\0" * 64)
    model = load_chat_model(f"llamacpp:{BUNDLED_MODEL}+lora:{adapter}", settings)
    assert model.lora_path == adapter and model.model_name == f"{BUNDLED_MODEL}+lora:drafter.gguf"
    assert not model.is_loaded
