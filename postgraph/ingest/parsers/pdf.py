"""PDF: pdfplumber tables as TABLE blocks, the text around them as paragraphs, in page order."""

from __future__ import annotations

import datetime as dt
import io
import re
import statistics
from collections.abc import Sequence
from typing import Any

import pdfplumber
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfplumber.page import Page
from pdfplumber.utils.exceptions import PdfminerException
from pydantic import ValidationError

from postgraph.errors import CorruptFile, IngestError, NoContent
from postgraph.ingest.documents import Block
from postgraph.ingest.parsers.common import Extracted, ParseContext, squash, table_block, text_block

_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})(\d{2})")
# A vertical gap wider than this share of a line's height separates two paragraphs;
# the gap between wrapped lines of one paragraph is typically 0.2-0.5 of it.
_PARAGRAPH_GAP = 0.75

BBox = tuple[float, float, float, float]


def parse_pdf(data: bytes, ctx: ParseContext) -> Extracted:
    """Parse PDF bytes; damaged files raise CorruptFile, locked or text-less ones NoContent."""
    name = ctx.path.name
    if not data.startswith(b"%PDF-"):
        raise CorruptFile(f"{name} is not a valid PDF: it does not start with the %PDF- header.")
    truncated = b"%%EOF" not in data[-2048:]
    hint = " The file looks truncated (no %%EOF marker at its end)." if truncated else ""
    try:
        with pdfplumber.open(io.BytesIO(data)) as pdf:
            result = _metadata(pdf.metadata)
            for page in pdf.pages:
                visible = page.filter(lambda obj, page=page: _visible(obj, page))
                result.hidden_passages += _invisible_lines(page, visible)
                result.blocks.extend(_page_blocks(visible))
    except PdfminerException as exc:
        cause = exc.args[0] if exc.args else exc
        if isinstance(cause, (PDFPasswordIncorrect, PDFEncryptionError)):
            raise NoContent(
                f"{name} is encrypted and needs a password to open; remove the password "
                "(or export an unprotected copy) and ingest that instead."
            ) from None
        raise CorruptFile(f"{name} is not a valid PDF: {_describe(cause)}{hint}") from None
    except (IngestError, ValidationError):
        raise
    except Exception as exc:  # pdfminer raises many unrelated types on damaged input
        raise CorruptFile(f"{name} is not a valid PDF: {_describe(exc)}{hint}") from None
    if not result.blocks:
        if truncated:
            raise CorruptFile(f"{name} is not a valid PDF: no readable pages.{hint}")
        raise NoContent(
            f"{name} has no extractable text; it may contain only scanned images, "
            "which postgraph does not OCR inside PDFs."
        )
    return result


def _describe(exc: BaseException) -> str:
    """pdfminer's reason as a sentence (its messages end with or without punctuation)."""
    text = str(exc).strip() or type(exc).__name__
    return text if text.endswith((".", "?", "!")) else text + "."


def _metadata(info: dict[str, Any]) -> Extracted:
    def value(key: str) -> str | None:
        raw = info.get(key)
        if isinstance(raw, bytes):
            raw = raw.decode("utf-8", errors="replace")
        return (squash(raw) or None) if isinstance(raw, str) else None

    return Extracted(
        title=value("Title"), author=value("Author"), published=_pdf_date(value("CreationDate"))
    )


def _pdf_date(raw: str | None) -> dt.date | None:
    """The date part of a PDF date string such as D:20240131104500+01'00'."""
    match = _PDF_DATE.match(raw or "")
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None  # writer-generated nonsense such as month 13: not worth failing over


def _page_blocks(page: Any) -> list[Block]:
    """Blocks of one page sorted top to bottom, so a table sits between its paragraphs."""
    placed: list[tuple[float, Block]] = []
    tables = page.find_tables()
    for table in tables:
        rows = [[cell or "" for cell in row] for row in table.extract()]
        block = table_block(rows, section=None)
        if block is not None:
            placed.append((table.bbox[1], block))
    boxes = [table.bbox for table in tables]
    outside = page.filter(lambda obj: not _inside_any(obj, boxes)) if boxes else page
    for top, paragraph in _paragraphs(outside.extract_text_lines(strip=True, return_chars=False)):
        block = text_block(paragraph, section=None)
        if block is not None:
            placed.append((top, block))
    placed.sort(key=lambda item: item[0])  # stable: equal tops keep extraction order
    return [block for _, block in placed]


# Glyphs below this size (points) are not read by anyone: a common way to hide text in a PDF.
_MIN_GLYPH_POINTS = 2.0


def _visible(obj: dict[str, Any], page: Page) -> bool:
    """Whether a reader sees this object: glyphs must be on the page, not tiny, not white.
    Everything that is not a glyph (lines, rectangles that make table borders) is kept."""
    if obj.get("object_type") != "char":
        return True
    x0, top, x1, bottom = page.bbox
    inside = obj["x1"] > x0 and obj["x0"] < x1 and obj["bottom"] > top and obj["top"] < bottom
    return inside and obj.get("size", _MIN_GLYPH_POINTS) >= _MIN_GLYPH_POINTS and not _white(obj.get("non_stroking_color"))


def _white(color: Any) -> bool:
    """White in gray (1), RGB (1, 1, 1) or CMYK (0, 0, 0, 0): invisible on a white page."""
    if color is None:
        return False
    values = list(color) if isinstance(color, (list, tuple)) else [color]
    if len(values) == 4:
        return all(isinstance(v, (int, float)) and v <= 0.02 for v in values)
    return all(isinstance(v, (int, float)) and v >= 0.98 for v in values)


def _invisible_lines(page: Page, visible: Page) -> int:
    """Lines of text the visibility filter removed from a page."""
    def lines(of: Page) -> set[str]:
        return {squash(line["text"]) for line in of.extract_text_lines(strip=True, return_chars=False)}

    if len(page.chars) == len(visible.chars):
        return 0
    return len(lines(page) - lines(visible)) or 1


def _inside_any(obj: dict[str, Any], boxes: Sequence[BBox]) -> bool:
    """Whether an object's centre lies in a table: glyphs touching a border still count."""
    if "x0" not in obj or "top" not in obj:
        return False
    x = (obj["x0"] + obj["x1"]) / 2
    y = (obj["top"] + obj["bottom"]) / 2
    return any(x0 <= x <= x1 and top <= y <= bottom for x0, top, x1, bottom in boxes)


def _paragraphs(lines: list[dict[str, Any]]) -> list[tuple[float, str]]:
    """Group text lines into paragraphs by vertical spacing; returns (top, text) pairs."""
    lines = [line for line in lines if line["text"].strip()]
    if not lines:
        return []
    height = statistics.median(line["bottom"] - line["top"] for line in lines) or 1.0
    groups: list[list[dict[str, Any]]] = [[lines[0]]]
    for prev, line in zip(lines, lines[1:]):
        gap = line["top"] - prev["bottom"]
        # A jump upwards means a new column or text box: also a new paragraph.
        if gap > _PARAGRAPH_GAP * height or gap < -height:
            groups.append([line])
        else:
            groups[-1].append(line)
    return [(group[0]["top"], _join_lines(l["text"] for l in group)) for group in groups]


def _join_lines(texts: Any) -> str:
    """Join wrapped lines; a line ending in "-" continues the word (state-of-the-/art)."""
    out = ""
    for text in texts:
        text = squash(text)
        if not out:
            out = text
        elif out.endswith("-"):
            out += text
        else:
            out += " " + text
    return out
