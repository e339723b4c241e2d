"""Graph logic with deterministic fake chat models (see tests/support/fake_graph.py)."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import FAKE_MODEL_SETTINGS, fake_adapters

from postgraph.graph.state import checkpoint_serde
from postgraph.graph.writer import PostWriter
from postgraph.settings import Settings


@pytest.fixture
def make_writer(sample_index, embeddings, tmp_path):
    """A PostWriter over an in-memory checkpointer whose roles are fake chat models."""

    def build(**scripts: list[str]) -> PostWriter:
        settings = Settings(data_dir=tmp_path, judge_model="", **FAKE_MODEL_SETTINGS)
        return PostWriter(settings, InMemorySaver(serde=checkpoint_serde()), fake_adapters(settings, sample_index, embeddings, **scripts))

    return build
