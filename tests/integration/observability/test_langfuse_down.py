"""Langfuse configured but down (nothing listening, or a server that accepts connections and
never answers): runs still succeed; the first is delayed by at most `langfuse_timeout_s`, the
next ones (within DOWN_BACKOFF_S) not at all. The measured overheads are printed (pytest -s)
and kept as user properties."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
import uuid

import pytest
from support.fake_graph import GOOD, NO_ISSUES, PLAN, REQUEST
from support.langfuse_server import SilentServer, closed_port

from postgraph.observability.tracing import Tracing
from postgraph.settings import PROJECT_ROOT, Settings

TIMEOUT = 1.0
SLACK = 0.75  # scheduling noise on a loaded 2-core machine


def down_settings(tmp_path, url: str) -> Settings:
    return Settings(data_dir=tmp_path, langfuse_public_key=f"pk-lf-{uuid.uuid4().hex[:10]}",
                    langfuse_secret_key="sk-lf-test", langfuse_host=url, langfuse_timeout_s=TIMEOUT)


def timed_run(make_writer, tracing) -> tuple[float, dict]:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES], tracing=tracing)
    started = time.perf_counter()
    result = writer.write(REQUEST).as_dict()
    return time.perf_counter() - started, result


@pytest.mark.parametrize("down", ["closed_port", "silent_server"])
def test_a_run_with_langfuse_down_succeeds_and_is_delayed_at_most_the_timeout(
    down, make_writer, run_store, tmp_path, record_property
) -> None:
    timed_run(make_writer, None)  # warm up (model fakes, index, imports)
    baseline = min(timed_run(make_writer, None)[0] for _ in range(2))
    with SilentServer() as silent:
        url = silent.url if down == "silent_server" else f"http://127.0.0.1:{closed_port()}"
        tracing = Tracing(down_settings(tmp_path, url))
        try:
            durations, results = [], []
            for _ in range(3):
                seconds, result = timed_run(make_writer, tracing)
                durations.append(seconds)
                results.append(result)
        finally:
            started = time.perf_counter()
            tracing.shutdown()
            shutdown = time.perf_counter() - started
    overheads = [round(d - baseline, 3) for d in durations]
    print(f"\n[{down}] baseline {baseline:.3f}s, runs {[round(d, 3) for d in durations]}, "
          f"added {overheads}, shutdown {shutdown:.3f}s (timeout {TIMEOUT}s)")
    record_property(f"langfuse_{down}_added_seconds", overheads)
    assert all(r["status"] == "done" and r["post"] == GOOD for r in results)
    assert all(run_store.require(r["run_id"])["status"] == "done" for r in results), "runs are still recorded"
    assert overheads[0] <= TIMEOUT + SLACK, "the first run waits for Langfuse at most the timeout"
    assert max(overheads[1:]) <= SLACK, "the next runs do not wait for a Langfuse that just timed out"
    assert shutdown <= TIMEOUT + SLACK


def test_process_exit_is_not_held_up_by_an_unreachable_langfuse(tmp_path, record_property) -> None:
    """The SDK's own exit hook would wait for every retry against a hanging server; ours waits
    at most the timeout. Compared with the same process without Langfuse."""
    script = textwrap.dedent("""
        import sys
        from langchain_core.language_models.fake_chat_models import FakeListChatModel
        from postgraph.settings import Settings
        from postgraph.observability.tracing import langfuse_callbacks, score_run
        url = sys.argv[1] or None
        s = Settings(langfuse_public_key="pk-lf-exit", langfuse_secret_key="sk", langfuse_host=url,
                     langfuse_timeout_s=1.0)
        run_id = "0" * 31 + "1"
        callbacks = langfuse_callbacks(s, run_id=run_id, thread_id="t")
        FakeListChatModel(responses=["hi"]).invoke("hello", config={"callbacks": callbacks})
        score_run(s, run_id, "user_feedback", 1.0)
        import langfuse, opentelemetry.sdk.trace  # the same imports either way
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRAPH_", "LANGFUSE_"))}

    def run(url: str) -> float:
        started = time.perf_counter()
        result = subprocess.run([sys.executable, "-c", script, url], capture_output=True, check=False, text=True,
                                cwd=PROJECT_ROOT, env=env, timeout=120)
        assert result.returncode == 0, result.stderr
        return time.perf_counter() - started

    baseline = min(run("") for _ in range(2))
    with SilentServer() as silent:
        hanging = run(silent.url)
    added = hanging - baseline
    print(f"\n[exit] process without Langfuse {baseline:.2f}s, with a silent Langfuse {hanging:.2f}s "
          f"(+{added:.2f}s, timeout 1.0s)")
    record_property("langfuse_silent_exit_added_seconds", round(added, 3))
    assert added <= 2 * TIMEOUT + SLACK, "at most the final flush and the shutdown, each bounded"
