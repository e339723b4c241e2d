"""The release gate as CI runs it, on the real GGUF: `postgraph eval ci` compares this checkout's
production versions with the committed baseline and runs the quick subset (nothing the gate
measures changed) or every case (a prompt, model, strategy, example, case or threshold did).
It must pass, and the posts must pass what a reader checks first."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from postgraph.gate.baseline import CommittedBaseline
from postgraph.settings import Settings


@pytest.mark.timeout(3600)  # the full suite, when this change touched what the gate measures
def test_the_gate_ci_runs_passes_and_compares_with_the_committed_baseline(tmp_path, mongo_server) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    env.update({"POSTGRAPH_DATA_DIR": str(tmp_path / "data"), "POSTGRAPH_MONGODB_URI": mongo_server.uri,
                "POSTGRAPH_MONGODB_DATABASE": "gate_ci"})
    result = subprocess.run([sys.executable, "-m", "postgraph", "eval", "ci", "--json"], env=env, capture_output=True,
                            text=True, timeout=3500)
    assert result.returncode in (0, 1), result.stderr
    gate = json.loads(result.stdout)
    print(f"\ngate in CI: {gate['selection']}, {len(gate['cases'])} cases, problems: {gate['problems']}")
    assert result.returncode == 0 and gate["passed"], gate["problems"]

    settings = Settings()
    committed = CommittedBaseline.load(settings.gate_baseline_path)
    if gate["selection"] == "ci-quick":
        assert gate["cases"] == [c for c in (r["case"] for r in committed.results) if c in settings.gate_quick_cases]
        assert gate["versions"] == committed.versions
    else:
        assert gate["selection"] == "ci-full" and len(gate["cases"]) == len(committed.results)
    compared = {r["case"] for r in gate["baseline_results"]}
    assert compared and compared <= set(gate["cases"])
    for case in gate["candidate_results"]:
        scores = case["scores"]
        assert case["status"] in ("done", "quoted", "abstained", "no_evidence", "budget_exhausted"), case
        assert scores["grounding"]["passed"], (case["case"], scores["grounding"]["details"])  # nothing unsupported
        assert scores["coverage"]["details"]["forbidden"] == [], (case["case"], case["post"])  # nothing injected
