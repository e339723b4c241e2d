"""Writers over fake chat models (tests/support/fake_graph.py) with the observability pieces a
test hands in, and a Langfuse client whose spans land in an OpenTelemetry in-memory exporter."""

from __future__ import annotations

import uuid

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import FAKE_MODEL_SETTINGS, fake_adapters
from support.langfuse_server import SECRET_KEY, LangfuseTestServer

from postgraph.graph.state import checkpoint_serde
from postgraph.graph.writer import PostWriter
from postgraph.settings import Settings

NO_LANGFUSE = {"langfuse_public_key": None, "langfuse_secret_key": None, "langfuse_host": None}


@pytest.fixture
def make_writer(sample_index, embeddings, tmp_path):
    def build(*, run_store=None, tracing=None, **scripts: list[str]) -> PostWriter:
        settings = Settings(data_dir=tmp_path, judge_model="", **FAKE_MODEL_SETTINGS, **NO_LANGFUSE)
        adapters = fake_adapters(settings, sample_index, embeddings, **scripts)
        return PostWriter(settings, InMemorySaver(serde=checkpoint_serde()), adapters,
                          run_store=run_store, tracing=tracing)

    return build


@pytest.fixture
def langfuse_settings(tmp_path):
    """Langfuse configured against the local stand-in server (it takes the scores; the spans go
    to the in-memory exporter). A fresh public key per test: the SDK keeps one client per key."""
    with LangfuseTestServer(public_key=f"pk-lf-{uuid.uuid4().hex[:8]}") as server:
        yield Settings(data_dir=tmp_path, langfuse_public_key=server.public_key, langfuse_secret_key=SECRET_KEY,
                       langfuse_host=server.url, langfuse_timeout_s=2.0)


@pytest.fixture
def traced(langfuse_settings):
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import (
        InMemorySpanExporter,
    )

    from postgraph.observability.tracing import Tracing

    exporter = InMemorySpanExporter()
    tracing = Tracing(langfuse_settings, span_exporter=exporter)
    yield tracing, exporter
    tracing.shutdown(timeout=2.0)
