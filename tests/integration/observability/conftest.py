"""Run records against the session's real local MongoDB-compatible server (a fresh database per
test, from the `settings` fixture), writers over fake chat models, and Langfuse stand-ins."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import FAKE_MODEL_SETTINGS, fake_adapters

from postgraph.graph.state import checkpoint_serde
from postgraph.graph.writer import PostWriter
from postgraph.settings import Settings
from postgraph.stores.runs import RunStore

NO_LANGFUSE = {"langfuse_public_key": None, "langfuse_secret_key": None, "langfuse_host": None}


@pytest.fixture
def make_writer(sample_index, embeddings, settings: Settings, run_store: RunStore):
    """A PostWriter over fake chat models that records its runs in the real run store."""

    def build(*, tracing=None, record=True, **scripts: list[str]) -> PostWriter:
        writer_settings = settings.model_copy(update={"judge_model": "", **FAKE_MODEL_SETTINGS, **NO_LANGFUSE})
        adapters = fake_adapters(writer_settings, sample_index, embeddings, **scripts)
        return PostWriter(writer_settings, InMemorySaver(serde=checkpoint_serde()), adapters,
                          run_store=run_store if record else None, tracing=tracing)

    return build
