"""Plain text: optional header lines, paragraphs, and binary or undecodable input."""

from __future__ import annotations

import datetime as dt

import pytest

from postgraph.errors import IngestError, UndecodableFile
from postgraph.ingest.documents import BlockKind

NOTE = (
    "Author: Lena Hart\r\n"
    "Date: 2024-11-05\r\n"
    "title: Notes from the meetup\r\n"
    "\r\n"
    "First paragraph,\r\n"
    "wrapped by hand.   \r\n"
    "   \t\r\n"
    "\r\n"
    "Second paragraph.\r\n"
)


def test_header_and_paragraphs(write, parse):
    doc = parse(write("meetup.txt", "\ufeff" + NOTE))
    assert doc.meta.format == "text"
    assert doc.meta.title == "Notes from the meetup"
    assert doc.meta.author == "Lena Hart"
    assert doc.meta.published == dt.date(2024, 11, 5)
    assert [(b.kind, b.section, b.text) for b in doc.blocks] == [
        (BlockKind.TEXT, None, "First paragraph,\nwrapped by hand."),
        (BlockKind.TEXT, None, "Second paragraph."),
    ]


def test_header_subset(write, parse):
    doc = parse(write("a.txt", "Title: Only a title\n\nBody.\n"))
    assert doc.meta.title == "Only a title"
    assert doc.meta.author is None and doc.meta.published is None
    assert [b.text for b in doc.blocks] == ["Body."]


def test_without_header_title_is_stem(write, parse):
    doc = parse(write("plain-note.txt", "Title: looks like a header\nbut this line is prose.\n"))
    assert doc.meta.title == "plain-note"
    assert doc.blocks[0].text == "Title: looks like a header\nbut this line is prose."


def test_bad_header_date(write, parse):
    with pytest.raises(IngestError) as caught:
        parse(write("a.txt", "Date: tomorrow\n\nBody.\n"))
    assert "'Date'" in caught.value.message and "YYYY-MM-DD" in caught.value.message


def test_nul_bytes_are_binary(write, parse):
    with pytest.raises(UndecodableFile) as caught:
        parse(write("a.txt", b"hello\x00world"))
    assert "binary" in caught.value.message and "offset 5" in caught.value.message


def test_undecodable_bytes(write, parse):
    with pytest.raises(UndecodableFile) as caught:
        parse(write("a.txt", "ok line\n".encode() + "naïve".encode("latin-1")))
    assert "offset 10" in caught.value.message and "0xef" in caught.value.message


def test_utf16_is_refused_with_a_hint(write, parse):
    with pytest.raises(UndecodableFile, match="UTF-16"):
        parse(write("a.txt", "hello".encode("utf-16")))
