"""The monitoring page, rendered from a report's JSON form and read back: the alerts first, one
chart per metric with its threshold, breaches marked in the charts and the bucket table."""

from __future__ import annotations

import datetime as dt

import pytest
from support.html_pages import SVG, by_class, charts, read_page

from postgraph.monitor.alerts import alert_text, limits
from postgraph.monitor.html import render_monitor_report
from postgraph.monitor.report import MonitorReport, find_alerts, summarise_buckets
from postgraph.monitor.scoring import MONITOR_METRICS
from postgraph.quality.metrics import Score
from postgraph.settings import Settings

START = dt.datetime(2025, 3, 3, 9, tzinfo=dt.UTC)
CHARTS = [*MONITOR_METRICS, "corpus_similarity", "centroid_shift", "retrieval_score"]


@pytest.fixture
def report() -> dict:
    settings = Settings(monitor_min_format_rate=0.9, monitor_min_bucket_runs=2, monitor_min_retrieval_score=0.0)
    records = [{"_id": f"r{w}{n}", "started_at": START + dt.timedelta(weeks=w, hours=n), "status": "done",
                "evidence": [{"chunk_id": "c", "score": 0.5}]} for w in range(3) for n in range(3)]
    scores = {r["_id"]: {"format": Score("format", 1.0, r["_id"] != "r10" and r["_id"] != "r11"),
                         "grounding": Score("grounding", 1.0, True)} for r in records}
    buckets = summarise_buckets(records, "week", scores, {r["_id"]: [1.0, 0.0] for r in records},
                                {r["_id"]: 0.5 for r in records}, min_runs=2)
    thresholds = limits(settings)
    monitored = MonitorReport(START, START + dt.timedelta(weeks=3), "week", 9, 9, 7, 2, thresholds, buckets,
                              find_alerts(buckets, thresholds, 2), ["a note with <markup> & more"], "minilm@1")
    return monitored.as_dict()


def test_the_alerts_and_notes_come_first(report):
    read = read_page(render_monitor_report(report))
    assert read.all("h2")[0].text == "Alerts"
    assert "fail" in read.all("p", "verdict")[0].classes and read.all("p", "verdict")[0].text == "1 alert"
    assert [li.text for li in read.all("li")][:2] == [alert_text(report["alerts"][0]), "a note with <markup> & more"]
    assert report["alerts"][0]["bucket"] == "2025-W11" and report["alerts"][0]["metric"] == "format_rate"


def test_one_chart_per_metric_with_its_threshold(report):
    html = render_monitor_report(report)
    assert [figure.attrs["data-name"] for figure in read_page(html).all("figure", "chart")] == CHARTS
    svgs = dict(zip(CHARTS, charts(html), strict=True))
    assert "no-data" in svgs["length"].get("class") and "no-data" in svgs["relevance"].get("class")
    format_chart = svgs["format"]
    assert [g.get("data-series") for g in by_class(format_chart, "g", "series")] == ["pass rate", "mean score"]
    (threshold,) = by_class(format_chart, "text", "threshold-label")
    assert threshold.text == "alert below 0.9"
    breaches = ["".join(c.itertext()) for c in by_class(format_chart, "circle", "breach")]
    assert breaches == ["pass rate 2025-03-10: 0.333"]
    (shift_label,) = by_class(svgs["centroid_shift"], "text", "threshold-label")
    assert shift_label.text.startswith("alert above") and not by_class(svgs["centroid_shift"], "circle", "breach")
    assert len(list(svgs["retrieval_score"].iter(f"{SVG}polyline"))) == 2


def test_the_bucket_table_marks_the_alerted_value(report):
    read = read_page(render_monitor_report(report))
    marked = read.all("td", "fail")
    assert [cell.text for cell in marked] == ["0.333 ✗"] and marked[0].attrs["title"] == "3 runs"
    assert [cell.text for cell in read.all("td") if cell.text.startswith("2025-W")] == ["2025-W10", "2025-W11", "2025-W12"]
