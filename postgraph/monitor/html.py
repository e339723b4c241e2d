"""The monitoring report as one HTML page, from its JSON form: the alerts first, then a time
series per metric with its threshold, the buckets and the thresholds."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from postgraph.monitor.alerts import alert_text
from postgraph.reporting.charts import Point, Threshold, line_chart
from postgraph.reporting.page import Cell, CellValue, bullet_list, figure, number, page, paragraph, section, table


@dataclass(frozen=True)
class TrendChart:
    """One time series chart: its values (series label -> value name in a bucket) and the series
    its value's threshold is drawn for."""

    name: str
    title: str
    y_label: str
    series: dict[str, str]
    limited: str


DRIFT_CHARTS = (
    TrendChart("corpus_similarity", "Requests against the corpus: mean cosine similarity to the nearest chunks",
               "cosine similarity", {"similarity": "corpus_similarity"}, "similarity"),
    TrendChart("centroid_shift", "Mean request moved from the previous bucket", "cosine distance",
               {"shift": "centroid_shift"}, "shift"),
    TrendChart("retrieval_score", "Recorded evidence scores", "score",
               {"mean": "retrieval_score_mean", "median": "retrieval_score_median"}, "mean"),
)


def report_charts(report: Mapping[str, Any]) -> list[TrendChart]:
    """Every chart of the report: one per post metric, then the drift charts."""
    return [TrendChart(metric, f"{metric}: posts passing and mean score", "share / score",
                       {"pass rate": f"{metric}_rate", "mean score": f"{metric}_mean"}, "pass rate")
            for metric in report.get("metrics") or []] + list(DRIFT_CHARTS)


def render_monitor_report(report: Mapping[str, Any]) -> str:
    buckets = report.get("buckets") or []
    alerts = report.get("alerts") or []
    thresholds = report.get("thresholds") or {}
    summary = (f"{report.get('since', '')} to {report.get('until', '')} · {report.get('runs_in_window', 0)} finished "
               f"runs, {report.get('sampled', 0)} sampled (seed {report.get('seed')}) · buckets of one "
               f"{report.get('bucket_unit', '')} · embedding {report.get('embedding') or '—'}")
    verdict = f"{len(alerts)} alert{'' if len(alerts) == 1 else 's'}" if alerts else "No alert"
    top = [paragraph(verdict, f"verdict {'fail' if alerts else 'pass'}"), paragraph(summary, "muted")]
    if alerts:
        top.append(bullet_list([alert_text(alert) for alert in alerts], "alerts"))
    if report.get("notes"):
        top.append(bullet_list(report["notes"], "notes"))
    trends = []
    for chart in report_charts(report):
        limit = thresholds.get(chart.series[chart.limited])
        line = None if limit is None else Threshold(limit["value"], f"alert {limit['breach']}", limit["breach"],
                                                    chart.limited)
        trends.append(figure(line_chart({label: _points(buckets, value) for label, value in chart.series.items()},
                                        chart.title, chart.y_label, line), chart.name))
    return page("Post quality and drift in production", [
        section("Alerts", top), section("Trends", trends),
        section("Buckets", [_buckets_table(report)]),
        section("Thresholds", [table(("value", "alert when", "threshold"),
                                     [[name, limit["breach"], limit["value"]] for name, limit in thresholds.items()])]),
    ])


def _points(buckets: Sequence[Mapping[str, Any]], name: str) -> list[Point]:
    return [(dt.datetime.fromisoformat(b["start"]), b["values"][name]) for b in buckets
            if b.get("values", {}).get(name) is not None]


def _buckets_table(report: Mapping[str, Any]) -> str:
    alerted = {(a["bucket"], a["metric"]) for a in report.get("alerts") or []}
    names = [f"{metric}_rate" for metric in report.get("metrics") or []] + [
        "corpus_similarity", "centroid_shift", "retrieval_score_mean"]
    rows: list[list[CellValue]] = []
    for b in report.get("buckets") or []:
        statuses = ", ".join(f"{status} {count}" for status, count in b.get("statuses", {}).items())
        cells = [Cell(text=number(b["values"].get(name)) + (" ✗" if (b["bucket"], name) in alerted else ""),
                      css_class="number fail" if (b["bucket"], name) in alerted else "number",
                      tooltip=f"{b['counts'].get(name, 0)} runs")
                 for name in names]
        rows.append([b["bucket"], b["runs"], statuses, *cells])
    return table(("bucket", "runs", "statuses", *names), rows)
