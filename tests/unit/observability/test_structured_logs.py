"""JSON-lines logs stamped with run and thread ids: the formatter, the context, propagation into
threads the way LangGraph runs nodes, and the ids on records emitted inside a real graph run."""

from __future__ import annotations

import contextvars
import io
import json
import logging
from concurrent.futures import ThreadPoolExecutor

import pytest
from support.fake_graph import GOOD, REQUEST

from postgraph.observability.logging import (
    JsonFormatter,
    RunContextFilter,
    configure_logging,
    current_ids,
    log_file,
    remove_logging,
    run_context,
)
from postgraph.settings import Settings


@pytest.fixture
def captured(tmp_path):
    """configure_logging with a JSON handler writing into a buffer; removed afterwards."""
    buffer = io.StringIO()
    configure_logging(Settings(data_dir=tmp_path, log_format="json", log_level="INFO"), stream=buffer)
    yield buffer
    remove_logging()


def lines(buffer: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def record(message: str = "hello", **extra) -> logging.LogRecord:
    rec = logging.LogRecord("postgraph.test", logging.WARNING, __file__, 1, message, None, None)
    for key, value in extra.items():
        setattr(rec, key, value)
    return rec


def test_json_formatter_writes_one_object_with_fixed_and_extra_fields() -> None:
    rec = record("budget ran out after %d calls", attempts=2, node="draft")
    rec.args = (3,)
    RunContextFilter().filter(rec)
    line = JsonFormatter().format(rec)
    entry = json.loads(line)
    assert "\n" not in line
    assert entry["level"] == "WARNING" and entry["logger"] == "postgraph.test"
    assert entry["message"] == "budget ran out after 3 calls"
    assert entry["ts"].endswith("Z") and "T" in entry["ts"]
    assert entry["run_id"] is None and entry["thread_id"] is None
    assert entry["attempts"] == 2 and entry["node"] == "draft"


def test_json_formatter_includes_the_exception() -> None:
    try:
        raise ValueError("bad output")
    except ValueError:
        import sys

        rec = logging.LogRecord("postgraph.x", logging.ERROR, __file__, 1, "failed", None, sys.exc_info())
    entry = json.loads(JsonFormatter().format(rec))
    assert entry["exc_type"] == "ValueError" and entry["exc_message"] == "bad output"
    assert "Traceback" in entry["traceback"]


def test_run_context_stamps_ids_and_restores_the_outer_ones() -> None:
    with run_context("run-1", "thread-1"):
        rec = record()
        RunContextFilter().filter(rec)
        assert (rec.run_id, rec.thread_id) == ("run-1", "thread-1")
        with run_context("run-2", "thread-1"):
            assert current_ids() == {"run_id": "run-2", "thread_id": "thread-1"}
        assert current_ids()["run_id"] == "run-1"
    assert current_ids() == {"run_id": None, "thread_id": None}


def test_an_explicit_id_on_the_record_wins() -> None:
    with run_context("run-1", "thread-1"):
        rec = record(run_id="other")
        RunContextFilter().filter(rec)
    assert rec.run_id == "other" and rec.thread_id == "thread-1"


def test_ids_reach_threads_that_run_in_a_copied_context(captured) -> None:
    """LangGraph submits nodes to its executor as `copy_context().run` (copied when submitted)."""
    log = logging.getLogger("postgraph.nodes.test")

    def node(i: int) -> None:
        log.warning("node %d ran", i)

    with run_context("run-threads", "thread-threads"), ThreadPoolExecutor(4) as pool:
        futures = [pool.submit(contextvars.copy_context().run, node, i) for i in range(4)]
        [f.result() for f in futures]
    entries = lines(captured)
    assert len(entries) == 4
    assert {(e["run_id"], e["thread_id"]) for e in entries} == {("run-threads", "thread-threads")}


def test_configure_logging_is_idempotent_and_levels_apply(tmp_path) -> None:
    buffer = io.StringIO()
    settings = Settings(data_dir=tmp_path, log_format="json", log_level="WARNING")
    try:
        configure_logging(settings, stream=io.StringIO())
        configure_logging(settings, stream=buffer)
        owned = [h for h in logging.getLogger("postgraph").handlers if getattr(h, "_postgraph", False)]
        assert len(owned) == 1
        logging.getLogger("postgraph.x").info("not written")
        logging.getLogger("postgraph.x").warning("written")
        assert [e["message"] for e in lines(buffer)] == ["written"]
    finally:
        remove_logging()


def test_text_format_and_file_destination(tmp_path) -> None:
    settings = Settings(data_dir=tmp_path, log_format="text", log_to="file", log_level="INFO")
    try:
        configure_logging(settings)
        with run_context("run-text", "thread-text"):
            logging.getLogger("postgraph.y").info("plain line")
    finally:
        remove_logging()
    text = log_file(settings).read_text()
    assert log_file(settings) == tmp_path / "logs" / "postgraph.jsonl"
    assert "INFO postgraph.y [run=run-text thread=thread-text] plain line" in text


def test_degraded_structured_output_warning_in_a_graph_run_carries_the_ids(make_writer, captured) -> None:
    writer = make_writer(planner=["not json", "{still not json"], drafter=[GOOD], critic=['{"issues": []}'])
    outcome = writer.write(REQUEST, thread_id="thread-logs")
    entries = lines(captured)
    degraded = [e for e in entries if e["logger"] == "postgraph.llm.structured" and "degraded path" in e["message"]]
    assert degraded, entries
    assert all(e["run_id"] == outcome.run_id and e["thread_id"] == "thread-logs" for e in degraded)
    started = [e for e in entries if e["message"] == "run started"]
    finished = [e for e in entries if e["message"] == "run finished"]
    assert started[0]["run_id"] == finished[0]["run_id"] == outcome.run_id
    assert finished[0]["status"] == "done" and finished[0]["model_calls"] == 4
    assert current_ids() == {"run_id": None, "thread_id": None}, "the ids do not leak out of the run"
