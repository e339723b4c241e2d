"""The gate's report as one HTML page, from the JSON report (`GateRun.as_dict()`): the decision
and its problems first, then the candidate against the baseline as a forest plot, the metrics,
the cases (failing scores marked, each post collapsed) and the versions side by side."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from postgraph.reporting.charts import ForestRow, forest_plot
from postgraph.reporting.page import (
    Cell,
    CellValue,
    bullet_list,
    details,
    figure,
    number,
    page,
    paragraph,
    section,
    table,
)

TOOLTIP_CHARS = 300
SUMMARY_CHARS = 70


def render_gate_report(report: Mapping[str, Any]) -> str:
    passed = bool(report.get("passed"))
    candidate = str(report.get("candidate", ""))
    metrics: Mapping[str, Mapping[str, Any]] = report.get("metrics") or {}
    fragments = [_decision(report, passed)]
    rows = [ForestRow(name, v["delta"]["mean"], v["delta"]["low"], v["delta"]["high"])
            for name, v in metrics.items() if v.get("delta")]
    if report.get("baseline_results") is not None:
        fragments.append(section("Candidate against the baseline", [
            paragraph("Mean difference per metric (candidate minus production baseline, paired by case) with its "
                      "95% bootstrap interval. Left of the dashed line the candidate scores lower; an interval "
                      "wholly on that side is a significant drop."),
            figure(forest_plot(rows, f"{candidate} minus baseline"), "deltas")]))
    fragments.append(section("Metrics", [_metrics_table(metrics)]))
    fragments.append(section("Cases", [_cases_table(report, list(metrics))]))
    if report.get("versions"):
        fragments.append(section("Versions", [_versions_table(report["versions"], report.get("baseline_versions"))]))
    return page(f"Release gate {'passed' if passed else 'failed'}: {candidate}", fragments)


def _decision(report: Mapping[str, Any], passed: bool) -> str:
    problems = [str(problem) for problem in report.get("problems") or []]
    verdict = ("Passed: every metric meets its thresholds and nothing regressed against the baseline." if passed
               else f"Failed: {len(problems)} problem{'' if len(problems) == 1 else 's'}.")
    cases = report.get("cases") or []
    facts = (f"{report.get('date', '')} · candidate {report.get('candidate', '')} · {len(cases)} cases "
             f"({report.get('selection', '')}) · golden set {str(report.get('golden_set_sha256', ''))[:12]} · "
             f"thresholds version {report.get('thresholds_version', '')} · "
             + ("compared with the production baseline" if report.get("baseline_results") is not None
                else "no baseline run"))
    fragments = [paragraph(verdict, f"verdict {'pass' if passed else 'fail'}"), paragraph(facts, "muted")]
    if problems:
        fragments.append(bullet_list(problems, "problems"))
    return section("Decision", fragments)


def _metrics_table(metrics: Mapping[str, Mapping[str, Any]]) -> str:
    rows: list[list[CellValue]] = []
    for name, verdict in metrics.items():
        delta = verdict.get("delta")
        shift = "" if not delta else f"{delta['mean']:+.3f} ({delta['low']:+.3f} to {delta['high']:+.3f})"
        rows.append([name, verdict.get("mean"), f"{verdict.get('failing_share', 0):.0%}", shift,
                     "; ".join(verdict.get("problems") or [])])
    return table(("metric", "mean", "failing cases", "vs baseline (95% interval)", "problems"), rows,
                 ["fail" if verdict.get("problems") else None for verdict in metrics.values()])


def _cases_table(report: Mapping[str, Any], metric_names: Sequence[str]) -> str:
    baseline = {case.get("case"): case for case in report.get("baseline_results") or []}
    rows: list[list[CellValue]] = []
    for case in report.get("candidate_results") or []:
        status = str(case.get("status", "")) + (f" ({case['error']})" if case.get("error") else "")
        scores = case.get("scores") or {}
        before = (baseline.get(case.get("case")) or {}).get("scores") or {}
        rows.append([case.get("case", ""), case.get("split", ""), status, number(case.get("seconds"), 1),
                     *(_score_cell(scores.get(name), before.get(name)) for name in metric_names),
                     _post_cell(str(case.get("post") or ""))])
    return table(("case", "split", "status", "seconds", *metric_names, "post"), rows)


def _score_cell(score: Mapping[str, Any] | None, baseline: Mapping[str, Any] | None) -> Cell:
    if score is None:
        return Cell(text="—")
    failed = not score.get("passed", True)
    # A mark besides the colour, for readers who cannot tell red from green.
    text = number(score.get("value")) + (" ✗" if failed else "")
    notes = []
    if baseline is not None:
        notes.append(f"baseline {number(baseline.get('value'))}")
    if failed and score.get("details"):
        notes.append(json.dumps(score["details"], default=str, ensure_ascii=False))
    return Cell(text=text, css_class="number fail" if failed else "number",
                tooltip="; ".join(notes)[:TOOLTIP_CHARS] or None)


def _post_cell(post: str) -> Cell:
    if not post.strip():
        return Cell(text="no post", css_class="muted")
    first_line = post.strip().splitlines()[0]
    summary = first_line if len(first_line) <= SUMMARY_CHARS else first_line[:SUMMARY_CHARS - 1] + "…"
    return Cell(html=details(summary, post))


def _versions_table(versions: Mapping[str, Any], baseline: Mapping[str, Any] | None) -> str:
    """The candidate's versions, beside the baseline's when there is one (changed rows marked)."""
    if baseline is None:
        return table(("component", "version"), [[name, str(value)] for name, value in versions.items()])
    names = list(dict.fromkeys([*versions, *baseline]))
    return table(("component", "candidate", "production baseline"),
                 [[name, str(versions.get(name, "—")), str(baseline.get(name, "—"))] for name in names],
                 ["changed" if versions.get(name) != baseline.get(name) else None for name in names])
