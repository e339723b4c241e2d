"""Images: OCR text as one IMAGE block, metadata chunks, and unreadable or text-less images."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from PIL import Image

from postgraph.errors import CorruptFile, NoContent
from postgraph.ingest.documents import BlockKind


def test_png_with_text_and_metadata(text_image, parse, tesseract):
    path = text_image(
        "slide.png",
        ["Quarterly results", "Revenue grew"],
        pnginfo={"Title": "Board slide", "Author": "Ada", "Creation Time": "2024-05-02T10:00:00"},
    )
    doc = parse(path, ocr=tesseract)
    assert doc.meta.format == "image"
    assert (doc.meta.title, doc.meta.author, doc.meta.published) == (
        "Board slide", "Ada", dt.date(2024, 5, 2)
    )
    [block] = doc.blocks
    assert block.kind is BlockKind.IMAGE and block.section is None
    assert "Quarterly results" in block.ocr_text and "Revenue grew" in block.ocr_text
    assert block.text == block.ocr_text
    info = block.image
    assert (info.src, info.width, info.height, info.format) == ("slide.png", 900, 220, "png")
    assert info.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()


def test_png_creation_time_in_rfc1123(text_image, parse, fake_ocr):
    path = text_image("a.png", ["x"], pnginfo={"Creation Time": "Sat, 01 Jun 2024 08:00:00 +0000"})
    assert parse(path).meta.published == dt.date(2024, 6, 1)


def test_jpeg_with_exif_metadata(tmp_path, parse, fake_ocr, render_text):
    image = render_text(["hello"])
    exif = Image.Exif()
    exif[0x013B] = "Grace Hopper"  # Artist
    exif[0x0132] = "2023:09:14 12:00:00"  # DateTime
    path = tmp_path / "photo.JPEG"
    image.save(path, exif=exif)
    doc = parse(path)
    assert doc.meta.title == "photo"
    assert doc.meta.author == "Grace Hopper"
    assert doc.meta.published == dt.date(2023, 9, 14)
    assert doc.blocks[0].image.format == "jpeg"
    assert fake_ocr.calls == [path.read_bytes()]


def test_blank_image_is_no_content(tmp_path, parse, tesseract):
    path = tmp_path / "blank.png"
    Image.new("RGB", (400, 200), "white").save(path)
    with pytest.raises(NoContent, match="image has no readable text"):
        parse(path, ocr=tesseract)


def test_stray_ocr_characters_count_as_no_text(text_image, parse, fake_ocr):
    fake_ocr.text = " .| \n ' "
    with pytest.raises(NoContent, match="no readable text"):
        parse(text_image("specks.png", ["x"]))


def test_not_an_image(write, parse, fake_ocr):
    with pytest.raises(CorruptFile) as caught:
        parse(write("fake.png", "I am text, not pixels."))
    assert "fake.png" in caught.value.message and "not a readable image" in caught.value.message
    assert fake_ocr.calls == []


def test_truncated_png(text_image, write, parse, fake_ocr):
    data = text_image("whole.png", ["Some words"]).read_bytes()
    with pytest.raises(CorruptFile, match="cut.png"):
        parse(write("cut.png", data[: len(data) // 2]))
    assert fake_ocr.calls == []
