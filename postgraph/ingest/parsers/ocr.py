"""OCR engines: the Tesseract command-line tool, or a vision model served by Ollama.

Nothing here does work at import time; an engine only runs a process or opens a connection
when `extract_text` is called.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
from typing import TYPE_CHECKING, Protocol

import httpx
from PIL import Image, UnidentifiedImageError

from postgraph.errors import CorruptFile, IngestError

if TYPE_CHECKING:
    from postgraph.settings import Settings

OLLAMA_PROMPT = "Transcribe all text in this image exactly. Reply with the text only."


class OcrEngine(Protocol):
    """Turns the bytes of one image (PNG, JPEG, ...) into the text it shows."""

    name: str

    def extract_text(self, image: bytes) -> str: ...


def _normalize(text: str) -> str:
    """Collapse whitespace inside lines and drop blank lines (Tesseract pads with both)."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def tesseract_environment() -> dict[str, str]:
    """Tesseract's OpenMP threads cost far more than they save on newsletter-sized images
    (measured: 1.34 s with the default threads, 0.20 s with one, for the same PNG), and
    ingestion runs other work on the remaining cores anyway."""
    return {**os.environ, "OMP_THREAD_LIMIT": "1"}


class TesseractOcr:
    """Runs `tesseract stdin stdout -l <language>` with the image on standard input."""

    def __init__(
        self, language: str = "eng", binary: str = "tesseract", timeout_s: float = 60
    ) -> None:
        self.language = language
        self.binary = binary
        self.timeout_s = timeout_s
        self.name = f"tesseract:{language}"

    def extract_text(self, image: bytes) -> str:
        command = [self.binary, "stdin", "stdout", "-l", self.language]
        image = _tesseract_readable(image)
        try:
            done = subprocess.run(
                command, input=image, capture_output=True, timeout=self.timeout_s, check=False,
                env=tesseract_environment(),
            )
        except FileNotFoundError:
            raise IngestError(
                f"Tesseract OCR is not installed (no {self.binary!r} program found). Install it "
                "with `apt-get install tesseract-ocr`, or set POSTGRAPH_OCR_PROVIDER=ollama."
            ) from None
        except subprocess.TimeoutExpired:
            raise IngestError(
                f"Tesseract OCR did not finish within {self.timeout_s:g} s on this image."
            ) from None
        stderr = done.stderr.decode("utf-8", errors="replace").strip()
        if done.returncode != 0:
            if "Failed loading language" in stderr or "Could not initialize tesseract" in stderr:
                # A setup problem, not a problem of this image: say how to fix it.
                packages = " ".join(f"tesseract-ocr-{lang}" for lang in self.language.split("+"))
                raise IngestError(
                    f"Tesseract has no data for language {self.language!r}; install it with "
                    f"`apt-get install {packages}` or change "
                    f"POSTGRAPH_OCR_LANGUAGE. Tesseract said: {stderr[-300:]}"
                )
            raise CorruptFile(
                f"Tesseract could not read the image (exit code {done.returncode}): "
                f"{stderr[-300:] or 'no error output'}"
            )
        return _normalize(done.stdout.decode("utf-8", errors="replace"))


# Formats Tesseract (Leptonica) reads from stdin; the magic numbers are unambiguous.
_PASS_THROUGH = (
    b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a", b"II*\x00", b"MM\x00*"
)


def _tesseract_readable(image: bytes) -> bytes:
    """The image as bytes Tesseract can decode, re-encoded as PNG when in another format.

    Tesseract treats stdin that is not an image as a list of file names to OCR, so anything
    else must never reach it as is.
    """
    if image.startswith(_PASS_THROUGH):
        return image
    try:
        with Image.open(io.BytesIO(image)) as opened:
            buffer = io.BytesIO()
            opened.save(buffer, format="PNG")
    except UnidentifiedImageError:
        raise CorruptFile("The bytes given to OCR are not an image format it can read.") from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise CorruptFile(f"The image cannot be decoded for OCR: {exc}") from None
    return buffer.getvalue()


class OllamaVisionOcr:
    """Asks a vision model on an Ollama server to transcribe the image (POST /api/chat)."""

    def __init__(self, base_url: str, model: str, timeout_s: float = 120.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.model = model
        self.timeout_s = timeout_s
        self.name = f"ollama:{model}"

    def extract_text(self, image: bytes) -> str:
        url = f"{self.base_url}/api/chat"
        payload = {
            "model": self.model,
            "stream": False,
            "messages": [
                {
                    "role": "user",
                    "content": OLLAMA_PROMPT,
                    "images": [base64.b64encode(image).decode("ascii")],
                }
            ],
            "options": {"temperature": 0},
        }
        try:
            response = httpx.post(url, json=payload, timeout=self.timeout_s)
        except httpx.TimeoutException:
            raise IngestError(
                f"OCR model server at {self.base_url} did not answer within {self.timeout_s:g} s."
            ) from None
        except httpx.HTTPError as exc:
            raise IngestError(
                f"OCR model server at {self.base_url} is unreachable: {exc or type(exc).__name__}. "
                "Is Ollama running?"
            ) from None
        if response.status_code != 200:
            raise IngestError(
                f"OCR model server at {self.base_url} returned HTTP {response.status_code}: "
                f"{_error_detail(response)}"
            )
        try:
            content = response.json()["message"]["content"]
        except (ValueError, KeyError, TypeError):
            raise IngestError(
                f"OCR model server at {self.base_url} returned an unexpected answer "
                f"(no message.content): {response.text[:200]!r}"
            ) from None
        if not isinstance(content, str):
            raise IngestError(
                f"OCR model server at {self.base_url} returned a non-text message.content."
            )
        return _normalize(content)


def _error_detail(response: httpx.Response) -> str:
    """Ollama's own error text when it sent one (e.g. "model ... not found"), else the body."""
    try:
        detail = response.json().get("error")
    except (ValueError, AttributeError):
        detail = None
    return str(detail) if detail else (response.text[:200] or response.reason_phrase)


def make_ocr_engine(settings: Settings) -> OcrEngine:
    """The OCR engine the settings ask for; constructing it does not contact anything."""
    if settings.ocr_provider == "ollama":
        return OllamaVisionOcr(
            settings.ollama_base_url, settings.ollama_vision_model, settings.ollama_timeout_s
        )
    return TesseractOcr(language=settings.ocr_language)
