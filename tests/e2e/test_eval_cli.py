"""`postgraph eval run` as a user runs it: one golden case through the real GGUF, scored, decided
and reported (the quick subset CI runs; the whole set is `postgraph eval run --split all`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from postgraph.quality.cases import GOLDEN_DIR
from postgraph.quality.metrics import METRIC_NAMES

POSTGRAPH = [sys.executable, "-m", "postgraph"]
CASE_ID = "quantize-accuracy-cost"


@pytest.fixture(scope="module")
def env(tmp_path_factory, mongo_server) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli-eval")
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    return {**base, "POSTGRAPH_DATA_DIR": str(data), "POSTGRAPH_MONGODB_URI": mongo_server.uri,
            "POSTGRAPH_MONGODB_DATABASE": "cli_eval", "POSTGRAPH_MODEL_CRITIQUE": "false",
            "POSTGRAPH_MAX_REVISIONS": "1"}


def run(env, *args):
    return subprocess.run([*POSTGRAPH, *args], env=env, capture_output=True, text=True, timeout=900)


def test_one_golden_case_is_written_scored_decided_and_reported(env) -> None:
    result = run(env, "eval", "run", "--case", CASE_ID, "--json")
    assert result.returncode in (0, 1), result.stderr
    gate = json.loads(result.stdout)
    assert gate["passed"] is (result.returncode == 0) and gate["passed"] is (not gate["problems"])
    assert gate["cases"] == [CASE_ID] and set(gate["metrics"]) == set(METRIC_NAMES)
    [case] = gate["candidate"]
    assert case["post"].strip() and case["status"] == "done" and case["seconds"] > 0
    assert case["versions"]["model.drafter"] and case["versions"]["prompt.draft"].startswith("draft@")
    # What a reader checks: the numbers in the post are the source's, and citations point at it.
    assert case["scores"]["grounding"]["details"]["claims"] > 0
    assert case["scores"]["citation"]["passed"], case["scores"]["citation"]["details"]
    assert "2 points" not in case["post"]
    report = Path(gate["report"])
    assert report.is_file() and json.loads(report.read_text())["cases"] == [CASE_ID]


def test_bad_selections_are_clear_errors(env) -> None:
    unknown = run(env, "eval", "run", "--case", "no-such-case")
    assert unknown.returncode == 2 and "No golden case no-such-case" in unknown.stderr
    label = run(env, "eval", "run", "--case", CASE_ID, "--candidate", "nightly")
    assert label.returncode == 2 and "Unknown label 'nightly'" in label.stderr
    split = run(env, "eval", "run", "--split", "train")
    assert split.returncode == 2 and "Unknown split" in split.stderr
    assert (GOLDEN_DIR / "cases.jsonl").is_file()
