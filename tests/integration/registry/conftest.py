"""Rollback drills run the real compiled graph with fake chat models that record what they
were asked, over the session's in-memory sample index, against copies of the registries."""

from __future__ import annotations

from typing import Any

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import GOOD, NO_ISSUES, PLAN, RecordingFake

from postgraph.graph.adapters import Adapters
from postgraph.graph.state import checkpoint_serde
from postgraph.graph.writer import PostWriter
from postgraph.settings import Settings


@pytest.fixture
def fakes() -> dict[str, RecordingFake]:
    """Chat models by model id: each role's usual fake, and a second drafter."""
    return {
        "fake:planner": RecordingFake(responses=[PLAN]),
        "fake:drafter": RecordingFake(responses=[GOOD]),
        "fake:drafter-v2": RecordingFake(responses=["Retrieval evals are great and everyone should run them."]),
        "fake:critic": RecordingFake(responses=[NO_ISSUES]),
        "fake:reviser": RecordingFake(responses=[GOOD]),
    }


@pytest.fixture
def drill_writer(registry_paths, fakes, sample_index, embeddings, tmp_path):
    """build(**settings) -> a PostWriter over the registry copies; roles not named in the
    settings take their model from the registry copy."""

    def build(index=None, run_store=None, **overrides: Any) -> PostWriter:
        settings = Settings(data_dir=tmp_path / "data", judge_model="", **registry_paths, **overrides)
        adapters = Adapters(settings, chat_models=fakes, index=index or sample_index, embeddings=embeddings)
        adapters.embedding_version = "minilm-l6-v2-int8@1"
        return PostWriter(settings, InMemorySaver(serde=checkpoint_serde()), adapters, run_store=run_store)

    return build

