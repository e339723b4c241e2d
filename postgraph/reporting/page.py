"""A plain HTML page around the charts: title, sections, paragraphs, lists, collapsible text and
tables. Every function takes text and escapes it; only fragments these helpers (or the charts)
made are passed on as HTML."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path
from typing import Any

STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; color: #222; margin: 2rem auto; max-width: 1100px; padding: 0 1rem; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
table { border-collapse: collapse; margin: .5rem 0; } th, td { border: 1px solid #ddd; padding: .25rem .5rem; vertical-align: top; }
th { background: #f4f4f4; text-align: left; } td.number { text-align: right; font-variant-numeric: tabular-nums; }
td.fail, tr.fail td { background: #fdecea; } tr.changed td { background: #fff6e0; } .verdict { font-size: 1.1rem; font-weight: bold; padding: .5rem .75rem; }
.verdict.pass { background: #e8f5ec; color: #1e6b3a; } .verdict.fail { background: #fdecea; color: #a0281b; }
details pre { white-space: pre-wrap; max-width: 44rem; margin: .25rem 0; } figure { margin: 1rem 0; }
.muted { color: #666; }
"""
MISSING = "—"


@dataclass(frozen=True)
class Cell:
    """A table cell: `text` (escaped) or `html` made by these helpers, with an optional CSS
    class and a tooltip."""

    text: str = ""
    html: str | None = None
    css_class: str | None = None
    tooltip: str | None = None


CellValue = Cell | str | int | float | None


def number(value: float | None, digits: int = 3) -> str:
    return MISSING if value is None else f"{value:.{digits}f}"


def page(title: str, fragments: Sequence[str]) -> str:
    """A whole, self-contained HTML document."""
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            f"<title>{escape(title)}</title><style>{STYLE}</style></head>"
            f"<body><h1>{escape(title)}</h1>\n" + "\n".join(fragments) + "\n</body></html>\n")


def section(heading: str, fragments: Sequence[str]) -> str:
    return f"<section><h2>{escape(heading)}</h2>\n" + "\n".join(fragments) + "\n</section>"


def paragraph(text: str, css_class: str | None = None) -> str:
    return f"<p{_class(css_class)}>{escape(text)}</p>"


def bullet_list(items: Sequence[str], css_class: str | None = None) -> str:
    return f"<ul{_class(css_class)}>" + "".join(f"<li>{escape(item)}</li>" for item in items) + "</ul>"


def details(summary: str, text: str) -> str:
    """Text collapsed under a one-line summary."""
    return f"<details><summary>{escape(summary)}</summary><pre>{escape(text)}</pre></details>"


def figure(chart: str, name: str) -> str:
    """A chart from `charts.py`, named for tests and style sheets."""
    return f'<figure class="chart" data-name="{escape(name)}">{chart}</figure>'


def table(headers: Sequence[str], rows: Sequence[Sequence[CellValue]], row_classes: Sequence[str | None] = ()) -> str:
    """An HTML table; numbers are right-aligned (floats with three decimals), None shows as a dash."""
    head = "".join(f"<th>{escape(header)}</th>" for header in headers)
    body = []
    for position, row in enumerate(rows):
        css_class = row_classes[position] if position < len(row_classes) else None
        body.append(f"<tr{_class(css_class)}>" + "".join(_cell(value) for value in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(body) + "</tbody></table>"


def _cell(value: CellValue) -> str:
    if not isinstance(value, Cell):
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        text = number(value) if isinstance(value, float) or value is None else str(value)
        value = Cell(text=text, css_class="number" if numeric else None)
    content = value.html if value.html is not None else escape(value.text)
    tooltip = f' title="{escape(value.tooltip)}"' if value.tooltip else ""
    return f"<td{_class(value.css_class)}{tooltip}>{content}</td>"


def _class(css_class: str | None) -> str:
    return f' class="{escape(css_class)}"' if css_class else ""


def write_report(directory: Path, prefix: str, data: Mapping[str, Any], render: Callable[[Mapping[str, Any]], str]
                 ) -> tuple[Path, Path]:
    """`data` as JSON and as the HTML page `render` makes of it, side by side, named by the time."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = directory / f"{prefix}-{dt.datetime.now():%Y%m%d-%H%M%S}"
    json_path, html_path = stem.with_suffix(".json"), stem.with_suffix(".html")
    json_path.write_text(json.dumps(data, indent=1, default=str), encoding="utf-8")
    html_path.write_text(render(data), encoding="utf-8")
    return json_path, html_path
