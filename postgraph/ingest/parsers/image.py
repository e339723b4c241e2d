"""PNG and JPEG files: one IMAGE block whose text is what OCR reads in the picture."""

from __future__ import annotations

import datetime as dt
from email.utils import parsedate_to_datetime

from PIL import Image

from postgraph.errors import NoContent
from postgraph.ingest.documents import Block, BlockKind, ImageInfo
from postgraph.ingest.parsers.common import (
    Extracted,
    ParseContext,
    inspect_image,
    lenient_date,
    meaningful_ocr,
    squash,
)

# EXIF tag numbers (Pillow exposes raw numbers; names would need PIL.ExifTags lookups).
_EXIF_DESCRIPTION = 0x010E
_EXIF_ARTIST = 0x013B
_EXIF_DATETIME = 0x0132
_EXIF_IFD = 0x8769
_EXIF_DATETIME_ORIGINAL = 0x9003
_EXIF_XP_TITLE = 0x9C9B
_EXIF_XP_AUTHOR = 0x9C9D


def parse_image(data: bytes, ctx: ParseContext) -> Extracted:
    """Check the image opens, read its metadata, OCR it; an image without text is refused."""
    name = ctx.path.name
    facts = inspect_image(data, name)
    with facts.image as image:
        result = _metadata(image)
    ocr_text = meaningful_ocr(ctx.ocr.extract_text(data))
    if ocr_text is None:
        raise NoContent(f"{name}: image has no readable text (OCR found nothing to index).")
    info = ImageInfo(
        src=name, width=facts.width, height=facts.height, format=facts.format, sha256=facts.sha256
    )
    result.blocks.append(Block(kind=BlockKind.IMAGE, text=ocr_text, image=info, ocr_text=ocr_text))
    return result


def _metadata(image: Image.Image) -> Extracted:
    """Title, author and date from PNG text chunks, else from EXIF."""
    chunks = {str(k): v for k, v in image.info.items() if isinstance(v, str)}
    exif = image.getexif()
    title = chunks.get("Title") or _exif_text(exif, _EXIF_XP_TITLE) or _exif_text(
        exif, _EXIF_DESCRIPTION
    )
    author = chunks.get("Author") or _exif_text(exif, _EXIF_ARTIST) or _exif_text(
        exif, _EXIF_XP_AUTHOR
    )
    published = _png_date(chunks.get("Creation Time"))
    if published is None:
        original = exif.get_ifd(_EXIF_IFD).get(_EXIF_DATETIME_ORIGINAL)
        published = lenient_date(_as_text(original)) or lenient_date(
            _exif_text(exif, _EXIF_DATETIME)
        )
    return Extracted(
        title=squash(title or "") or None, author=squash(author or "") or None, published=published
    )


def _png_date(raw: str | None) -> dt.date | None:
    """PNG "Creation Time" is ISO 8601 in practice but RFC 1123 by the spec; accept both."""
    if not raw:
        return None
    parsed = lenient_date(raw)
    if parsed is not None:
        return parsed
    try:
        return parsedate_to_datetime(raw).date()
    except (TypeError, ValueError):
        return None


def _exif_text(exif: Image.Exif, tag: int) -> str | None:
    return _as_text(exif.get(tag))


def _as_text(value: object) -> str | None:
    """EXIF strings are str, or UTF-16LE bytes for the Windows XP* tags."""
    if isinstance(value, bytes):
        value = value.decode("utf-16-le", errors="ignore").rstrip("\x00")
    elif isinstance(value, tuple) and all(isinstance(v, int) for v in value):
        value = bytes(value).decode("utf-16-le", errors="ignore").rstrip("\x00")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ") or None
