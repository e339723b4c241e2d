"""OCR engines: Tesseract for real, an Ollama-like server on localhost, and their failures."""

from __future__ import annotations

import base64
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from postgraph.errors import CorruptFile, IngestError
from postgraph.ingest.documents import BlockKind
from postgraph.ingest.parsers import OllamaVisionOcr, TesseractOcr, make_ocr_engine
from postgraph.settings import Settings


def png_bytes(render_text, lines: list[str]) -> bytes:
    buffer = io.BytesIO()
    render_text(lines).save(buffer, format="PNG")
    return buffer.getvalue()


# --- Tesseract ---------------------------------------------------------------------------


def test_tesseract_reads_text(render_text, tesseract):
    text = tesseract.extract_text(png_bytes(render_text, ["Hello OCR world", "second line"]))
    assert text == "Hello OCR world\nsecond line"


def test_tesseract_reads_other_formats_via_conversion(render_text, tesseract):
    buffer = io.BytesIO()
    render_text(["Bitmap input"]).save(buffer, format="BMP")
    assert tesseract.extract_text(buffer.getvalue()) == "Bitmap input"


def test_tesseract_never_gets_non_image_bytes(tmp_path, render_text, tesseract):
    # Tesseract reads non-image stdin as a list of file names: that must not happen.
    target = tmp_path / "elsewhere.png"
    render_text(["Private words"]).save(target)
    with pytest.raises(CorruptFile, match="not an image"):
        tesseract.extract_text(str(target).encode() + b"\n")


def test_tesseract_missing_binary():
    engine = TesseractOcr(binary="/nonexistent/tesseract")
    with pytest.raises(IngestError) as caught:
        engine.extract_text(b"\x89PNG\r\n\x1a\n")
    assert "apt-get install tesseract-ocr" in caught.value.message


def test_tesseract_unknown_language():
    engine = TesseractOcr(language="zzz")
    with pytest.raises(IngestError) as caught:
        engine.extract_text(b"\x89PNG\r\n\x1a\n")
    assert not isinstance(caught.value, CorruptFile)
    assert "tesseract-ocr-zzz" in caught.value.message


def test_tesseract_failure_is_corrupt_file_with_stderr(render_text, tesseract):
    data = png_bytes(render_text, ["cut short"])
    with pytest.raises(CorruptFile) as caught:
        tesseract.extract_text(data[: len(data) // 3])
    assert "exit code" in caught.value.message and "png" in caught.value.message.lower()


# --- Ollama vision model -----------------------------------------------------------------


class FakeOllama:
    """A tiny /api/chat server on 127.0.0.1; `reply` decides status and body per request."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.status = 200
        self.body: Any = {"message": {"role": "assistant", "content": "  Total:  42 \n\n EUR "}}
        self.delay_s = 0.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server naming)
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length))
                fake.requests.append({"path": self.path, "json": body})
                time.sleep(fake.delay_s)
                payload = fake.body
                if not isinstance(payload, bytes):
                    payload = json.dumps(payload).encode()
                try:
                    self.send_response(fake.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                except OSError:
                    pass  # the client gave up (timeout test)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    """httpx honours proxy variables; a proxy must not sit between us and 127.0.0.1."""
    for var in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(var, raising=False)


@pytest.fixture
def ollama() -> Iterator[FakeOllama]:
    fake = FakeOllama()
    thread = threading.Thread(
        target=fake.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    yield fake
    fake.server.shutdown()
    fake.server.server_close()


def test_ollama_sends_image_and_returns_text(ollama):
    engine = OllamaVisionOcr(ollama.url + "/", "llava:7b", timeout_s=5)
    assert engine.extract_text(b"image-bytes") == "Total: 42\nEUR"
    [request] = ollama.requests
    assert request["path"] == "/api/chat"
    body = request["json"]
    assert body["model"] == "llava:7b"
    assert body["stream"] is False
    assert body["options"] == {"temperature": 0}
    [message] = body["messages"]
    assert message["role"] == "user"
    assert message["content"] == (
        "Transcribe all text in this image exactly. Reply with the text only."
    )
    assert message["images"] == [base64.b64encode(b"image-bytes").decode()]


def test_ollama_engine_in_parse_file(ollama, text_image, parse):
    ollama.body = {"message": {"content": "Invoice number 7"}}
    engine = OllamaVisionOcr(ollama.url, "llava", timeout_s=5)
    doc = parse(text_image("invoice.png", ["Invoice"]), ocr=engine)
    assert doc.blocks[0].kind is BlockKind.IMAGE
    assert doc.blocks[0].text == "Invoice number 7"


def test_ollama_http_error_carries_server_message(ollama):
    ollama.status = 404
    ollama.body = {"error": "model 'llava' not found, try pulling it first"}
    with pytest.raises(IngestError) as caught:
        OllamaVisionOcr(ollama.url, "llava", timeout_s=5).extract_text(b"x")
    message = caught.value.message
    assert ollama.url in message and "HTTP 404" in message and "not found" in message


def test_ollama_unexpected_answer(ollama):
    ollama.body = b"<html>not json</html>"
    with pytest.raises(IngestError, match="unexpected answer"):
        OllamaVisionOcr(ollama.url, "llava", timeout_s=5).extract_text(b"x")


def test_ollama_timeout(ollama):
    ollama.delay_s = 1.0
    with pytest.raises(IngestError, match="did not answer within 0.2 s"):
        OllamaVisionOcr(ollama.url, "llava", timeout_s=0.2).extract_text(b"x")


def test_ollama_unreachable():
    with socket.socket() as sock:  # a port that was free a moment ago has no server on it
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    with pytest.raises(IngestError) as caught:
        OllamaVisionOcr(url, "llava", timeout_s=2).extract_text(b"x")
    assert f"OCR model server at {url} is unreachable" in caught.value.message


# --- factory -----------------------------------------------------------------------------


def test_make_ocr_engine(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no stray .env file
    tesseract = make_ocr_engine(Settings(ocr_provider="tesseract", ocr_language="deu"))
    assert isinstance(tesseract, TesseractOcr) and tesseract.language == "deu"
    ollama = make_ocr_engine(
        Settings(
            ocr_provider="ollama",
            ollama_base_url="http://10.0.0.9:11434",
            ollama_vision_model="qwen2.5vl",
            ollama_timeout_s=7,
        )
    )
    assert isinstance(ollama, OllamaVisionOcr)
    assert ollama.base_url == "http://10.0.0.9:11434"
    assert (ollama.model, ollama.timeout_s) == ("qwen2.5vl", 7)
    assert ollama.name == "ollama:qwen2.5vl"


def test_tesseract_runs_with_one_openmp_thread(tmp_path, render_text):
    # Tesseract's default OpenMP threads made each newsletter image 6x slower to read.
    fake = tmp_path / "tesseract"
    fake.write_text('#!/bin/sh\ncat > /dev/null\necho "omp threads: $OMP_THREAD_LIMIT"\n')
    fake.chmod(0o755)
    engine = TesseractOcr(binary=str(fake))
    assert engine.extract_text(png_bytes(render_text, ["any text"])) == "omp threads: 1"
