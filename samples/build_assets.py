"""Regenerate the binary files of the sample corpus (PDF and PNG) deterministically.

Run from the repository root:

    .venv/bin/python samples/build_assets.py

Everything here is original, fictional content written for postgraph. Creation dates are
fixed, so running the script twice produces byte-identical files.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

HERE = Path(__file__).resolve().parent / "corpus"
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
FONT_REGULAR = FONT_DIR / "DejaVuSans.ttf"
FONT_BOLD = FONT_DIR / "DejaVuSans-Bold.ttf"


# --------------------------------------------------------------------------- PDF

PDF_FILE = "quarterly-mlops-review.pdf"
PDF_TITLE = "Q4 2025 MLOps Review: Deployments, Incidents and Spend"
PDF_AUTHOR = "Marisol Quenby"
PDF_DATE = dt.datetime(2026, 1, 6, 9, 0, 0, tzinfo=dt.timezone.utc)

PDF_INTRO = [
    "This is the quarterly review of the ML platform at Larkspur Freight for October to "
    "December 2025. It covers how often we shipped models, how often we had to take "
    "them back, what broke, and what the GPUs cost. The figures come from the model "
    "registry, the incident tracker and the cloud bill.",
    "The platform team shipped 112 model deployments in Q4 2025, up from 81 in Q3. "
    "Six of them were rolled back, a rollback rate of 5.4%. All six rollbacks were "
    "triggered by automated checks or canary alerts rather than by user reports.",
]

PDF_TABLE = [
    ["Month", "Deploys", "Rollbacks", "Incidents", "GPU spend (USD)", "Median deploy (min)"],
    ["October 2025", "38", "2", "1", "41,200", "31"],
    ["November 2025", "45", "3", "2", "39,800", "22"],
    ["December 2025", "29", "1", "0", "33,500", "18"],
    ["Q4 total", "112", "6", "3", "114,500", "-"],
]

PDF_BODY = [
    ("Deploy time", [
        "Median time from merge to production fell from 47 minutes in Q3 to 18 minutes "
        "in December. Most of the gain came from Gangway, the shared deploy pipeline that "
        "replaced four team-specific scripts in early November.",
    ]),
    ("Incidents", [
        "October had one incident: the embedding upgrade of 14 October, covered in its "
        "own postmortem. November had two: an expired TLS certificate on the model "
        "registry that blocked deploys for 95 minutes, and a feature backfill that "
        "overloaded the warehouse. December had none.",
    ]),
    ("Spend", [
        "GPU spend fell from $41,200 in October to $33,500 in December, a drop of 19%. "
        "The main driver was moving nightly batch scoring from GPUs to CPU instances.",
    ]),
    ("Goals for Q1 2026", [
        "Today 9 of our 14 production models have an evaluation gate in their deploy "
        "pipeline. The goal for Q1 2026 is all 14, and a median deploy time under 15 minutes.",
    ]),
]


class ReviewPDF(FPDF):
    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("Helvetica", size=8)
        self.set_text_color(110, 110, 110)
        self.cell(0, 6, f"Larkspur Freight ML platform - page {self.page_no()}", align="C")


def build_pdf(path: Path) -> None:
    pdf = ReviewPDF(orientation="P", unit="mm", format="A4")
    pdf.set_title(PDF_TITLE)
    pdf.set_author(PDF_AUTHOR)
    pdf.set_subject("Quarterly MLOps review, Larkspur Freight (fictional sample)")
    pdf.set_creator("postgraph samples/build_assets.py")
    pdf.set_producer("fpdf2")
    pdf.set_creation_date(PDF_DATE)
    pdf.set_margins(18, 16, 18)
    pdf.set_auto_page_break(auto=True, margin=16)
    pdf.add_page()

    pdf.set_font("Helvetica", style="B", size=15)
    pdf.multi_cell(0, 8, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=10)
    pdf.set_text_color(80, 80, 80)
    pdf.cell(0, 6, f"{PDF_AUTHOR} - 6 January 2026", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(0, 0, 0)
    pdf.ln(3)

    pdf.set_font("Helvetica", size=10.5)
    for para in PDF_INTRO:
        pdf.multi_cell(0, 5.4, para, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2.5)

    pdf.set_font("Helvetica", style="B", size=12)
    pdf.cell(0, 7, "Quarter at a glance", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    pdf.set_font("Helvetica", size=10)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.3)
    with pdf.table(
        col_widths=(32, 18, 20, 20, 32, 52),
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
        borders_layout="ALL",
        line_height=7,
        first_row_as_headings=True,
    ) as table:
        for row in PDF_TABLE:
            r = table.row()
            for value in row:
                r.cell(value)
    pdf.ln(4)

    for heading, paras in PDF_BODY:
        pdf.set_font("Helvetica", style="B", size=12)
        pdf.cell(0, 7, heading, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", size=10.5)
        for para in paras:
            pdf.multi_cell(0, 5.4, para, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(2)

    pdf.output(str(path))


# --------------------------------------------------------------------------- PNG


def png_info(title: str, author: str, date: str, description: str) -> PngInfo:
    info = PngInfo()
    info.add_text("Title", title)
    info.add_text("Author", author)
    info.add_text("Creation Time", date)
    info.add_text("Description", description)
    return info


def build_metrics_card(path: Path) -> None:
    """A standalone 'weekly metrics card': one title line and five fact lines."""
    title = "Saltmarsh ML Weekly Metrics - Week 8, 2026"
    lines = [
        "Fraud model precision: 94.1%",
        "Feature store p99 lookup: 8 ms",
        "GPU utilization: 72%",
        "Retraining jobs completed: 17 of 18",
        "Open incidents: 2",
    ]
    footer = "Prepared by Ilse Varnholt, 24 February 2026"
    width, height = 1400, 640
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    f_title = ImageFont.truetype(str(FONT_BOLD), 44)
    f_body = ImageFont.truetype(str(FONT_REGULAR), 36)
    f_small = ImageFont.truetype(str(FONT_REGULAR), 28)
    x, y = 70, 50
    draw.text((x, y), title, font=f_title, fill="black")
    y += 90
    for line in lines:
        draw.text((x, y), line, font=f_body, fill="black")
        y += 66
    y += 20
    draw.text((x, y), footer, font=f_small, fill="black")
    img.save(
        path,
        pnginfo=png_info(
            "Weekly ML Metrics Card - Week 8, 2026",
            "Ilse Varnholt",
            "2026-02-24",
            "Weekly metrics card of the Saltmarsh Mobility ML team (fictional sample).",
        ),
    )


def build_bar_figure(
    path: Path,
    title: str,
    rows: list[tuple[str, int]],
    unit_max: int,
    note: str,
    meta: PngInfo,
) -> None:
    """A simple horizontal bar chart: each label sits on its own, left of a grey bar."""
    width = 1400
    row_h = 70
    height = 150 + row_h * len(rows) + 80
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    f_title = ImageFont.truetype(str(FONT_BOLD), 40)
    f_label = ImageFont.truetype(str(FONT_REGULAR), 32)
    f_note = ImageFont.truetype(str(FONT_REGULAR), 28)
    draw.text((60, 40), title, font=f_title, fill="black")
    bar_x0, bar_x1 = 700, width - 80
    y = 140
    for label, value in rows:
        draw.text((60, y + 12), label, font=f_label, fill="black")
        bar_len = int((bar_x1 - bar_x0) * value / unit_max)
        draw.rectangle((bar_x0, y + 14, bar_x0 + bar_len, y + 50), fill=(185, 205, 225))
        y += row_h
    draw.text((60, y + 30), note, font=f_note, fill="black")
    img.save(path, pnginfo=meta)


def build_gpu_chart(path: Path) -> None:
    rows = [
        ("Idle: 14,300 GPU-hours", 14300),
        ("Vision: 12,400 GPU-hours", 12400),
        ("Research: 8,900 GPU-hours", 8900),
        ("Routing: 5,200 GPU-hours", 5200),
        ("Fraud: 3,100 GPU-hours", 3100),
        ("Untagged: 2,180 GPU-hours", 2180),
    ]
    build_bar_figure(
        path,
        "GPU-hours by team, June 2025",
        rows,
        14300,
        "Cluster of 64 GPUs, 46,080 GPU-hours in total",
        png_info(
            "GPU-hours by team, June 2025",
            "Ilse Varnholt",
            "2025-07-15",
            "Figure for the newsletter gpu-cost-accounting.html (fictional sample).",
        ),
    )


def build_latency_chart(path: Path) -> None:
    rows = [
        ("Query rewrite: 120 ms", 120),
        ("Vector retrieval: 170 ms", 170),
        ("Reranking: 240 ms", 240),
        ("First token: 690 ms", 690),
        ("Network and auth: 210 ms", 210),
    ]
    build_bar_figure(
        path,
        "PolicyPal p95 latency by stage",
        rows,
        700,
        "End to end p95: 1,430 ms (budget 1,500 ms)",
        png_info(
            "PolicyPal p95 latency by stage",
            "Tobias Lindqvar",
            "2025-12-09",
            "Figure for the newsletter rag-latency-budget.html (fictional sample).",
        ),
    )


def main() -> None:
    build_pdf(HERE / PDF_FILE)
    build_metrics_card(HERE / "weekly-metrics-card.png")
    build_gpu_chart(HERE / "gpu-cost-chart.png")
    build_latency_chart(HERE / "rag-latency-waterfall.png")
    for name in (PDF_FILE, "weekly-metrics-card.png", "gpu-cost-chart.png", "rag-latency-waterfall.png"):
        print(f"wrote samples/{name}")


if __name__ == "__main__":
    main()
