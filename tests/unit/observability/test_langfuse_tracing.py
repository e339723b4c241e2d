"""Langfuse tracing of graph runs with the real SDK: spans go to an OpenTelemetry in-memory
exporter instead of over HTTP, so names, ids and attributes can be read back."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

from support.fake_graph import GOOD, NO_ISSUES, PLAN, REQUEST

from postgraph.observability.langfuse_handler import parse_prompt_identity
from postgraph.observability.tracing import langfuse_callbacks, score_run, tracing_for
from postgraph.settings import PROJECT_ROOT, Settings

NODES = {"plan", "retrieve", "draft", "critique", "fact_check", "finalize"}


def spans_by_name(exporter) -> dict[str, list]:
    found: dict[str, list] = {}
    for span in exporter.get_finished_spans():
        found.setdefault(span.name, []).append(span)
    return found


def generations(exporter) -> list:
    return [s for s in exporter.get_finished_spans() if s.attributes.get("langfuse.observation.type") == "generation"]


def test_without_langfuse_settings_nothing_is_built(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, langfuse_public_key=None, langfuse_secret_key=None, langfuse_host=None)
    assert not settings.langfuse_enabled
    assert tracing_for(settings) is None
    assert langfuse_callbacks(settings) == []
    assert score_run(settings, "a" * 32, "user_feedback", 1.0) is False
    half = Settings(data_dir=tmp_path, langfuse_public_key="pk", langfuse_secret_key="sk", langfuse_host=None)
    assert not half.langfuse_enabled and langfuse_callbacks(half) == []


def test_without_langfuse_settings_the_sdk_is_not_even_imported() -> None:
    code = textwrap.dedent("""
        import sys, threading
        from postgraph.settings import Settings
        from postgraph.observability.tracing import langfuse_callbacks, score_run
        import postgraph.graph.writer
        s = Settings(langfuse_public_key=None, langfuse_secret_key=None, langfuse_host=None)
        assert langfuse_callbacks(s) == [] and score_run(s, "0" * 32, "x", 1.0) is False
        print(sorted(m for m in sys.modules if m.startswith("langfuse")), threading.active_count())
    """)
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, check=False, text=True, cwd=PROJECT_ROOT, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[0] == "[]"


def test_settings_read_the_standard_langfuse_variables(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("LANGFUSE_PUBLIC_KEY", "pk-env")
    monkeypatch.setenv("LANGFUSE_SECRET_KEY", "sk-env")
    monkeypatch.setenv("LANGFUSE_BASE_URL", "http://langfuse.internal:3000")
    settings = Settings(data_dir=tmp_path)
    assert settings.langfuse_enabled and settings.langfuse_host == "http://langfuse.internal:3000"
    monkeypatch.setenv("POSTGRAPH_LANGFUSE_HOST", "http://other:3000")
    assert Settings(data_dir=tmp_path).langfuse_host == "http://other:3000"


def test_prompt_identity_parsing() -> None:
    ref = parse_prompt_identity("draft@3#ab12cd34ef56")
    assert (ref.name, ref.version, ref.sha, ref.langfuse_version) == ("draft", "3", "ab12cd34ef56", 3)
    assert parse_prompt_identity("draft@2024-rc1").langfuse_version is None
    assert parse_prompt_identity("none") is None and parse_prompt_identity(None) is None


def test_a_run_is_one_trace_with_node_spans_and_generations_linked_to_prompt_and_model(make_writer, traced) -> None:
    tracing, exporter = traced
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES], tracing=tracing)
    outcome = writer.write(REQUEST, thread_id="thread-traced")
    tracing.flush()

    spans = spans_by_name(exporter)
    assert NODES <= set(spans), sorted(spans)
    root = spans["postgraph"][0]
    trace_ids = {format(s.context.trace_id, "032x") for s in exporter.get_finished_spans()}
    assert trace_ids == {outcome.run_id}, "the trace id is the run id"
    assert root.attributes["session.id"] == "thread-traced"
    assert root.attributes["langfuse.trace.name"] == "postgraph.write"
    versions = outcome.values["versions"]
    assert json.loads(root.attributes["langfuse.trace.metadata.run_id"]) == outcome.run_id
    assert json.loads(root.attributes["langfuse.trace.metadata.model.drafter"]) == "fake:drafter"
    assert json.loads(root.attributes["langfuse.trace.metadata.prompt.draft"]) == versions["prompt.draft"]

    by_node = {json.loads(g.attributes["langfuse.observation.metadata.langgraph_node"]): g for g in generations(exporter)}
    assert set(by_node) == {"plan", "draft", "critique"}
    for node, role, prompt in (("plan", "planner", "plan"), ("draft", "drafter", "draft"), ("critique", "critic", "critique")):
        attributes = by_node[node].attributes
        assert attributes["langfuse.observation.model.name"] == f"fake:{role}"
        identity = parse_prompt_identity(versions[f"prompt.{prompt}"])
        assert attributes["langfuse.observation.prompt.name"] == prompt
        assert attributes["langfuse.observation.prompt.version"] == int(identity.version)
        assert json.loads(attributes["langfuse.observation.metadata.postgraph_prompt"]) == versions[f"prompt.{prompt}"]
    draft_span = spans["draft"][0]
    assert by_node["draft"].parent.span_id == draft_span.context.span_id, "the generation sits under its node"


def test_each_call_is_its_own_trace_in_the_threads_session(make_writer, traced) -> None:
    tracing, exporter = traced
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES], tracing=tracing)
    waiting = writer.write(REQUEST, require_approval=True)
    done = writer.resume(waiting.thread_id, decision={"action": "approve"})
    tracing.flush()

    roots = [s for s in exporter.get_finished_spans() if s.name == "postgraph"]
    assert {format(s.context.trace_id, "032x") for s in roots} == {waiting.run_id, done.run_id}
    assert {s.attributes["session.id"] for s in roots} == {waiting.thread_id}
    names = {s.attributes["langfuse.trace.name"] for s in roots}
    assert names == {"postgraph.write", "postgraph.resume"}
    approve = [s for s in exporter.get_finished_spans() if s.name == "approve"]
    assert {format(s.context.trace_id, "032x") for s in approve} >= {done.run_id}


def test_a_failing_node_is_traced_as_an_error(make_writer, traced, monkeypatch) -> None:
    import pytest

    tracing, exporter = traced
    writer = make_writer(planner=[PLAN], drafter=[GOOD], tracing=tracing)
    drafter = writer.adapters.chat_model("fake:drafter")
    original = type(drafter).invoke

    def broken(self, *args, **kwargs):
        if self is drafter:
            raise RuntimeError("model process died")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(drafter), "invoke", broken)
    with pytest.raises(RuntimeError):
        writer.write(REQUEST)
    tracing.flush()
    draft = spans_by_name(exporter)["draft"][0]
    assert draft.attributes["langfuse.observation.level"] == "ERROR"
    assert "model process died" in draft.attributes["langfuse.observation.status_message"]
