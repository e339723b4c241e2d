"""The real Langfuse SDK over HTTP against the local stand-in server (tests/support/
langfuse_server.py): prompt versions and labels pushed and pulled, traces exported as OTLP,
scores for evaluations and feedback."""

from __future__ import annotations

import time
import uuid

import pytest
from support.fake_graph import GOOD, NO_ISSUES, PLAN, REQUEST
from support.langfuse_server import (
    SECRET_KEY,
    LangfuseTestServer,
    SilentServer,
    closed_port,
)

from postgraph.observability.langfuse_prompts import LangfuseUnavailable, sync_prompts
from postgraph.observability.tracing import Tracing, score_run
from postgraph.settings import Settings

PROMPTS = [
    ("draft", "1", [], "Notes:\n{notes}\nWrite {words} words.", {"parameters": {"max_tokens": 320}}),
    ("draft", "2", ["production"], "Notes:\n{notes}\nWrite about {words} words. Answer {{\"ok\": true}}", {}),
    ("plan", "1", ["production", "staging"], "Plan a post: {request}", {}),
]


@pytest.fixture
def server():
    # The SDK keeps one client per public key: a fresh key per test keeps them apart.
    with LangfuseTestServer(public_key=f"pk-lf-{uuid.uuid4().hex[:10]}") as srv:
        yield srv


def settings_for(url: str, public_key: str, tmp_path, timeout: float = 1.0) -> Settings:
    return Settings(data_dir=tmp_path, langfuse_public_key=public_key, langfuse_secret_key=SECRET_KEY,
                    langfuse_host=url, langfuse_timeout_s=timeout)


# -- prompts ------------------------------------------------------------------------------
def test_push_creates_versions_in_order_with_their_labels(server, tmp_path) -> None:
    settings = settings_for(server.url, server.public_key, tmp_path)
    report = sync_prompts(settings, lambda: reversed(PROMPTS))

    assert [(p.name, p.version, p.action, p.langfuse_version) for p in report.pushed] == [
        ("draft", "1", "created", 1), ("draft", "2", "created", 2), ("plan", "1", "created", 1)]
    draft = server.prompts["draft"]
    assert draft[0]["prompt"] == "Notes:\n{{notes}}\nWrite {{words}} words."
    assert draft[1]["prompt"] == 'Notes:\n{{notes}}\nWrite about {{words}} words. Answer {"ok": true}'
    assert set(draft[1]["labels"]) == {"production", "local-v2", "latest"} and draft[0]["labels"] == ["local-v1"]
    assert draft[0]["config"]["parameters"] == {"max_tokens": 320}
    assert draft[0]["config"]["postgraph"]["version"] == "1" and len(draft[0]["config"]["postgraph"]["sha256"]) == 64
    assert report.conflicts == []
    assert {(p.name, p.langfuse_version, p.registry_version) for p in report.pulled} == {
        ("draft", None, "2"), ("plan", None, "1")}, "pulled before the first push: nothing there yet"
    pulled = sync_prompts(settings, PROMPTS).pulled
    assert {(p.name, p.local_version, p.sha256_matches) for p in pulled} == {("draft", "2", True), ("plan", "1", True)}


def test_a_second_push_changes_nothing_and_adds_missing_labels(server, tmp_path) -> None:
    settings = settings_for(server.url, server.public_key, tmp_path)
    sync_prompts(settings, PROMPTS)
    again = sync_prompts(settings, PROMPTS)
    assert [p.action for p in again.pushed] == ["unchanged"] * 3
    assert len(server.prompts["draft"]) == 2

    relabelled = [PROMPTS[0], PROMPTS[1], ("plan", "1", ["production", "staging", "canary"], PROMPTS[2][3], {})]
    report = sync_prompts(settings, relabelled)
    assert [(p.name, p.action) for p in report.pushed][-1] == ("plan", "labelled")
    assert "canary" in server.prompts["plan"][0]["labels"]


def test_a_changed_template_under_an_old_version_is_a_conflict(server, tmp_path) -> None:
    settings = settings_for(server.url, server.public_key, tmp_path)
    sync_prompts(settings, PROMPTS)
    changed = [("draft", "1", [], "Notes:\n{notes}\nWrite {words} short words.", {})]
    report = sync_prompts(settings, changed)
    assert [p.action for p in report.pushed] == ["conflict"] and report.conflicts
    assert "new version" in report.pushed[0].detail
    assert server.prompts["draft"][0]["prompt"] == "Notes:\n{{notes}}\nWrite {{words}} words.", "left alone"


def test_a_label_moved_in_langfuse_is_put_back_unless_the_registry_follows(server, tmp_path) -> None:
    settings = settings_for(server.url, server.public_key, tmp_path)
    sync_prompts(settings, PROMPTS)
    server.add_labels("draft", 1, ["production"])  # someone rolls production back in the Langfuse UI

    report = sync_prompts(settings, PROMPTS)  # the registry wins
    pulled = {p.name: p for p in report.pulled}
    assert (pulled["draft"].local_version, pulled["draft"].registry_version) == ("1", "2")
    assert report.applied == [] and "production" in server.prompts["draft"][1]["labels"]

    server.add_labels("draft", 1, ["production"])
    moved: list[tuple[str, str, str]] = []
    report = sync_prompts(settings, PROMPTS, apply_label=lambda *args: moved.append(args))  # Langfuse wins
    assert moved == [("draft", "1", "production")] and [p.name for p in report.applied] == ["draft"]
    assert "production" in server.prompts["draft"][0]["labels"]
    assert "production" not in server.prompts["draft"][1]["labels"], "the push agreed with the move"
    assert [p.action for p in report.pushed] == ["unchanged"] * 3


def test_versions_made_elsewhere_are_named_and_numbering_gaps_reported(server, tmp_path) -> None:
    settings = settings_for(server.url, server.public_key, tmp_path)
    server.create_prompt({"name": "plan", "prompt": "Made in the UI", "labels": ["production"]})
    report = sync_prompts(settings, [PROMPTS[2]])
    assert report.pulled[0].local_version is None and "not pushed from the registry" in report.pulled[0].detail
    pushed = report.pushed[0]
    assert (pushed.action, pushed.langfuse_version) == ("created", 2)
    assert "Langfuse numbers it 2" in pushed.detail, "traces would link plan@1 to the wrong Langfuse version"

    report = sync_prompts(settings, [PROMPTS[2]], pull_label="staging")
    assert report.pulled[0].local_version == "1", "plan@1 took staging when it was pushed"
    report = sync_prompts(settings, [PROMPTS[2]], pull_label="experiment")
    assert report.pulled[0].langfuse_version is None and "no version" in report.pulled[0].detail


def test_wrong_keys_and_unreachable_servers_stop_the_sync_quickly(server, tmp_path) -> None:
    wrong = Settings(data_dir=tmp_path, langfuse_public_key=f"pk-lf-{uuid.uuid4().hex[:10]}",
                     langfuse_secret_key="sk-wrong", langfuse_host=server.url, langfuse_timeout_s=1.0)
    with pytest.raises(LangfuseUnavailable, match="401"):
        sync_prompts(wrong, PROMPTS)

    closed = settings_for(f"http://127.0.0.1:{closed_port()}", f"pk-lf-{uuid.uuid4().hex[:10]}", tmp_path)
    started = time.perf_counter()
    with pytest.raises(LangfuseUnavailable, match="did not answer"):
        sync_prompts(closed, PROMPTS)
    assert time.perf_counter() - started < 1.0

    with SilentServer() as silent:
        hanging = settings_for(silent.url, f"pk-lf-{uuid.uuid4().hex[:10]}", tmp_path, timeout=1.0)
        started = time.perf_counter()
        with pytest.raises(LangfuseUnavailable, match="did not answer"):
            sync_prompts(hanging, PROMPTS)
        assert time.perf_counter() - started < 2.0, "one request, bounded by the timeout, no retries"


# -- traces and scores over HTTP ------------------------------------------------------------
def wait_for(condition, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def test_a_traced_run_reaches_the_server_as_otlp_spans_with_its_scores(server, make_writer, tmp_path) -> None:
    tracing = Tracing(settings_for(server.url, server.public_key, tmp_path, timeout=2.0))
    try:
        writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES], tracing=tracing)
        outcome = writer.write(REQUEST, thread_id="thread-http")
        assert tracing.flush(), "a live server takes the run's spans and scores in time"
        spans = [s for s in server.spans if s["trace_id"] == outcome.run_id]
        names = {s["name"] for s in spans}
        assert {"postgraph", "plan", "retrieve", "draft", "critique", "fact_check", "finalize"} <= names
        drafts = [s for s in spans if s["attributes"].get("langfuse.observation.model.name") == "fake:drafter"]
        assert drafts and drafts[0]["attributes"]["langfuse.observation.prompt.name"] == "draft"
        assert drafts[0]["attributes"]["langfuse.observation.prompt.version"] >= 1
        scores = [s for s in server.scores if s["traceId"] == outcome.run_id]
        assert [(s["name"], s["value"]) for s in scores] == [("claims_supported", 1.0)]

        assert score_run(writer.settings, outcome.run_id, "user_feedback", 0.75, "clear hook",
                         tracing=tracing, wait=True)
        assert wait_for(lambda: any(s["name"] == "user_feedback" for s in server.scores))
        feedback = next(s for s in server.scores if s["name"] == "user_feedback")
        assert (feedback["traceId"], feedback["value"], feedback["comment"]) == (outcome.run_id, 0.75, "clear hook")
    finally:
        tracing.shutdown()
