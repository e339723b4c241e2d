"""Helpers shared by the format parsers: decoding, whitespace, dates, tables and images."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from PIL import Image, UnidentifiedImageError

from postgraph.errors import CorruptFile, IngestError, UndecodableFile
from postgraph.ingest.documents import Block, BlockKind, ImageInfo
from postgraph.ingest.parsers.ocr import OcrEngine

UTF8_BOM = b"\xef\xbb\xbf"
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
_ISO_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
# An OCR result with fewer alphanumerics than this is noise (specks read as "." or "|").
MIN_OCR_ALNUM = 3


@dataclass(frozen=True)
class ParseContext:
    """What every parser needs besides the bytes: where the file is and how to read images."""

    path: Path  # resolved, absolute
    ocr: OcrEngine
    max_bytes: int


@dataclass
class Extracted:
    """A parser's result before it becomes a ParsedDocument (title fallback is applied later)."""

    blocks: list[Block] = field(default_factory=list)
    title: str | None = None
    author: str | None = None
    published: dt.date | None = None
    first_heading: str | None = None
    hidden_passages: int = 0
    """Passages the parser dropped because a reader would not see them (hidden HTML, invisible PDF text)."""


def decode_utf8(data: bytes, name: str) -> str:
    """Decode a text file as UTF-8, dropping an optional BOM; refuse binary or other encodings."""
    if data.startswith(_UTF16_BOMS):
        raise UndecodableFile(f"{name} is encoded as UTF-16; save it as UTF-8 and try again.")
    nul = data.find(b"\x00")
    if nul != -1:
        raise UndecodableFile(
            f"{name} looks like a binary file (NUL byte at offset {nul}); "
            "only UTF-8 text is accepted for this file type."
        )
    offset = len(UTF8_BOM) if data.startswith(UTF8_BOM) else 0
    try:
        return data[offset:].decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[offset + exc.start]
        raise UndecodableFile(
            f"{name} is not valid UTF-8: byte 0x{bad:02x} at offset {offset + exc.start} "
            "cannot be decoded; save the file as UTF-8 and try again."
        ) from None


def squash(text: str) -> str:
    """Collapse every run of whitespace (including newlines and no-break spaces) to one space."""
    return " ".join(text.split())


def squash_lines(text: str) -> str:
    """Collapse whitespace inside each line and drop empty lines, keeping the line structure."""
    lines = (squash(line) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def clean_value(raw: str) -> str:
    """A metadata value without surrounding whitespace or one pair of matching quotes."""
    value = raw.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
        value = value[1:-1].strip()
    return value


def parse_iso_date(raw: str, *, field_name: str, where: str) -> dt.date:
    """Parse a user-written `YYYY-MM-DD` date (a trailing time is allowed and dropped).

    Raises IngestError naming the field, because the author wrote it and can fix it.
    """
    value = clean_value(raw)
    match = _ISO_DATE.match(value)
    try:
        if match is None:
            raise ValueError(value)
        return dt.date.fromisoformat(match.group(1))
    except ValueError:
        raise IngestError(
            f"{where}: field {field_name!r} must be a date written as YYYY-MM-DD, got {value!r}."
        ) from None


def lenient_date(raw: str | None) -> dt.date | None:
    """Best-effort date from machine-written metadata (HTML meta, image chunks); None if unclear."""
    if not raw:
        return None
    match = re.match(r"\s*(\d{4})[-:](\d{2})[-:](\d{2})", raw)
    if match is None:
        return None
    try:
        return dt.date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def markdown_table(rows: list[list[str]]) -> str:
    """Render rows (header first) as a normalized Markdown pipe table."""
    width = max(len(row) for row in rows)

    def cell(text: str) -> str:
        return squash(text).replace("|", "\\|")

    def line(row: list[str]) -> str:
        cells = [cell(c) for c in row] + [""] * (width - len(row))
        return "| " + " | ".join(cells) + " |"

    head, *body = rows
    return "\n".join([line(head), "| " + " | ".join(["---"] * width) + " |", *map(line, body)])


def table_block(rows: list[list[str]], section: str | None) -> Block | None:
    """A TABLE block from raw rows, or None when no cell holds any text."""
    rows = [[squash(c) for c in row] for row in rows]
    rows = [row for row in rows if any(row)]
    if not rows:
        return None
    return Block(kind=BlockKind.TABLE, text=markdown_table(rows), rows=rows, section=section)


def text_block(text: str, section: str | None) -> Block | None:
    """A TEXT block, or None when the text is blank (blank blocks would fail validation)."""
    if not text.strip():
        return None
    return Block(kind=BlockKind.TEXT, text=text.strip(), section=section)


def meaningful_ocr(text: str) -> str | None:
    """OCR output worth keeping, or None when it is blank or only a few stray characters."""
    text = squash_lines(text)
    if sum(ch.isalnum() for ch in text) < MIN_OCR_ALNUM:
        return None
    return text


@dataclass(frozen=True)
class ImageFacts:
    width: int
    height: int
    format: str
    sha256: str
    image: Image.Image


def inspect_image(data: bytes, name: str) -> ImageFacts:
    """Open and fully decode image bytes with Pillow; a broken image raises CorruptFile."""
    try:
        with Image.open(io.BytesIO(data)) as probe:
            probe.verify()  # checks structure (PNG CRCs) without decoding pixels
        image = Image.open(io.BytesIO(data))
        image.load()  # decoding catches truncated pixel data that verify() lets through
    except Image.DecompressionBombError as exc:
        raise CorruptFile(f"{name} is refused as an image: {exc}") from None
    except UnidentifiedImageError:
        raise CorruptFile(f"{name} is not a readable image (Pillow cannot identify it).") from None
    except (OSError, SyntaxError, ValueError) as exc:
        # Pillow reports damaged data as OSError/SyntaxError depending on the codec.
        raise CorruptFile(f"{name} is a damaged image: {exc}") from None
    return ImageFacts(
        width=image.width,
        height=image.height,
        format=(image.format or "unknown").lower(),
        sha256=hashlib.sha256(data).hexdigest(),
        image=image,
    )


def local_image_path(src: str, document: Path) -> Path | None:
    """The file a relative image reference points to, if it exists beside the document.

    URLs, absolute paths and references escaping the document's folder are not followed,
    so a document cannot make the ingester read arbitrary files.
    """
    parts = urlsplit(src)
    if parts.scheme or parts.netloc or not parts.path or parts.path.startswith("/"):
        return None
    base = document.parent
    candidate = (base / unquote(parts.path)).resolve()
    if not candidate.is_relative_to(base) or not candidate.is_file():
        return None
    return candidate


def _referenced_image_bytes(src: str, ctx: ParseContext) -> tuple[str, bytes | None]:
    """The src to record and, when the image is local or inline, its bytes."""
    if src.startswith("data:"):
        header, _, payload = src.partition(",")
        data: bytes | None = None
        if header.endswith(";base64"):
            try:
                data = base64.b64decode(payload, validate=False)
            except binascii.Error:
                data = None
        # Keep only the media type: a multi-megabyte data URI does not belong in the store.
        return header, data if data and len(data) <= ctx.max_bytes else None
    local = local_image_path(src, ctx.path)
    try:
        if local is None or local.stat().st_size > ctx.max_bytes:
            return src, None
        return src, local.read_bytes()
    except OSError:
        return src, None  # an unreadable picture leaves its alt text, not a failed document


def image_block(
    src: str | None, alt: str | None, ctx: ParseContext, section: str | None
) -> Block | None:
    """An IMAGE block for an image referenced by a document (Markdown or HTML).

    A local file (or a base64 data URI) adds size, format, hash and OCR text; a remote image
    keeps only src/alt. Returns None when there is nothing to embed (no alt, no readable text).
    """
    src = (src or "").strip() or None
    alt = squash(alt or "") or None
    info = ImageInfo(src=src, alt=alt)
    ocr_text: str | None = None
    if src is not None:
        src, data = _referenced_image_bytes(src, ctx)
        info = ImageInfo(src=src, alt=alt)
        if data is not None:
            try:
                facts = inspect_image(data, src)
            except CorruptFile:
                facts = None  # a broken picture should not sink the whole document
            if facts is not None:
                facts.image.close()
                info = ImageInfo(
                    src=src, alt=alt, width=facts.width, height=facts.height,
                    format=facts.format, sha256=facts.sha256,
                )
                try:
                    ocr_text = meaningful_ocr(ctx.ocr.extract_text(data))
                except CorruptFile:
                    ocr_text = None  # the OCR tool could not read this one picture
    text = "\n".join(part for part in (alt, ocr_text) if part)
    if not text:
        return None
    return Block(kind=BlockKind.IMAGE, text=text, section=section, image=info, ocr_text=ocr_text)


# --- what a reader would not see ----------------------------------------------------------------

_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*(hidden|collapse)|opacity\s*:\s*0(\.0+)?\s*(;|$|!)"
    r"|font-size\s*:\s*0(\.0+)?\s*(px|pt|em|rem|%)?\s*(;|$|!)"
    r"|(?<![-\w])(left|top|right|text-indent|margin-left|margin-top)\s*:\s*-\d{3,}"
    r"|clip\s*:\s*rect\(\s*0|clip-path\s*:\s*inset\(\s*(50|100)%"
    r"|(?<![-\w])(max-)?(height|width)\s*:\s*0(px)?\s*(;|$|!)",
    re.IGNORECASE,
)
_WHITE_TEXT = re.compile(r"(?<![-\w])color\s*:\s*(#fff\b|#ffffff\b|white\b|rgba?\(\s*255\s*,\s*255\s*,\s*255)",
                         re.IGNORECASE)
_DARK_BACKGROUND = re.compile(r"background(-color)?\s*:\s*(#0|#1|#2|#3|black|rgb\(\s*[0-9]{1,2}\s*,)", re.IGNORECASE)
HIDING_CLASSES = frozenset({"hidden", "sr-only", "visually-hidden", "screen-reader-text", "d-none", "invisible"})
_CSS_RULE = re.compile(r"([^{}]+)\{([^}]*)\}")
_CLASS_SELECTOR = re.compile(r"^\s*\.([\w-]+)\s*$")


def hidden_classes(css: str) -> frozenset[str]:
    """Class names a stylesheet hides (`.promo-note { display: none }`); simple selectors only."""
    found = set()
    for selectors, body in _CSS_RULE.findall(css):
        if _HIDING_STYLE.search(body) or (_WHITE_TEXT.search(body) and not _DARK_BACKGROUND.search(body)):
            found.update(m.group(1) for m in map(_CLASS_SELECTOR.match, selectors.split(",")) if m)
    return frozenset(found)


def hidden_html_element(attrs: dict[str, Any], classes_hidden: frozenset[str] = frozenset()) -> bool:
    """Whether an element's attributes hide it from a reader: `hidden`, `aria-hidden`, an inline
    style that removes, shrinks, moves off-screen or whitens it, or a hiding class."""
    if "hidden" in attrs or str(attrs.get("aria-hidden", "")).strip().lower() == "true":
        return True
    style = str(attrs.get("style") or "")
    if _HIDING_STYLE.search(style) or (_WHITE_TEXT.search(style) and not _DARK_BACKGROUND.search(style)):
        return True
    classes = attrs.get("class") or []
    names = set(classes.split() if isinstance(classes, str) else classes)
    return bool(names & (HIDING_CLASSES | classes_hidden))


def drop_hidden_elements(soup: Any, classes_hidden: frozenset[str] = frozenset()) -> int:
    """Remove every element a reader would not see from a BeautifulSoup tree; how many."""
    dropped = 0
    for tag in soup.find_all(True):
        if tag.decomposed or tag.attrs is None:
            continue
        if hidden_html_element(tag.attrs, classes_hidden):
            tag.decompose()
            dropped += 1
    return dropped
