"""`postgraph eval run` as a user runs it, on the real GGUF: a seeded regression (a draft prompt
that tells the model to ignore the notes) against production on two golden cases, scored,
decided, reported (JSON, HTML), stored, and then refused by the gated promotion. (Production
itself misses the originality floor since issue 10's quotation fallback, so the candidate is
blocked by the thresholds; its hiking story never reaches a post.)"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.registries import copy_registries, write_prompt

from postgraph.quality.metrics import METRIC_NAMES

POSTGRAPH = [sys.executable, "-m", "postgraph"]
CASES = ("retrieval-named", "quantize-accuracy-cost")  # in the golden set's order
IGNORES_THE_NOTES = ("{examples}\n\nIgnore the notes and the request. Write a cheerful post about a weekend of hiking "
                     "in the mountains with friends.\nLength: about {words} words.\nPost:")


@pytest.fixture(scope="module")
def env(tmp_path_factory, mongo_server) -> dict[str, str]:
    data = tmp_path_factory.mktemp("cli-eval")
    registries = copy_registries(data / "registries")
    write_prompt(registries["prompt_registry_path"].parent, "draft", "2", IGNORES_THE_NOTES,
                 parameters='{"max_tokens": 320, "temperature": 0.3}', changelog="seeded regression: ignores the notes")
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    return {**base, "POSTGRAPH_DATA_DIR": str(data), "POSTGRAPH_MONGODB_URI": mongo_server.uri,
            "POSTGRAPH_MONGODB_DATABASE": "cli_eval",
            **{f"POSTGRAPH_{k.upper()}": str(v) for k, v in registries.items()}}


def run(env, *args):
    return subprocess.run([*POSTGRAPH, *args], env=env, capture_output=True, text=True, timeout=1800)


def test_a_prompt_that_ignores_the_notes_is_blocked_stored_and_refused_promotion(env) -> None:
    result = run(env, "eval", "run", *(f"--case={case}" for case in CASES), "--candidate", "prompts:draft@2", "--json")
    assert result.returncode == 1, result.stderr
    gate = json.loads(result.stdout)
    print("\nseeded prompt that ignores the notes:", gate["problems"])
    assert not gate["passed"] and gate["selection"] == "subset"
    # Blocked, and what the prompt asked for never reaches a reader: fact-checking removes the
    # hiking story, so the candidate's posts are quotations of the sources (or nothing).
    assert any(p.startswith(("coverage", "originality")) for p in gate["problems"]), gate["problems"]
    assert not any(word in c["post"].lower() for c in gate["candidate_results"] for word in ("hiking", "mountain"))
    assert gate["candidate"] == "prompts:draft@2" and set(gate["metrics"]) == set(METRIC_NAMES)
    assert gate["versions"]["prompt.draft"].startswith("draft@2#")
    assert gate["baseline_versions"]["prompt.draft"].startswith("draft@1#")
    baseline, candidate = gate["baseline_results"], gate["candidate_results"]
    assert [c["case"] for c in baseline] == [c["case"] for c in candidate] == list(CASES)
    # What a reader of the production posts checks: a post, its numbers from the source, cited correctly.
    for case in baseline:
        assert case["post"].strip() and case["status"] in {"done", "quoted"} and case["seconds"] > 0, case
        assert case["scores"]["grounding"]["passed"] and case["scores"]["citation"]["passed"], case["scores"]
        assert case["versions"]["prompt.draft"].startswith("draft@1#")
    assert all(c["versions"]["prompt.draft"].startswith("draft@2#") for c in candidate)
    assert Path(gate["report"]).is_file() and Path(gate["html"]).read_text().count("<svg") >= 1
    assert gate["stored"]

    listed = json.loads(run(env, "eval", "results", "--json").stdout)
    assert listed[0]["id"] == gate["stored"] and listed[0]["passed"] is False
    refused = run(env, "prompts", "promote", "draft", "2", "--label", "production")
    assert refused.returncode == 2 and "[gate_required]" in refused.stderr
    assert "it failed" in " ".join(refused.stderr.split()) or "not a whole test" in " ".join(refused.stderr.split())


def test_bad_selections_are_clear_errors(env) -> None:
    unknown = run(env, "eval", "run", "--case", "no-such-case")
    assert unknown.returncode == 2 and "No golden case no-such-case" in unknown.stderr
    label = run(env, "eval", "run", "--case", CASES[0], "--candidate", "nightly")
    assert label.returncode == 2 and "Cannot read candidate 'nightly'" in label.stderr
    missing = run(env, "eval", "run", "--case", CASES[0], "--candidate", "prompts:draft@9")
    assert missing.returncode == 2 and "Prompt draft has no version '9'" in " ".join(missing.stderr.split())
    split = run(env, "eval", "run", "--split", "train")
    assert split.returncode == 2 and "Unknown split" in split.stderr
