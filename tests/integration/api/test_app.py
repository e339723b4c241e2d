"""The HTTP API against the real local MongoDB-compatible server and on-disk Qdrant."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from postgraph.api.app import create_app


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings)) as test_client:
        yield test_client


def upload(client: TestClient, *files: tuple[str, bytes]):
    return client.post("/documents", files=[("files", (name, data)) for name, data in files])


def test_health(client: TestClient) -> None:
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["embedding_version"] == "minilm-l6-v2-int8@1"


def test_upload_list_show_search(client: TestClient, samples: Path) -> None:
    response = upload(client, ("lora-budget.md", (samples / "lora-budget.md").read_bytes()),
                      ("card.png", (samples / "weekly-metrics-card.png").read_bytes()))
    assert response.status_code == 200
    files = response.json()["files"]
    assert [f["status"] for f in files] == ["stored", "stored"]

    documents = client.get("/documents").json()
    assert {d["format"] for d in documents} == {"markdown", "image"}
    card = next(d for d in documents if d["format"] == "image")
    detail = client.get(f"/documents/{card['id']}").json()
    assert detail["blocks"][0]["kind"] == "image" and detail["blocks"][0]["ocr_text"]

    hits = client.get("/search", params={"q": "LoRA rank and rented GPU cost", "k": 2}).json()
    assert hits[0]["metadata"]["title"].startswith("LoRA")
    assert client.get("/search", params={"q": "metrics", "kind": "image"}).json()[0]["metadata"]["block_kind"] == "image"


def test_same_name_new_content_is_a_new_version(client: TestClient) -> None:
    first = upload(client, ("note.txt", b"Title: Note\n\nThe queue held 40 jobs.")).json()["files"][0]
    second = upload(client, ("note.txt", b"Title: Note\n\nThe queue held 55 jobs.")).json()["files"][0]
    assert second["status"] == "new_version" and second["version"] == 2
    assert second["superseded"] == [first["document_id"]]
    assert [d["status"] for d in client.get("/documents", params={"status": "superseded"}).json()] == ["superseded"]


def test_bad_uploads_are_reported_and_good_ones_kept(client: TestClient, settings) -> None:
    settings.max_file_bytes = 2000
    response = upload(client, ("ok.txt", b"Title: Fine\n\nA fine note about 3 dashboards."),
                      ("empty.md", b""), ("big.md", b"x" * 5000), ("fake.pdf", b"hello"), ("run.exe", b"MZ"))
    assert response.status_code == 200
    codes = {f["path"].rsplit("/", 1)[-1]: f["error_code"] for f in response.json()["files"]}
    assert codes == {"big.md": "file_too_large", "ok.txt": None, "empty.md": "empty_file",
                     "fake.pdf": "corrupt_file", "run.exe": "unsupported_format"}
    assert len(client.get("/documents").json()) == 1


def test_unknown_document_and_bad_queries(client: TestClient) -> None:
    missing = client.get("/documents/doc_nope")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert client.get("/search", params={"q": ""}).status_code == 422
    assert client.get("/search", params={"q": "x" * 2001}).status_code == 422
    assert client.get("/documents", params={"status": "weird"}).status_code == 422
    empty_index = client.get("/search", params={"q": "anything"})
    assert empty_index.status_code == 400 and "ingest" in empty_index.json()["error"]["message"]
    assert client.post("/documents").status_code == 422


def test_store_down_is_503(settings) -> None:
    settings.mongodb_uri = "mongodb://127.0.0.1:9/?directConnection=true"
    settings.mongodb_timeout_ms = 300
    with TestClient(create_app(settings)) as client:
        response = client.get("/health")
        assert response.status_code == 503
        assert response.json()["error"]["code"] == "store_unavailable"
        assert upload(client, ("a.txt", b"Title: A\n\nOne fact: 7 runs.")).status_code == 503
