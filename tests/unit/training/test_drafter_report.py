"""The drafter report reads gate results and writes a table and a plot a person can check."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from postgraph.quality.metrics import METRIC_NAMES
from training.drafter.report import main

POST = "A red build beat a quiet regression.\n\nOur drift alert fired within a day.\n\n#MLOps"


def case_result(case: str, status: str, passed: bool, value: float, tokens: int) -> dict:
    scores = {name: {"value": value, "passed": passed, "details": {}} for name in METRIC_NAMES}
    scores["grounding"]["details"] = {"unsupported": [] if passed else ["an invented claim"]}
    return {"case": case, "post": POST, "status": status, "seconds": 10.0, "tokens": tokens, "scores": scores}


def test_the_report_compares_base_and_fine_tuned_case_by_case(tmp_path) -> None:
    cases = ("drift-alert", "oncall-notes")
    gate = {"baseline_versions": {"model.drafter": "drafter@1#a5fd3b62230a"},
            "versions": {"model.drafter": "drafter@2#0123456789ab"},
            "baseline_results": [case_result(c, "quoted", False, 0.5, 300) for c in cases],
            "candidate_results": [case_result(c, "done", True, 1.0, 200) for c in cases]}
    path = tmp_path / "gate.json"
    path.write_text(json.dumps(gate))
    out = tmp_path / "docs" / "drafter-report"
    assert main(["--gate", f"shared={path}", "--out", str(out)]) == 0

    table = out.with_suffix(".md").read_text()
    rows = [line for line in table.splitlines() if line.startswith("| base") or line.startswith("| shared")]
    assert len(rows) == 2
    base, tuned = ([cell.strip() for cell in row.strip("|").split("|")] for row in rows)
    # drafter, cases, model-written, format, coherence, originality, F+C+O, grounding, unsupported claims
    assert base[1:9] == ["2", "0%", "0%", "0%", "0%", "0%", "0.500", "2"]
    assert tuned[1:9] == ["2", "100%", "100%", "100%", "100%", "100%", "1.000", "0"]
    assert base[-2:] == ["300", "10.0"] and tuned[-2:] == ["200", "10.0"]
    svg = ET.fromstring(out.with_suffix(".svg").read_text())
    labels = [g.get("data-label") for g in svg.iter("{http://www.w3.org/2000/svg}g") if g.get("data-label")]
    assert "shared: format" in labels and "shared: originality" in labels
