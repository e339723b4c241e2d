"""Graph logic with deterministic fake chat models (see tests/support/fake_graph.py)."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import FAKE_MODEL_SETTINGS, fake_resources

from postgraph.graph.state import checkpoint_serde
from postgraph.settings import Settings
from postgraph.writer import PostWriter


@pytest.fixture
def make_writer(sample_index, embeddings, tmp_path):
    """A PostWriter over an in-memory checkpointer whose roles are fake chat models."""

    def build(**scripts: list[str]) -> PostWriter:
        settings = Settings(data_dir=tmp_path, judge_model="", **FAKE_MODEL_SETTINGS)
        return PostWriter(settings, InMemorySaver(serde=checkpoint_serde()), fake_resources(settings, sample_index, embeddings, **scripts))

    return build
