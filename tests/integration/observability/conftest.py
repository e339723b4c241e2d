"""Run records against the session's real local MongoDB-compatible server (a fresh database per
test, from the `settings` fixture), writers over fake chat models, and Langfuse stand-ins."""

from __future__ import annotations

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import FAKE_MODEL_SETTINGS, fake_resources

from postgraph.graph.state import checkpoint_serde
from postgraph.settings import Settings
from postgraph.tools.document_store import make_document_store
from postgraph.tools.run_store import RunStore
from postgraph.writer import PostWriter

NO_LANGFUSE = {"langfuse_public_key": None, "langfuse_secret_key": None, "langfuse_host": None}


@pytest.fixture
def run_store(settings: Settings):
    store = make_document_store(settings.mongodb_uri, settings.mongodb_database, settings.mongodb_timeout_ms, 100)
    runs = RunStore.of(store)
    runs.ensure_indexes()
    yield runs
    store.client.drop_database(settings.mongodb_database)
    store.close()


@pytest.fixture
def make_writer(sample_index, embeddings, settings: Settings, run_store: RunStore):
    """A PostWriter over fake chat models that records its runs in the real run store."""

    def build(*, tracing=None, record=True, **scripts: list[str]) -> PostWriter:
        writer_settings = settings.model_copy(update={"judge_model": "", **FAKE_MODEL_SETTINGS, **NO_LANGFUSE})
        resources = fake_resources(writer_settings, sample_index, embeddings, **scripts)
        return PostWriter(writer_settings, InMemorySaver(serde=checkpoint_serde()), resources,
                          run_store=run_store if record else None, tracing=tracing)

    return build
