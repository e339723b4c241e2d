"""Checks parse_file makes before any format parser runs, and what it does with the result."""

from __future__ import annotations

import pathlib
from pathlib import Path

import pytest

from postgraph.errors import (
    EmptyFile,
    FileMissing,
    FileTooLarge,
    IngestError,
    NoContent,
    UnsupportedFormat,
)
from postgraph.ingest import parsers
from postgraph.ingest.documents import Block, BlockKind
from postgraph.ingest.parsers import SUPPORTED_SUFFIXES, parse_file
from postgraph.ingest.parsers.common import Extracted


def test_supported_suffixes():
    assert set(SUPPORTED_SUFFIXES) == {
        ".md", ".markdown", ".html", ".htm", ".txt", ".pdf", ".png", ".jpg", ".jpeg"
    }


def test_missing_path(tmp_path, parse):
    with pytest.raises(FileMissing, match="does not exist"):
        parse(tmp_path / "nope.md")


def test_directory_path(tmp_path, parse):
    folder = tmp_path / "notes.md"
    folder.mkdir()
    with pytest.raises(FileMissing, match="is a directory"):
        parse(folder)


def test_unsupported_suffix_names_supported_ones(write, parse):
    with pytest.raises(UnsupportedFormat) as caught:
        parse(write("report.docx", "hello"))
    message = caught.value.message
    assert "'.docx'" in message
    for suffix in (".md", ".html", ".txt", ".pdf", ".png", ".jpeg"):
        assert suffix in message
    assert caught.value.code == "unsupported_format"


def test_suffix_check_comes_before_size_check(write, parse):
    with pytest.raises(UnsupportedFormat):
        parse(write("big.docx", "x" * 100), max_bytes=10)


@pytest.mark.parametrize("content", [b"", b"   \n\t\r\n  ", b"\xef\xbb\xbf \n"])
@pytest.mark.parametrize("name", ["a.md", "a.txt", "a.html", "a.pdf", "a.png"])
def test_empty_and_whitespace_only(write, parse, name, content):
    with pytest.raises(EmptyFile, match="empty"):
        parse(write(name, content))


def test_too_large_is_refused_from_stat_before_reading(write, parse, monkeypatch):
    path = write("big.md", "word " * 100)  # 500 bytes

    def no_reading(*args, **kwargs):
        raise AssertionError("the file must not be opened")

    monkeypatch.setattr(pathlib.Path, "open", no_reading)
    monkeypatch.setattr(pathlib.Path, "read_bytes", no_reading)
    with pytest.raises(FileTooLarge) as caught:
        parse(path, max_bytes=100)
    assert "500 bytes" in caught.value.message
    assert "100 bytes" in caught.value.message


def test_size_equal_to_limit_is_accepted(write, parse):
    path = write("ok.txt", "abcde")
    assert parse(path, max_bytes=5).blocks[0].text == "abcde"


def test_source_is_resolved_absolute_path_and_title_falls_back_to_stem(
    tmp_path, write, parse, monkeypatch
):
    write("sub/My Notes.TXT", "Just a paragraph.")
    monkeypatch.chdir(tmp_path)
    doc = parse(Path("sub/../sub/My Notes.TXT"))
    assert doc.meta.source == str((tmp_path / "sub" / "My Notes.TXT").resolve())
    assert Path(doc.meta.source).is_absolute()
    assert doc.meta.format == "text"
    assert doc.meta.title == "My Notes"


def test_no_blocks_is_no_content(write, parse):
    with pytest.raises(NoContent, match="nothing|no text"):
        parse(write("only-heading.md", "# Just a heading\n\n---\n"))


def test_validation_error_becomes_ingest_error(write, parse, monkeypatch):
    def broken(data, ctx):
        return Extracted(blocks=[Block(kind=BlockKind.TABLE, text="x", rows=[])])

    monkeypatch.setitem(parsers._PARSERS, ".txt", ("text", broken))
    with pytest.raises(IngestError) as caught:
        parse(write("a.txt", "hello"))
    message = caught.value.message
    assert "a.txt" in message and "not a valid document" in message
    assert "table block needs at least one non-empty row" in message
    assert "Traceback" not in message and "pydantic" not in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_parse_file_accepts_keyword_arguments_only(write, fake_ocr):
    path = write("a.txt", "hello")
    with pytest.raises(TypeError):
        parse_file(path, 100, fake_ocr)  # type: ignore[misc]
