"""RunStore against the real local MongoDB-compatible server."""

from __future__ import annotations

import time

import pytest

from postgraph.stores.runs import BadFeedback, RunStore, UnknownRun

VERSIONS = {"prompt.draft": "draft@2#ab12cd34ef56", "model.drafter": "llamacpp:gemma3-270m", "embedding": "minilm@1"}


def test_a_run_is_started_then_finished_with_its_outcome(run_store: RunStore) -> None:
    run_store.start("r1", "t1", "a post about evals", {"max_revisions": 2}, kind="write", versions=VERSIONS,
                    filters={"authors": ["Ada"]})
    started = run_store.require("r1")
    assert started["status"] == "running" and started["finished_at"] is None
    assert started["versions"] == VERSIONS, "dotted version names survive the store"
    assert started["context"] == {"max_revisions": 2} and started["filters"] == {"authors": ["Ada"]}

    time.sleep(0.02)
    run_store.finish("r1", {"status": "done", "versions": {**VERSIONS, "retrieval": "hybrid"},
                            "timings": {"plan": 0.5}, "verdicts": {"supported": 3}, "citations": 3})
    done = run_store.require("r1")
    assert done["status"] == "done" and done["versions"]["retrieval"] == "hybrid"
    assert done["timings"] == {"plan": 0.5} and done["verdicts"] == {"supported": 3}
    assert done["finished_at"] >= done["started_at"] and done["duration_s"] >= 0.02


def test_a_failed_run_keeps_the_error_code_and_message(run_store: RunStore) -> None:
    run_store.start("r2", "t1", "x")
    run_store.fail("r2", "model_unavailable", "Ollama at http://127.0.0.1:11434 did not answer", timings={"plan": 0.1})
    record = run_store.require("r2")
    assert record["status"] == "error"
    assert record["error"] == {"code": "model_unavailable", "message": "Ollama at http://127.0.0.1:11434 did not answer"}
    assert record["timings"] == {"plan": 0.1}


def test_feedback_is_appended_and_validated(run_store: RunStore) -> None:
    run_store.start("r3", "t1", "x")
    run_store.add_feedback("r3", 0.8, "good hook")
    record = run_store.add_feedback("r3", 1, None, source="api")
    assert [(f["score"], f["comment"], f["source"]) for f in record["feedback"]] == [(0.8, "good hook", "user"), (1.0, None, "api")]
    for bad in (-0.1, 1.5, "high"):
        with pytest.raises(BadFeedback):
            run_store.add_feedback("r3", bad)
    with pytest.raises(UnknownRun):
        run_store.add_feedback("nope", 0.5)


def test_list_is_newest_first_and_filters(run_store: RunStore) -> None:
    for i, (thread, status) in enumerate([("ta", "done"), ("tb", "error"), ("ta", "done")]):
        run_store.start(f"l{i}", thread, f"request {i}")
        (run_store.finish(f"l{i}", {"status": status}) if status == "done" else run_store.fail(f"l{i}", "x", "y"))
        time.sleep(0.01)
    assert [r["_id"] for r in run_store.list()] == ["l2", "l1", "l0"]
    assert [r["_id"] for r in run_store.list(limit=1)] == ["l2"]
    assert [r["_id"] for r in run_store.list(status="error")] == ["l1"]
    assert [r["_id"] for r in run_store.list(thread_id="ta")] == ["l2", "l0"]
    assert run_store.count(status="done") == 2


def test_unknown_runs(run_store: RunStore) -> None:
    assert run_store.get("missing") is None
    with pytest.raises(UnknownRun, match="missing"):
        run_store.require("missing")
    with pytest.raises(UnknownRun):
        run_store.finish("missing", {"status": "done"})


def test_indexes_exist(run_store: RunStore) -> None:
    keys = {tuple(index["key"].keys()) if hasattr(index["key"], "keys") else tuple(k for k, _ in index["key"])
            for index in run_store.runs.list_indexes()}
    assert {("thread_id",), ("started_at",), ("status",)} <= keys
