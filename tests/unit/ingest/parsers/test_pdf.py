"""PDF: metadata, paragraphs around a table, and damaged, locked or text-less files."""

from __future__ import annotations

import datetime as dt

import pytest
from fpdf import FPDF

from postgraph.errors import CorruptFile, NoContent
from postgraph.ingest.documents import BlockKind

LONG = (
    "Revenue grew in every region this quarter. The north led the way with strong demand "
    "for the new product line, while the south recovered after a slow start."
)


def report_pdf() -> bytes:
    pdf = FPDF()
    pdf.set_title("Quarterly Report")
    pdf.set_author("Ada Lovelace")
    pdf.set_creation_date(dt.datetime(2024, 3, 15, 10, 0, tzinfo=dt.timezone.utc))
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.multi_cell(0, 6, LONG)
    pdf.ln(8)
    pdf.multi_cell(0, 6, "Figures by region follow.")
    pdf.ln(4)
    with pdf.table() as table:
        for cells in (("Region", "Revenue", "Growth"), ("North", "120", "8%"), ("South", "95", "")):
            row = table.row()
            for cell in cells:
                row.cell(cell)
    pdf.ln(8)
    pdf.multi_cell(0, 6, "Closing remarks after the table.")
    pdf.add_page()
    pdf.multi_cell(0, 6, "Second page paragraph.")
    return bytes(pdf.output())


def test_metadata(write, parse):
    meta = parse(write("report.pdf", report_pdf())).meta
    assert meta.format == "pdf"
    assert meta.title == "Quarterly Report"
    assert meta.author == "Ada Lovelace"
    assert meta.published == dt.date(2024, 3, 15)


def test_blocks_in_page_order_with_table_kept_whole(write, parse):
    blocks = parse(write("report.pdf", report_pdf())).blocks
    assert [b.kind for b in blocks] == [
        BlockKind.TEXT, BlockKind.TEXT, BlockKind.TABLE, BlockKind.TEXT, BlockKind.TEXT
    ]
    assert blocks[0].text == LONG  # wrapped lines joined back into one paragraph
    assert blocks[1].text == "Figures by region follow."
    assert blocks[2].rows == [
        ["Region", "Revenue", "Growth"], ["North", "120", "8%"], ["South", "95", ""]
    ]
    assert blocks[2].text.splitlines()[0] == "| Region | Revenue | Growth |"
    assert blocks[3].text == "Closing remarks after the table."
    assert blocks[4].text == "Second page paragraph."
    # Table cells are not repeated as loose text.
    assert all("North" not in b.text for b in blocks if b.kind is BlockKind.TEXT)
    assert all(b.section is None for b in blocks)


def test_title_falls_back_to_stem_without_info(write, parse):
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Hello PDF")
    doc = parse(write("untitled-scan.pdf", bytes(pdf.output())))
    assert doc.meta.title == "untitled-scan"
    assert doc.meta.author is None


def test_not_a_pdf(write, parse):
    with pytest.raises(CorruptFile) as caught:
        parse(write("fake.pdf", "This is just text pretending to be a PDF."))
    assert "not a valid PDF" in caught.value.message and "%PDF-" in caught.value.message


@pytest.mark.parametrize("keep", [0.5, 0.85])
def test_truncated_pdf(write, parse, keep):
    data = report_pdf()
    with pytest.raises(CorruptFile) as caught:
        parse(write("cut.pdf", data[: int(len(data) * keep)]))
    assert "not a valid PDF" in caught.value.message
    assert "truncated" in caught.value.message


def test_garbage_after_header(write, parse):
    with pytest.raises(CorruptFile, match="not a valid PDF"):
        parse(write("junk.pdf", b"%PDF-1.7\n" + bytes(range(256)) * 4 + b"\n%%EOF\n"))


def test_password_protected_pdf_is_no_content(write, parse):
    pdf = FPDF()
    pdf.set_encryption(owner_password="owner", user_password="secret")
    pdf.add_page()
    pdf.set_font("helvetica", size=12)
    pdf.cell(0, 10, "Hidden")
    with pytest.raises(NoContent) as caught:
        parse(write("locked.pdf", bytes(pdf.output())))
    assert "encrypted" in caught.value.message and "password" in caught.value.message


def test_pdf_without_text_is_no_content(write, parse):
    pdf = FPDF()
    pdf.add_page()
    pdf.rect(20, 20, 80, 40)
    with pytest.raises(NoContent) as caught:
        parse(write("drawing.pdf", bytes(pdf.output())))
    assert "no extractable text" in caught.value.message
