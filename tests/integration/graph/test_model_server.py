"""The graph against an Ollama server (the unmodified ChatOllama client over HTTP, against a
local stand-in of Ollama's API backed by the real GGUF in llama.cpp): down, returning
garbage, and back again."""

from __future__ import annotations

import socket

import pytest
from support.ollama_server import OllamaStandIn

from postgraph.errors import ModelUnavailable
from postgraph.graph.adapters import Adapters
from postgraph.graph.checkpointing import open_checkpointer
from postgraph.graph.writer import PostWriter
from postgraph.llm.factory import load_chat_model
from postgraph.llm.weights import BUNDLED_MODEL

REQUEST = "a post about nightly retrieval evals catching a chunking regression, 60 words"




def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ollama_writer(settings, saver, sample_index, embeddings, url: str) -> PostWriter:
    settings = settings.model_copy(update={"model_provider": "ollama", "ollama_base_url": url,
                                           "max_revisions": 0, "draft_max_tokens": 96})
    return PostWriter(settings, saver, Adapters(settings, index=sample_index, embeddings=embeddings))


def test_model_server_down_is_a_clear_error_and_the_thread_resumes_later(settings, sample_index, embeddings, model_settings) -> None:
    with open_checkpointer(settings) as saver:
        down = ollama_writer(settings, saver, sample_index, embeddings, f"http://127.0.0.1:{closed_port()}")
        with pytest.raises(ModelUnavailable, match="127.0.0.1") as raised:
            down.write(REQUEST, thread_id="t-down")
        assert "Ollama" in str(raised.value)
        snapshot = down.snapshot("t-down")
        assert snapshot.next == ("plan",) and "plan" not in snapshot.values, "nothing half-written"

        llama = load_chat_model(f"llamacpp:{BUNDLED_MODEL}", model_settings)
        with OllamaStandIn(chat_model=llama, chat_tag=settings.ollama_chat_model) as server:
            back = ollama_writer(settings, saver, sample_index, embeddings, server.url)
            result = back.resume("t-down").as_dict()
            assert any(path == "/api/generate" for path, _ in server.requests)
    assert result["status"] in {"done", "budget_exhausted"}
    assert all(c["verdict"] == "supported" for c in result["claim_checks"])


def test_model_server_returning_garbage_takes_the_degraded_path(settings, sample_index, embeddings, model_settings) -> None:
    llama = load_chat_model(f"llamacpp:{BUNDLED_MODEL}", model_settings)
    with open_checkpointer(settings) as saver, OllamaStandIn(chat_model=llama, chat_tag=settings.ollama_chat_model) as server:
        server.garbage = True
        writer = ollama_writer(settings, saver, sample_index, embeddings, server.url)
        result = writer.write(REQUEST).as_dict()
    assert any("plan: model output did not validate" in note for note in result["notes"])
    assert any("critique: model critique did not validate" in note for note in result["notes"])
    assert result["status"] in {"done", "budget_exhausted"} and result["post"]
    assert all(c["verdict"] == "supported" for c in result["claim_checks"])
