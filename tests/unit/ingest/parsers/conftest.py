"""Fixtures shared by the parser tests: OCR engines and builders for input files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image, ImageDraw, ImageFont
from PIL.PngImagePlugin import PngInfo

from postgraph.ingest.documents import ParsedDocument
from postgraph.ingest.parsers import OcrEngine, TesseractOcr, parse_file

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
MAX_BYTES = 5 * 1024 * 1024


class FakeOcr:
    """Answers every image with fixed text and remembers what it was asked."""

    name = "fake"

    def __init__(self, text: str = "") -> None:
        self.text = text
        self.calls: list[bytes] = []

    def extract_text(self, image: bytes) -> str:
        self.calls.append(image)
        return self.text


@pytest.fixture
def fake_ocr() -> FakeOcr:
    return FakeOcr("Text seen in the picture")


@pytest.fixture(scope="session")
def tesseract() -> TesseractOcr:
    return TesseractOcr(language="eng")


def render_text_image(lines: list[str], size: tuple[int, int] = (900, 220)) -> Image.Image:
    """Black DejaVu Sans 40px text on white: easy for Tesseract to read."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, 40)
    for i, line in enumerate(lines):
        draw.text((30, 30 + i * 60), line, fill="black", font=font)
    return image


@pytest.fixture
def render_text() -> Callable[..., Image.Image]:
    """The image renderer itself, for tests that save with their own options (EXIF)."""
    return render_text_image


@pytest.fixture
def text_image(tmp_path: Path) -> Callable[..., Path]:
    """Write an image showing `lines` to tmp_path/name (format from the suffix)."""

    def make(name: str, lines: list[str], pnginfo: dict[str, str] | None = None) -> Path:
        path = tmp_path / name
        image = render_text_image(lines)
        if pnginfo:
            info = PngInfo()
            for key, value in pnginfo.items():
                info.add_text(key, value)
            image.save(path, pnginfo=info)
        else:
            image.save(path)
        return path

    return make


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str | bytes], Path]:
    """Write text (UTF-8) or bytes to tmp_path/name and return the path."""

    def make(name: str, content: str | bytes) -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return make


@pytest.fixture
def parse(fake_ocr: FakeOcr) -> Callable[..., ParsedDocument]:
    """parse_file with a generous size limit and the fake OCR engine unless told otherwise."""

    def run(
        path: Path, *, ocr: OcrEngine | None = None, max_bytes: int = MAX_BYTES
    ) -> ParsedDocument:
        return parse_file(path, max_bytes=max_bytes, ocr=ocr or fake_ocr)

    return run
