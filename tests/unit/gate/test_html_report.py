"""The gate's HTML report, rendered from a real `GateRun.as_dict()` (scores made up, decision
real) and read back: the decision first, a forest row per metric on the right side of zero,
failing scores marked, posts escaped and collapsed."""

from __future__ import annotations

import pytest
from support.html_pages import by_class, charts, read_page

from postgraph.gate.candidates import Candidate, parse_candidate
from postgraph.gate.evaluate import GateRun, by_metric
from postgraph.gate.html import render_gate_report
from postgraph.gate.run import CaseResult
from postgraph.quality.gate import Threshold, Thresholds, decide
from postgraph.quality.metrics import METRIC_NAMES, Score

THRESHOLDS = Thresholds(version=3, metrics={"grounding": Threshold(max_failing_share=0.0, tolerance=0.0)})
PRODUCTION = {"prompt.draft": "draft@2#0a1b2c3d4e5f", "retrieval": "retrieval@1#99aa88bb77cc"}
CANDIDATE = {**PRODUCTION, "prompt.draft": "draft@3#ab12cd34ef56"}
HOSTILE_POST = "Our <script>alert('hook')</script> & friends\n\nRecall fell to 0.71.\n\n#MLOps"


def case(number: int, grounding: float, post: str = "A hook line\n\nBody.\n\n#Evals") -> CaseResult:
    scores = {name: Score(name, 0.9, True) for name in METRIC_NAMES}
    scores["grounding"] = Score("grounding", grounding, grounding == 1.0, {"unsupported": ["It cut costs by 45%."]})
    scores["format"] = Score("format", 0.8 + number * 0.02, True)
    return CaseResult(f"case-{number}", "dev", post, "done", scores, seconds=3.25)


@pytest.fixture
def report() -> dict:
    """A candidate that loses grounding on every case and gains a little format."""
    baseline = [case(n, 1.0) for n in range(6)]
    candidate = [case(n, 0.5, HOSTILE_POST if n == 0 else "A hook line\n\nBody.\n\n#Evals") for n in range(6)]
    candidate = [CaseResult(c.case_id, c.split, c.post, c.status,
                            {**c.scores, "format": Score("format", c.scores["format"].value + 0.1, True)}, c.seconds)
                 for c in candidate]
    decision = decide(by_metric(candidate), THRESHOLDS, by_metric(baseline))
    return GateRun(thresholds=THRESHOLDS, candidate=parse_candidate(["prompts:draft@3"]), selection="dev",
                   golden_set_sha256="f" * 64, versions=CANDIDATE, candidate_results=candidate,
                   baseline_versions=PRODUCTION, baseline_results=baseline, decision=decision).as_dict()


def test_the_decision_and_its_problems_come_first(report):
    read = read_page(render_gate_report(report))
    assert read.all("h1")[0].text == "Release gate failed: prompts:draft@3"
    assert read.all("h2")[0].text == "Decision"
    (verdict,) = read.all("p", "verdict")
    assert "fail" in verdict.classes and verdict.text.startswith("Failed: ")
    problems = [li.text for li in read.all("li")]
    assert problems == report["problems"] and any(p.startswith("grounding: worse than the baseline") for p in problems)


def test_the_forest_plot_has_a_row_per_metric_with_a_drop_left_of_zero(report):
    (forest,) = charts(render_gate_report(report))
    rows = {row.get("data-label"): row for row in by_class(forest, "g", "forest-row")}
    assert list(rows) == list(METRIC_NAMES)
    zero = float(by_class(forest, "line", "zero")[0].get("x1"))

    def estimate(name: str) -> float:
        return float(by_class(rows[name], "circle", "estimate")[0].get("cx"))

    assert report["metrics"]["grounding"]["delta"]["mean"] == -0.5 and estimate("grounding") < zero
    assert report["metrics"]["format"]["delta"]["mean"] > 0 and estimate("format") > zero


def test_metric_and_case_tables_mark_what_fails(report):
    read = read_page(render_gate_report(report))
    failing_rows = [row.text for row in read.all("tr", "fail")]
    assert len(failing_rows) == 1 and failing_rows[0].startswith("grounding")
    marked = read.all("td", "fail")
    assert len(marked) == 6 and all(cell.text == "0.500 ✗" for cell in marked)  # every case's grounding
    assert "baseline 1.000" in marked[0].attrs["title"] and "45%" in marked[0].attrs["title"]
    headers = [cell.text for cell in read.all("th")]
    columns = ["case", "split", "status", "seconds", *METRIC_NAMES, "post"]
    start = headers.index("case")
    assert headers[start:start + len(columns)] == columns
    assert [cell.text for cell in read.all("td")].count("case-0") == 1


def test_posts_are_escaped_and_collapsed(report):
    html = render_gate_report(report)
    read = read_page(html)
    assert not read.all("script")
    posts = [pre.text for pre in read.all("pre")]
    assert posts[0] == HOSTILE_POST and len(posts) == 6
    assert read.all("summary")[0].text == "Our <script>alert('hook')</script> & friends"


def test_versions_sit_beside_the_baseline_and_the_change_is_marked(report):
    read = read_page(render_gate_report(report))
    (changed,) = read.all("tr", "changed")
    assert changed.text == "prompt.draft" + "draft@3#ab12cd34ef56" + "draft@2#0a1b2c3d4e5f"
    assert "retrieval@1#99aa88bb77cc" in [cell.text for cell in read.all("td")]


def test_a_baseline_alone_has_no_forest_plot_and_says_it_passed():
    results = [case(n, 1.0) for n in range(3)]
    report = GateRun(thresholds=THRESHOLDS, candidate=Candidate(), selection="dev", golden_set_sha256="f" * 64,
                     versions=PRODUCTION, candidate_results=results, baseline_versions=None, baseline_results=None,
                     decision=decide(by_metric(results), THRESHOLDS)).as_dict()
    html = render_gate_report(report)
    read = read_page(html)
    assert charts(html) == [] and "pass" in read.all("p", "verdict")[0].classes
    assert "no baseline run" in read.all("p", "muted")[0].text and not read.all("td", "fail")
    assert [h.text for h in read.all("th")][-2:] == ["component", "version"] and not read.all("tr", "changed")
