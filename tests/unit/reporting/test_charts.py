"""The hand-drawn charts, read back as XML: where the marks sit, what is marked, what is escaped,
and what an empty chart shows."""

from __future__ import annotations

import datetime as dt
import math
import xml.etree.ElementTree as ET

import pytest
from support.html_pages import SVG, by_class

from postgraph.reporting.charts import ForestRow, Threshold, forest_plot, line_chart, nice_ticks

MONDAY = dt.datetime(2025, 3, 3, tzinfo=dt.UTC)


def week(n: int) -> dt.datetime:
    return MONDAY + dt.timedelta(weeks=n)


def texts(svg: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in svg.iter(f"{SVG}text")]


def test_forest_plot_has_one_row_per_difference_on_the_right_side_of_zero():
    svg = ET.fromstring(forest_plot([ForestRow("grounding", -0.12, -0.2, -0.05), ForestRow("format", 0.03, -0.01, 0.08),
                                     ForestRow("style", 0.1, 0.04, 0.15)], "candidate minus baseline"))
    rows = by_class(svg, "g", "forest-row")
    assert [row.get("data-label") for row in rows] == ["grounding", "format", "style"]
    (zero,) = by_class(svg, "line", "zero")
    zero_x = float(zero.get("x1"))
    estimates = [float(by_class(row, "circle", "estimate")[0].get("cx")) for row in rows]
    assert estimates[0] < zero_x < estimates[1] < estimates[2]
    for row, (low, high) in zip(rows, [(-0.2, -0.05), (-0.01, 0.08), (0.04, 0.15)], strict=True):
        (interval,) = by_class(row, "line", "interval")
        x1, x2 = float(interval.get("x1")), float(interval.get("x2"))
        assert x1 < x2 and (x1 < zero_x) == (low < 0) and (x2 < zero_x) == (high < 0)
    colours = [by_class(row, "line", "interval")[0].get("stroke") for row in rows]
    assert colours[0] != colours[1] != colours[2] != colours[0]  # wholly below, straddling, wholly above
    assert "-0.120 [-0.200, -0.050]" in texts(svg)


def test_forest_plot_scales_so_the_widest_interval_fits():
    svg = ET.fromstring(forest_plot([ForestRow("a", 0.5, 0.1, 0.9), ForestRow("b", -3.0, -4.0, -2.0)], "t"))
    width = float(svg.get("width"))
    xs = [float(v) for line in by_class(svg, "line", "interval") for v in (line.get("x1"), line.get("x2"))]
    assert all(0 < x < width for x in xs)
    assert min(xs) == float(by_class(svg, "line", "interval")[1].get("x1"))


def test_chart_text_is_escaped():
    label = 'recall <b>"10"</b> & co'
    svg = ET.fromstring(forest_plot([ForestRow(label, 0.1, 0.0, 0.2)], "<script>x</script>"))
    assert label in texts(svg) and "<script>x</script>" in texts(svg)
    line = ET.fromstring(line_chart({label: [(MONDAY, 1.0)]}, "a & b", "y <units>"))
    assert by_class(line, "g", "series")[0].get("data-series") == label
    assert "y <units>" in texts(line)


@pytest.mark.parametrize("chart", [
    lambda: forest_plot([], "deltas"),
    lambda: forest_plot([ForestRow("nan", math.nan, -1, 1)], "deltas"),
    lambda: line_chart({}, "trend", "rate"),
    lambda: line_chart({"a": [], "b": [(MONDAY, math.inf)]}, "trend", "rate", Threshold(0.5, "min", "below")),
])
def test_nothing_to_draw_gives_a_no_data_figure(chart):
    svg = ET.fromstring(chart())
    assert "no-data" in svg.get("class") and "no data" in texts(svg)
    assert not by_class(svg, "g", "forest-row") and not by_class(svg, "g", "series")


def test_line_chart_draws_each_series_in_time_order_with_its_threshold():
    rates = [(week(2), 0.5), (week(0), 0.95), (week(1), 0.9)]  # out of order on purpose
    means = [(week(0), 0.97), (week(1), 0.96), (week(2), 0.7)]
    svg = ET.fromstring(line_chart({"pass rate": rates, "mean score": means}, "grounding", "share",
                                   Threshold(0.8, "alert below", "below", applies_to="pass rate")))
    series = {g.get("data-series"): g for g in by_class(svg, "g", "series")}
    assert list(series) == ["pass rate", "mean score"]
    points = [tuple(map(float, p.split(","))) for p in series["pass rate"].find(f"{SVG}polyline").get("points").split()]
    assert len(points) == 3 and points[0][0] < points[1][0] < points[2][0]
    # SVG y grows downwards: the 0.5 point is the lowest on the page.
    assert points[2][1] > points[0][1] and points[2][1] > points[1][1]
    (threshold,) = by_class(svg, "line", "threshold")
    assert threshold.get("stroke-dasharray") and points[1][1] < float(threshold.get("y1")) < points[2][1]
    breaches = [(g.get("data-series"), "".join(c.itertext())) for g in series.values() for c in by_class(g, "circle", "breach")]
    assert breaches == [("pass rate", "pass rate 2025-03-17: 0.500")]  # the mean at 0.7 is not what the limit is on
    assert "2025-03-03" in texts(svg) and "2025-03-17" in texts(svg) and "share" in texts(svg)


def test_a_threshold_above_marks_points_above_it():
    svg = ET.fromstring(line_chart({"shift": [(week(0), 0.02), (week(1), 0.4)]}, "drift", "distance",
                                   Threshold(0.15, "alert above", "above")))
    assert ["".join(c.itertext()) for c in by_class(svg, "circle", "breach")] == ["shift 2025-03-10: 0.400"]


def test_a_single_point_sits_inside_the_plot():
    svg = ET.fromstring(line_chart({"one": [(MONDAY, 0.3)]}, "t", "y"))
    (point,) = by_class(svg, "circle", "point")
    assert 0 < float(point.get("cx")) < float(svg.get("width"))
    assert 0 < float(point.get("cy")) < float(svg.get("height"))


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (-0.23, 0.07), (0.61, 0.64), (-4.2, 0.9)])
def test_ticks_are_round_and_inside_the_range(low, high):
    ticks = nice_ticks(low, high)
    assert 2 <= len(ticks) <= 11 and all(low <= t <= high for t in ticks)
    steps = {round(b - a, 9) for a, b in zip(ticks, ticks[1:], strict=False)}
    assert len(steps) == 1 and str(steps.pop()).rstrip("0").rstrip(".")[-1] in "125"
