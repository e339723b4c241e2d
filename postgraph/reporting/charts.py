"""Charts drawn by hand as inline SVG: a forest plot of differences with their intervals, and a
time series with a threshold line.

No plotting library and no script: a report stays one self-contained HTML file that opens
offline, and a test can read every chart back with an XML parser. Each mark carries a class
(`forest-row`, `estimate`, `interval`, `zero`, `series`, `point`, `breach`, `threshold`) and
every point a `<title>`, which browsers show as a tooltip. Every text is escaped. A chart with
nothing to draw says so in a small figure instead of raising.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Literal

WIDTH = 720
FONT = 'font-family="system-ui, sans-serif" font-size="12"'
SERIES_COLOURS = ("#1f5fa8", "#d9822b", "#2e8b57", "#8e44ad", "#7f8c8d")
WORSE, BETTER, UNSURE, INK, GRID = "#c0392b", "#2e8b57", "#555555", "#222222", "#dddddd"

Point = tuple[dt.datetime, float]


@dataclass(frozen=True)
class ForestRow:
    """One difference with its interval, e.g. a metric's candidate - baseline."""

    label: str
    mean: float
    low: float
    high: float


@dataclass(frozen=True)
class Threshold:
    """A limit drawn as a dashed line; points of the series it `applies_to` (every series when
    None) on its `breach` side are marked."""

    value: float
    label: str
    breach: Literal["below", "above"]
    applies_to: str | None = None

    def breached(self, value: float) -> bool:
        return value < self.value if self.breach == "below" else value > self.value


class _Scale:
    """A linear map from a data range onto a pixel range."""

    def __init__(self, low: float, high: float, start: float, end: float) -> None:
        self.low, self.high, self.start, self.end = low, high, start, end

    def __call__(self, value: float) -> float:
        return round(self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start), 2)


def _padded(low: float, high: float, share: float = 0.08) -> tuple[float, float]:
    """A range with some air around the data; a flat range gets a fixed margin."""
    margin = (high - low) * share or max(abs(high) * 0.1, 0.05)
    return low - margin, high + margin


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """About `count` round values (steps of 1, 2 or 5 times a power of ten) inside [low, high]."""
    if not high > low:
        return [low]
    raw = (high - low) / max(1, count)
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 5, 10) if m * magnitude >= raw)
    first = math.ceil(low / step)
    # Rounded to the step's precision, so 0.1 * 3 prints as 0.3.
    digits = max(0, -math.floor(math.log10(step)) + 1)
    return [round(k * step, digits) for k in range(first, math.floor(high / step) + 1)]


def _svg(height: float, title: str, css_class: str, body: Sequence[str]) -> str:
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" role="img" aria-label="{escape(title)}" {FONT}>'
            f'<title>{escape(title)}</title>'
            f'<text class="chart-title" x="8" y="18" font-weight="bold" fill="{INK}">{escape(title)}</text>'
            + "".join(body) + "</svg>")


def no_data_figure(title: str) -> str:
    """What a chart shows when there is nothing to draw."""
    return _svg(80, title, "no-data", [
        f'<text class="no-data-text" x="{WIDTH / 2}" y="52" text-anchor="middle" fill="{UNSURE}">no data</text>'])


def forest_plot(rows: Sequence[ForestRow], title: str) -> str:
    """One row per difference: its interval as a line, its mean as a dot, against a vertical
    zero line. An interval wholly below zero is drawn red, wholly above green, else grey."""
    rows = [row for row in rows if all(math.isfinite(v) for v in (row.mean, row.low, row.high))]
    if not rows:
        return no_data_figure(title)
    label_width, value_width, top, row_height = 150, 190, 36, 28
    bottom = top + row_height * len(rows)
    low, high = _padded(min(0.0, *(row.low for row in rows)), max(0.0, *(row.high for row in rows)))
    x = _Scale(low, high, label_width, WIDTH - value_width)
    body = [f'<line class="zero" x1="{x(0)}" x2="{x(0)}" y1="{top - 4}" y2="{bottom + 4}" stroke="{INK}" '
            'stroke-dasharray="4 3"/>',
            f'<line class="axis" x1="{label_width}" x2="{WIDTH - value_width}" y1="{bottom + 4}" y2="{bottom + 4}" '
            f'stroke="{INK}"/>']
    for tick in nice_ticks(low, high):
        body.append(f'<line class="tick" x1="{x(tick)}" x2="{x(tick)}" y1="{bottom + 4}" y2="{bottom + 9}" stroke="{INK}"/>'
                    f'<text x="{x(tick)}" y="{bottom + 22}" text-anchor="middle" fill="{INK}">{tick:+g}</text>')
    for number, row in enumerate(rows):
        y = top + row_height * number + row_height / 2
        colour = WORSE if row.high < 0 else BETTER if row.low > 0 else UNSURE
        numbers = f"{row.mean:+.3f} [{row.low:+.3f}, {row.high:+.3f}]"
        body.append(
            f'<g class="forest-row" data-label="{escape(row.label)}">'
            f'<text class="label" x="{label_width - 10}" y="{y + 4}" text-anchor="end" fill="{INK}">{escape(row.label)}</text>'
            f'<line class="interval" x1="{x(row.low)}" x2="{x(row.high)}" y1="{y}" y2="{y}" stroke="{colour}" '
            'stroke-width="2"/>'
            f'<circle class="estimate" cx="{x(row.mean)}" cy="{y}" r="5" fill="{colour}">'
            f'<title>{escape(row.label)}: {numbers}</title></circle>'
            f'<text class="numbers" x="{WIDTH - value_width + 12}" y="{y + 4}" fill="{INK}">{numbers}</text></g>')
    return _svg(bottom + 34, title, "forest", body)


def line_chart(series: Mapping[str, Sequence[Point]], title: str, y_label: str,
               threshold: Threshold | None = None) -> str:
    """Each series as a line through its (time, value) points, the threshold as a dashed
    horizontal line; the x axis is labelled with the points' dates."""
    lines = {name: sorted((t, v) for t, v in points if math.isfinite(v)) for name, points in series.items()}
    lines = {name: points for name, points in lines.items() if points}
    if not lines:
        return no_data_figure(title)
    left, right, top, bottom = 64, WIDTH - 24, 48, 232
    times = sorted({t for points in lines.values() for t, _ in points})
    first, last = times[0].timestamp(), times[-1].timestamp()
    if first == last:  # one moment: centre it
        first, last = first - 86400, last + 86400
    x = _Scale(first, last, left + 40, right - 40)  # room for the first and last date labels
    values = [v for points in lines.values() for _, v in points] + ([threshold.value] if threshold else [])
    low, high = _padded(min(values), max(values))
    y = _Scale(low, high, bottom, top)
    body = [f'<line class="axis" x1="{left}" x2="{left}" y1="{top}" y2="{bottom}" stroke="{INK}"/>',
            f'<line class="axis" x1="{left}" x2="{right}" y1="{bottom}" y2="{bottom}" stroke="{INK}"/>',
            f'<text class="y-label" transform="rotate(-90 16 {(top + bottom) / 2})" x="16" y="{(top + bottom) / 2}" '
            f'text-anchor="middle" fill="{INK}">{escape(y_label)}</text>']
    for tick in nice_ticks(low, high):
        body.append(f'<line class="grid" x1="{left}" x2="{right}" y1="{y(tick)}" y2="{y(tick)}" stroke="{GRID}"/>'
                    f'<text x="{left - 6}" y="{y(tick) + 4}" text-anchor="end" fill="{INK}">{tick:g}</text>')
    every = math.ceil(len(times) / 8)  # at most eight date labels
    for moment in times[::every]:
        body.append(f'<text class="x-tick" x="{x(moment.timestamp())}" y="{bottom + 18}" text-anchor="middle" '
                    f'fill="{INK}">{moment:%Y-%m-%d}</text>')
    if threshold is not None:
        body.append(f'<line class="threshold" x1="{left}" x2="{right}" y1="{y(threshold.value)}" y2="{y(threshold.value)}" '
                    f'stroke="{WORSE}" stroke-dasharray="6 4"/>'
                    f'<text class="threshold-label" x="{right}" y="{y(threshold.value) - 5}" text-anchor="end" '
                    f'fill="{WORSE}">{escape(threshold.label)} {threshold.value:g}</text>')
    for number, (name, points) in enumerate(lines.items()):
        colour = SERIES_COLOURS[number % len(SERIES_COLOURS)]
        path = " ".join(f"{x(t.timestamp())},{y(v)}" for t, v in points)
        body.append(f'<g class="series" data-series="{escape(name)}">')
        if len(points) > 1:
            body.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>')
        for moment, value in points:
            breach = (threshold is not None and threshold.applies_to in (None, name)
                      and threshold.breached(value))
            body.append(f'<circle class="point{" breach" if breach else ""}" cx="{x(moment.timestamp())}" cy="{y(value)}" '
                        f'r="{5 if breach else 3.5}" fill="{WORSE if breach else colour}">'
                        f'<title>{escape(name)} {moment:%Y-%m-%d}: {value:.3f}</title></circle>')
        body.append("</g>")
        body.append(f'<rect x="{left + 8 + 150 * number}" y="28" width="12" height="4" fill="{colour}"/>'
                    f'<text class="legend" x="{left + 24 + 150 * number}" y="33" fill="{INK}">{escape(name)}</text>')
    return _svg(bottom + 30, title, "line", body)
