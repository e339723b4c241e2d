"""Plain text: an optional `Title:` / `Author:` / `Date:` header, then blank-line paragraphs."""

from __future__ import annotations

import re

from postgraph.ingest.parsers.common import (
    Extracted,
    ParseContext,
    clean_value,
    decode_utf8,
    parse_iso_date,
    text_block,
)

_HEADER_LINE = re.compile(r"^(title|author|date)\s*:(.*)$", re.IGNORECASE)
_BLANK_LINES = re.compile(r"\n[ \t\f\v]*\n")


def parse_text(data: bytes, ctx: ParseContext) -> Extracted:
    """Parse a UTF-8 text file into TEXT blocks, one per paragraph."""
    text = decode_utf8(data, ctx.path.name)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    paragraphs = [p for p in _BLANK_LINES.split(text.strip("\n")) if p.strip()]
    result = Extracted()
    if paragraphs and _read_header(paragraphs[0], result, ctx):
        paragraphs = paragraphs[1:]
    for paragraph in paragraphs:
        lines = [line.rstrip() for line in paragraph.split("\n")]
        block = text_block("\n".join(lines).strip("\n"), section=None)
        if block is not None:
            result.blocks.append(block)
    return result


def _read_header(paragraph: str, result: Extracted, ctx: ParseContext) -> bool:
    """Fill metadata when every line of the first paragraph is a header line.

    A first paragraph that merely starts with "Title:" and goes on with prose is body text.
    """
    matches = [_HEADER_LINE.match(line.strip()) for line in paragraph.strip().split("\n")]
    if not all(matches):
        return False
    for match in matches:
        assert match is not None
        key, value = match.group(1).lower(), clean_value(match.group(2))
        if key == "title":
            result.title = value or None
        elif key == "author":
            result.author = value or None
        elif value:
            result.published = parse_iso_date(
                value, field_name="Date", where=f"{ctx.path.name} header"
            )
    return True
