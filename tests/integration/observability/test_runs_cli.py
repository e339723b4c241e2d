"""`postgraph runs list | show | feedback` as a subprocess against the real local server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid

import pytest
from support.langfuse_server import SECRET_KEY, LangfuseTestServer, SilentServer

from postgraph.settings import PROJECT_ROOT, Settings
from postgraph.stores.runs import RunStore

VERSIONS = {"prompt.draft": "draft@1#ab12cd34ef56", "model.drafter": "llamacpp:gemma3-270m"}


def postgraph(settings: Settings, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRAPH_", "LANGFUSE_"))}
    env.update({
        "POSTGRAPH_DATA_DIR": str(settings.data_dir),
        "POSTGRAPH_MONGODB_URI": settings.mongodb_uri,
        "POSTGRAPH_MONGODB_DATABASE": settings.mongodb_database,
        "COLUMNS": "200",
        **extra_env,
    })
    return subprocess.run([sys.executable, "-m", "postgraph", *args], capture_output=True, check=False, text=True,
                          cwd=PROJECT_ROOT, env=env, timeout=120)


@pytest.fixture
def seeded(run_store: RunStore) -> dict[str, str]:
    run_store.start("run-done", "thread-a", "a post about evals", {"max_revisions": 2}, versions=VERSIONS)
    run_store.finish("run-done", {
        "status": "done", "versions": VERSIONS, "timings": {"plan": 0.4, "draft": 2.5},
        "steps": [{"node": "plan", "seconds": 0.4, "model_calls": 1, "tokens": 80, "model": "llamacpp:gemma3-270m"},
                  {"node": "draft", "seconds": 2.5, "model_calls": 1, "tokens": 400, "model": "llamacpp:gemma3-270m"}],
        "model_calls": 2, "tokens": 480, "budget": {"model_calls": 2, "tokens": 480, "seconds": 3.1, "exhausted": None},
        "verdicts": {"supported": 3, "unsupported": 1}, "citations": 3,
        "unsupported_requests": ["the 73% cost cut"], "notes": ["revise: removed 1 unsupported claim"],
    })
    time.sleep(0.01)
    run_store.start("run-error", "thread-b", "another post")
    run_store.fail("run-error", "model_unavailable", "Ollama did not answer")
    return {"done": "run-done", "error": "run-error"}


def test_runs_list(settings, seeded) -> None:
    listed = postgraph(settings, "runs", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [r["_id"] for r in json.loads(listed.stdout)] == ["run-error", "run-done"]

    errors = postgraph(settings, "runs", "list", "--status", "error", "--json")
    assert [r["_id"] for r in json.loads(errors.stdout)] == ["run-error"]
    one = postgraph(settings, "runs", "list", "--limit", "1", "--json")
    assert [r["_id"] for r in json.loads(one.stdout)] == ["run-error"]

    table = postgraph(settings, "runs", "list")
    assert table.returncode == 0
    assert "run-done" in table.stdout and "3/4" in table.stdout and "2 runs" in table.stdout


def test_runs_show(settings, seeded) -> None:
    shown = postgraph(settings, "runs", "show", "run-done", "--json")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["versions"] == VERSIONS and record["verdicts"] == {"supported": 3, "unsupported": 1}

    text = postgraph(settings, "runs", "show", "run-done")
    assert text.returncode == 0
    for expected in ("thread-a", "draft@1#ab12cd34ef56", "llamacpp:gemma3-270m", "budget: 2 model calls",
                     "the 73% cost cut", "removed 1 unsupported claim"):
        assert expected in text.stdout, expected
    error = postgraph(settings, "runs", "show", "run-error")
    assert "[model_unavailable]" in error.stdout and "Ollama did not answer" in error.stdout


def test_an_unknown_run_is_a_clear_error_with_exit_status_2(settings, seeded) -> None:
    for args in (("runs", "show", "nope"), ("runs", "feedback", "nope", "--score", "0.5")):
        result = postgraph(settings, *args)
        assert result.returncode == 2
        assert "unknown_run" in result.stderr and "nope" in result.stderr


def test_feedback_is_stored_and_validated(settings, seeded, run_store: RunStore) -> None:
    given = postgraph(settings, "runs", "feedback", "run-done", "--score", "0.8", "--comment", "good hook")
    assert given.returncode == 0, given.stderr
    assert "langfuse: not configured" in given.stdout
    assert [(f["score"], f["comment"]) for f in run_store.require("run-done")["feedback"]] == [(0.8, "good hook")]

    refused = postgraph(settings, "runs", "feedback", "run-done", "--score", "1.5")
    assert refused.returncode == 2 and len(run_store.require("run-done")["feedback"]) == 1
    shown = postgraph(settings, "runs", "show", "run-done")
    assert "feedback 0.80 (user" in shown.stdout and "good hook" in shown.stdout


def test_feedback_reaches_langfuse_as_a_score(settings, seeded, run_store: RunStore) -> None:
    run_id = uuid.uuid4().hex
    run_store.start(run_id, "thread-c", "a post")
    run_store.finish(run_id, {"status": "done"})
    with LangfuseTestServer(public_key=f"pk-lf-{uuid.uuid4().hex[:10]}") as server:
        result = postgraph(settings, "runs", "feedback", run_id, "--score", "0.9", "--comment", "ship it", "--json",
                           LANGFUSE_PUBLIC_KEY=server.public_key, LANGFUSE_SECRET_KEY=SECRET_KEY,
                           LANGFUSE_HOST=server.url)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["langfuse"] == "sent"
        assert [(s["traceId"], s["name"], s["value"], s["comment"]) for s in server.scores] == [
            (run_id, "user_feedback", 0.9, "ship it")]


def test_feedback_with_langfuse_hanging_is_stored_and_bounded(settings, seeded, run_store: RunStore) -> None:
    with SilentServer() as silent:
        started = time.perf_counter()
        result = postgraph(settings, "runs", "feedback", "run-done", "--score", "0.3",
                           LANGFUSE_PUBLIC_KEY="pk-lf-silent", LANGFUSE_SECRET_KEY=SECRET_KEY,
                           LANGFUSE_HOST=silent.url, POSTGRAPH_LANGFUSE_TIMEOUT_S="1")
        seconds = time.perf_counter() - started
    assert result.returncode == 0, result.stderr
    assert "not confirmed within 1.0s" in result.stdout
    assert run_store.require("run-done")["feedback"][-1]["score"] == 0.3
    assert seconds < 15, "the wait for Langfuse is bounded (flush, then exit: about 2s on top of start-up)"
