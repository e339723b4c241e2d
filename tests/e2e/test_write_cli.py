"""`postgraph write` and `postgraph threads` as a user runs them, on the real GGUF."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from postgraph.ingest.pipeline import open_ingestor
from postgraph.settings import PROJECT_ROOT, Settings

POSTGRAPH = [sys.executable, "-m", "postgraph"]


@pytest.fixture(scope="module")
def env(tmp_path_factory, mongo_server) -> dict[str, str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("cli-write"), mongodb_uri=mongo_server.uri,
                        mongodb_database="cli_write")
    with open_ingestor(settings) as ingestor:
        assert not ingestor.ingest([PROJECT_ROOT / "samples" / "corpus" / "quantizing-small-model-cpu.md"]).failed
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    return {**base, "POSTGRAPH_DATA_DIR": str(settings.data_dir), "POSTGRAPH_MONGODB_URI": mongo_server.uri,
            "POSTGRAPH_MONGODB_DATABASE": "cli_write", "POSTGRAPH_MODEL_CRITIQUE": "false"}


def run(env, *args):
    return subprocess.run([*POSTGRAPH, *args], env=env, capture_output=True, text=True, timeout=600)


def test_write_then_inspect_the_thread(env) -> None:
    written = run(env, "write", "a post about serving a small model on CPUs with INT8, 60 words",
                  "--thread", "cli-1", "--max-revisions", "0", "--json")
    assert written.returncode == 0, written.stderr
    result = json.loads(written.stdout)
    assert result["thread_id"] == "cli-1" and result["status"] in {"done", "quoted", "budget_exhausted"}
    assert result["post"] and all(c["source"].endswith("quantizing-small-model-cpu.md") for c in result["citations"])
    for node in ("plan", "retrieve", "draft", "critique", "fact_check"):
        assert node in written.stderr, "progress is shown per node"

    shown = run(env, "threads", "show", "cli-1", "--json")
    assert shown.returncode == 0, shown.stderr
    body = json.loads(shown.stdout)
    assert body["state"]["post"] == result["post"] and body["next"] == []
    assert len(body["history"]) >= 7

    finished = run(env, "threads", "resume", "cli-1")
    assert finished.returncode == 2 and "nothing to resume" in finished.stderr


def test_bad_requests_and_unknown_threads_are_clear_errors(env) -> None:
    empty = run(env, "write", "  ")
    assert empty.returncode == 2 and "bad_request" in empty.stderr and "empty" in empty.stderr
    huge = run(env, "write", "x" * 5000)
    assert huge.returncode == 2 and "limit is 4000" in huge.stderr
    unknown = run(env, "threads", "show", "no-such-thread")
    assert unknown.returncode == 2 and "unknown_thread" in unknown.stderr
    replay = run(env, "threads", "replay", "no-such-thread", "--checkpoint", "x")
    assert replay.returncode == 2 and "Traceback" not in replay.stderr
