"""Turn one file (Markdown, HTML, text, PDF, PNG/JPEG) into a validated ParsedDocument.

`parse_file` does the checks every format shares (exists, supported, size, not empty) and
then hands the bytes to the parser for the file's suffix.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from pydantic import ValidationError

from postgraph.errors import (
    EmptyFile,
    FileMissing,
    FileTooLarge,
    IngestError,
    NoContent,
    UnsupportedFormat,
)
from postgraph.ingest.documents import DocumentFormat, DocumentMeta, ParsedDocument
from postgraph.ingest.parsers.common import UTF8_BOM, Extracted, ParseContext, squash
from postgraph.ingest.parsers.html import parse_html
from postgraph.ingest.parsers.image import parse_image
from postgraph.ingest.parsers.markdown import parse_markdown
from postgraph.ingest.parsers.ocr import (
    OcrEngine,
    OllamaVisionOcr,
    TesseractOcr,
    make_ocr_engine,
)
from postgraph.ingest.parsers.pdf import parse_pdf
from postgraph.ingest.parsers.screening import describe, screen_blocks
from postgraph.ingest.parsers.text import parse_text

__all__ = [
    "SUPPORTED_SUFFIXES",
    "OcrEngine",
    "OllamaVisionOcr",
    "TesseractOcr",
    "make_ocr_engine",
    "parse_file",
]

Parser = Callable[[bytes, ParseContext], Extracted]

_PARSERS: dict[str, tuple[DocumentFormat, Parser]] = {
    ".md": ("markdown", parse_markdown),
    ".markdown": ("markdown", parse_markdown),
    ".html": ("html", parse_html),
    ".htm": ("html", parse_html),
    ".txt": ("text", parse_text),
    ".pdf": ("pdf", parse_pdf),
    ".png": ("image", parse_image),
    ".jpg": ("image", parse_image),
    ".jpeg": ("image", parse_image),
}

SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_PARSERS)


def parse_file(path: Path, *, max_bytes: int, ocr: OcrEngine) -> ParsedDocument:
    """Parse one file into metadata and ordered blocks.

    Raises an IngestError subclass with a message for the user: FileMissing, UnsupportedFormat,
    FileTooLarge, EmptyFile, UndecodableFile, CorruptFile or NoContent.
    """
    path = Path(path).expanduser()
    try:
        if not path.exists():
            raise FileMissing(f"{path} does not exist.")
        if not path.is_file():
            kind = "a directory" if path.is_dir() else "not a regular file"
            raise FileMissing(f"{path} is {kind}; give the path of a document file.")
        path = path.resolve()
    except OSError as exc:  # e.g. a folder on the way that we may not enter
        raise IngestError(f"{path} cannot be checked: {exc.strerror or exc}.") from None
    suffix = path.suffix.lower()
    if suffix not in _PARSERS:
        raise UnsupportedFormat(
            f"{path.name}: unsupported file type {suffix or '(no suffix)'!r}; "
            f"supported types are {' '.join(SUPPORTED_SUFFIXES)}."
        )
    data = _read_bounded(path, max_bytes)
    if not data.removeprefix(UTF8_BOM).strip():
        what = "empty (0 bytes)" if not data else "empty (only whitespace)"
        raise EmptyFile(f"{path.name} is {what}; there is nothing to ingest.")

    fmt, parser = _PARSERS[suffix]
    ctx = ParseContext(path=path, ocr=ocr, max_bytes=max_bytes)
    try:
        extracted = parser(data, ctx)
        blocks, screened = screen_blocks(extracted.blocks)
        if extracted.hidden_passages:
            screened = {"hidden": extracted.hidden_passages, **screened}
        if not blocks:
            dropped = f" (ingest kept out {describe(screened)})" if screened else ""
            raise NoContent(f"{path.name} has no text, table or image text left to index after parsing{dropped}.")
        title = (
            squash(extracted.title or "") or squash(extracted.first_heading or "") or path.stem
        )
        meta = DocumentMeta(
            source=str(path),
            format=fmt,
            title=title,
            author=extracted.author,
            published=extracted.published,
            sha256=hashlib.sha256(data).hexdigest(),
            screened=screened,
        )
        return ParsedDocument(meta=meta, blocks=blocks)
    except ValidationError as exc:
        raise IngestError(f"{path.name}: {_validation_summary(exc)}") from None


def _read_bounded(path: Path, max_bytes: int) -> bytes:
    """Read the file, refusing it from its size on disk before any byte is read."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLarge(_too_large(path, size, max_bytes))
        with path.open("rb") as handle:
            # One byte more than allowed tells us the file grew since stat().
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        raise IngestError(f"{path.name} cannot be read: {exc.strerror or exc}.") from None
    if len(data) > max_bytes:
        raise FileTooLarge(_too_large(path, len(data), max_bytes))
    return data


def _too_large(path: Path, size: int, max_bytes: int) -> str:
    return (
        f"{path.name} is {size:,} bytes, larger than the limit of {max_bytes:,} bytes "
        "(POSTGRAPH_MAX_FILE_BYTES)."
    )


def _validation_summary(exc: ValidationError) -> str:
    """A one-line reason from pydantic's errors, without the traceback or URLs."""
    reasons = []
    for error in exc.errors()[:3]:
        where = ".".join(str(part) for part in error["loc"])
        message = error["msg"].removeprefix("Value error, ")
        reasons.append(f"{where}: {message}" if where else message)
    more = f" (and {exc.error_count() - 3} more)" if exc.error_count() > 3 else ""
    return "the parsed content is not a valid document: " + "; ".join(reasons) + more
