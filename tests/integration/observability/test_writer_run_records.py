"""Every writer call is one run record in the real store: write, approval and resume, a crash
and the resume after it, time travel; errors are recorded and re-raised."""

from __future__ import annotations

import pytest
from support.fake_graph import GOOD, NO_ISSUES, PLAN, REQUEST

from postgraph.errors import PostgraphError
from postgraph.stores.runs import RunStore


def fail_drafter_once(writer, monkeypatch, error: Exception) -> None:
    drafter = writer.adapters.chat_model("fake:drafter")
    original = type(drafter).invoke
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):
        if self is drafter:
            calls["n"] += 1
            if calls["n"] == 1:
                raise error
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(drafter), "invoke", flaky)


def test_a_write_records_versions_timings_model_calls_budget_and_verdicts(make_writer, run_store: RunStore) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    outcome = writer.write(REQUEST, thread_id="thread-write")
    result = outcome.as_dict()

    assert result["run_id"] == outcome.run_id and len(outcome.run_id) == 32
    records = run_store.list(thread_id="thread-write")
    assert [r["_id"] for r in records] == [outcome.run_id]
    record = records[0]
    assert record["kind"] == "write" and record["status"] == "done" and record["request"] == REQUEST
    assert record["versions"] == result["versions"]
    assert record["versions"]["model.drafter"] == "fake:drafter" and "prompt.draft" in record["versions"]
    assert set(record["timings"]) == {"plan", "retrieve", "check_request", "draft", "critique", "fact_check", "finalize"}
    assert record["model_calls"] == 3 and record["tokens"] == result["budget"]["tokens"]
    called = [(s["node"], s["model_calls"], s.get("model")) for s in record["steps"] if s["model_calls"]]
    assert called == [("plan", 1, "fake:planner"), ("draft", 1, "fake:drafter"), ("critique", 1, "fake:critic")]
    assert record["budget"] == result["budget"]
    assert record["verdicts"] == {"supported": len(result["claim_checks"])} and record["verdicts"]["supported"] > 0
    assert record["citations"] == len(result["citations"]) and record["post"] == GOOD
    assert record["context"]["max_revisions"] == writer.settings.max_revisions
    assert record["unsupported_requests"] == [] and "error" not in record
    assert record["duration_s"] > 0


def test_approval_and_resume_are_two_runs_of_one_thread(make_writer, run_store: RunStore) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    waiting = writer.write(REQUEST, require_approval=True)
    edited = GOOD.replace("Cheap evals", "The gate fails the build if recall@10 drops by more than 3 points. Cheap evals")
    done = writer.resume(waiting.thread_id, decision={"action": "edit", "post": edited})

    first, second = run_store.require(waiting.run_id), run_store.require(done.run_id)
    assert first["status"] == "awaiting_approval" and first["post"] == GOOD and first["next"] == ["approve"]
    assert first["context"]["require_approval"] is True
    assert second["kind"] == "resume" and second["status"] == "done" and second["post"] == edited
    assert second["decision"] == {"action": "edit", "post": edited}
    assert second["request"] == REQUEST, "a resume is recorded with the thread's request"
    assert set(second["timings"]) <= {"approve", "fact_check", "finalize"} and "approve" in second["timings"]
    assert second["model_calls"] == 0, "approving calls no model"
    assert [r["_id"] for r in run_store.list(thread_id=waiting.thread_id)] == [done.run_id, waiting.run_id]


def test_a_node_that_raises_is_an_error_run_and_the_error_propagates(make_writer, run_store, monkeypatch) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    fail_drafter_once(writer, monkeypatch, RuntimeError("model process died"))
    with pytest.raises(RuntimeError, match="model process died"):
        writer.write(REQUEST, thread_id="thread-crash")
    (failed,) = run_store.list(thread_id="thread-crash")
    assert failed["status"] == "error"
    assert failed["error"] == {"code": "RuntimeError", "message": "model process died"}
    assert set(failed["timings"]) == {"plan", "retrieve", "check_request"} and failed["model_calls"] == 1
    assert failed["finished_at"] is not None

    resumed = writer.resume("thread-crash")
    assert resumed.as_dict()["status"] == "done"
    latest = run_store.list(thread_id="thread-crash")[0]
    assert latest["_id"] == resumed.run_id and latest["kind"] == "resume" and latest["status"] == "done"
    assert latest["resumed_at"] == ["draft"] and "plan" not in latest["timings"], "nothing done is redone"


def test_a_postgraph_error_keeps_its_code(make_writer, run_store, monkeypatch) -> None:
    from postgraph.errors import ModelUnavailable

    writer = make_writer(planner=[PLAN], drafter=[GOOD])
    fail_drafter_once(writer, monkeypatch, ModelUnavailable("Ollama at http://127.0.0.1:9 did not answer"))
    with pytest.raises(ModelUnavailable):
        writer.write(REQUEST, thread_id="thread-down")
    (failed,) = run_store.list(thread_id="thread-down")
    assert failed["error"]["code"] == "model_unavailable"


def test_refused_calls_are_not_runs(make_writer, run_store) -> None:
    writer = make_writer()
    with pytest.raises(PostgraphError):
        writer.write("   ")
    with pytest.raises(PostgraphError):
        writer.resume("no-such-thread")
    assert run_store.count() == 0


def test_time_travel_is_a_replay_run_from_its_checkpoint(make_writer, run_store) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD, GOOD], critic=[NO_ISSUES, NO_ISSUES])
    first = writer.write(REQUEST, max_revisions=0)
    before_draft = next(s for s in writer.history(first.thread_id) if s.next == ("draft",))
    checkpoint = before_draft.config["configurable"]["checkpoint_id"]
    replayed = writer.replay(first.thread_id, checkpoint)
    record = run_store.require(replayed.run_id)
    assert record["kind"] == "replay" and record["checkpoint_id"] == checkpoint and record["status"] == "done"
    assert "plan" not in record["timings"] and record["model_calls"] == 2, "draft and critique again, not plan"


def test_without_a_run_store_nothing_is_recorded(make_writer, run_store) -> None:
    writer = make_writer(record=False, planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    outcome = writer.write(REQUEST)
    assert outcome.run_id and run_store.count() == 0


def test_open_writer_records_runs_in_the_configured_store(settings, monkeypatch) -> None:
    """`open_writer` opens the run store through postgraph.stores.open.open_run_store on the
    first run only (showing a thread needs no store)."""
    from postgraph.graph.writer import open_writer
    from postgraph.observability.logging import remove_logging
    from postgraph.stores import open as store_open

    opened = []
    real = store_open.open_run_store

    def counting(s):
        opened.append(s.mongodb_database)
        return real(s)

    monkeypatch.setattr(store_open, "open_run_store", counting)
    with open_writer(settings.model_copy(update={"log_level": "WARNING"})) as writer:
        assert opened == []
        store = writer.run_store
        assert opened == [settings.mongodb_database] and writer.run_store is store
        store.start("probe", "t", "r")
        assert store.require("probe")["status"] == "running"
    with open_writer(settings.model_copy(update={"record_runs": False})) as writer:
        assert writer.run_store is None
    remove_logging()
