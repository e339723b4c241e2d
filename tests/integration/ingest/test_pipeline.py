"""Ingestion against the real local MongoDB-compatible server and real on-disk Qdrant."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgraph.errors import StoreUnavailable
from postgraph.ingest.pipeline import Ingestor, open_ingestor
from postgraph.search.index import VectorIndex

NOTE = """Title: {title}
Author: Dana Whitlow
Date: 2026-04-0{day}

The ranking service answered {count} requests per second after the cache change.

Its p99 latency stayed under 90 ms for the whole week.
"""


def write_note(folder: Path, name: str = "note.txt", *, title: str = "Cache notes", count: int = 4200, day: int = 1) -> Path:
    path = folder / name
    path.write_text(NOTE.format(title=title, count=count, day=day))
    return path


def assert_consistent(ingestor: Ingestor) -> None:
    """Every indexed document has exactly its chunks in the active collection, nothing else."""
    store, index = ingestor.store, ingestor.index
    collection = index.active_collection()
    indexed = store.list_documents(status="indexed")
    expected = sum(store.count_parts("chunks", document_id=d["_id"]) for d in indexed)
    assert index.count(collection) == expected
    assert index.document_ids(collection) <= {d["_id"] for d in indexed}
    assert store.pending_documents() == []


@pytest.fixture
def ingestor(settings) -> Ingestor:
    with open_ingestor(settings) as built:
        yield built


def test_ingest_stores_blocks_chunks_and_vectors(ingestor: Ingestor, tmp_path: Path, samples: Path) -> None:
    files = [write_note(tmp_path), samples / "gpu-cost-accounting.html"]
    report = ingestor.ingest(files)

    assert [f.status for f in report.files] == ["stored", "stored"]
    html = ingestor.store.get_document(report.files[1].document_id)
    assert html["status"] == "indexed" and html["version"] == 1 and html["format"] == "html"
    assert html["author"] == "Ilse Varnholt" and html["published"].date().isoformat() == "2025-07-15"
    assert set(html["block_kinds"]) == {"text", "table", "image"}
    kinds = [b["kind"] for b in ingestor.store.blocks_of(html["_id"])]
    assert kinds.count("table") == 1 and kinds.count("image") == 1
    table = next(b for b in ingestor.store.blocks_of(html["_id"]) if b["kind"] == "table")
    assert table["rows"][0] and table["text"].startswith("|")
    assert html["embedding_version"] == "minilm-l6-v2-int8@1"
    assert html["indexed_in"] == ["chunks__minilm-l6-v2-int8-1"]
    assert ingestor.index.active_collection() == "chunks__minilm-l6-v2-int8-1"
    assert_consistent(ingestor)


def test_reingesting_identical_content_is_a_no_op(ingestor: Ingestor, tmp_path: Path) -> None:
    note = write_note(tmp_path)
    first = ingestor.ingest([note]).files[0]
    points = ingestor.index.count(ingestor.index.active_collection())

    second = ingestor.ingest([note]).files[0]

    assert second.status == "unchanged" and second.document_id == first.document_id
    assert ingestor.store.count_documents() == 1
    assert ingestor.index.count(ingestor.index.active_collection()) == points


def test_changed_content_becomes_a_new_version_and_the_old_one_is_kept(ingestor: Ingestor, tmp_path: Path) -> None:
    note = write_note(tmp_path, count=4200)
    old = ingestor.ingest([note]).files[0]
    write_note(tmp_path, count=5100)

    new = ingestor.ingest([note]).files[0]

    assert new.status == "new_version" and new.version == 2 and new.superseded == [old.document_id]
    old_doc = ingestor.store.get_document(old.document_id)
    assert old_doc["status"] == "superseded" and old_doc["superseded_by"] == new.document_id
    assert ingestor.store.blocks_of(old.document_id), "old blocks are kept"
    collection = ingestor.index.active_collection()
    assert ingestor.index.document_ids(collection) == {new.document_id}
    assert_consistent(ingestor)

    # Going back to the first content makes that version active again.
    write_note(tmp_path, count=4200)
    restored = ingestor.ingest([note]).files[0]
    assert restored.status == "restored" and restored.document_id == old.document_id
    assert ingestor.index.document_ids(collection) == {old.document_id}
    assert ingestor.store.get_document(new.document_id)["status"] == "superseded"
    assert_consistent(ingestor)


def test_directory_with_good_and_bad_files(ingestor: Ingestor, tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    write_note(folder, "good.txt")
    (folder / "empty.md").write_text("")
    (folder / "data.csv").write_text("a,b\n1,2\n")
    (folder / "broken.pdf").write_bytes(b"this is not a pdf at all")
    (folder / "latin1.txt").write_bytes("caf\xe9 notes".encode("latin-1"))
    (folder / "only-scripts.html").write_text("<html><script>var a = 1;</script><style>p{}</style></html>")
    (folder / "big.md").write_text("word " * 5000)
    ingestor.settings.max_file_bytes = 10_000

    report = ingestor.ingest([folder])

    by_name = {Path(f.path).name: f for f in report.files}
    assert by_name["good.txt"].status == "stored"
    assert {name: f.error_code for name, f in by_name.items() if not f.ok} == {
        "empty.md": "empty_file",
        "data.csv": "unsupported_format",
        "broken.pdf": "corrupt_file",
        "latin1.txt": "undecodable",
        "only-scripts.html": "no_content",
        "big.md": "file_too_large",
    }
    assert all(f.error for f in report.failed)
    assert ingestor.store.count_documents() == 1, "nothing is written for a bad file"
    assert report.aborted is None
    assert_consistent(ingestor)


def test_missing_path_is_reported(ingestor: Ingestor, tmp_path: Path) -> None:
    report = ingestor.ingest([tmp_path / "nope.md"])
    assert report.files[0].error_code == "not_found"
    assert ingestor.store.count_documents() == 0


def test_store_down_gives_a_clear_error_and_writes_nothing(settings, tmp_path: Path) -> None:
    settings.mongodb_uri = "mongodb://127.0.0.1:9/?directConnection=true"
    settings.mongodb_timeout_ms = 300
    with open_ingestor(settings) as ingestor:
        with pytest.raises(StoreUnavailable, match="unreachable"):
            ingestor.ingest([write_note(tmp_path)])
        assert ingestor.index.collections() == []


def test_crash_after_vectors_before_marking_indexed_is_finished_by_next_run(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = write_note(tmp_path)
    real_upsert = VectorIndex.upsert

    def upsert_then_die(self, collection, chunks):
        real_upsert(self, collection, chunks)
        raise KeyboardInterrupt  # the process is stopped right after writing vectors

    monkeypatch.setattr(VectorIndex, "upsert", upsert_then_die)
    with pytest.raises(KeyboardInterrupt):
        ingestor.ingest([note])
    [pending] = ingestor.store.pending_documents()
    assert ingestor.store.list_documents(status="indexed") == []
    monkeypatch.setattr(VectorIndex, "upsert", real_upsert)

    again = ingestor.ingest([note]).files[0]

    assert again.status == "resumed" and again.document_id == pending["_id"] and again.version == 1
    assert_consistent(ingestor)


def test_pending_document_of_older_content_is_cleaned_when_the_file_changed(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    note = write_note(tmp_path, count=1)
    monkeypatch.setattr(Ingestor, "index_chunks", lambda *a: (_ for _ in ()).throw(KeyboardInterrupt))
    with pytest.raises(KeyboardInterrupt):
        ingestor.ingest([note])
    monkeypatch.undo()
    write_note(tmp_path, count=2)

    report = ingestor.ingest([note]).files[0]

    assert report.status == "stored" and report.version == 1
    assert ingestor.store.count_documents() == 1
    assert_consistent(ingestor)


def test_embedding_failure_stops_the_run_and_leaves_nothing_half_done(
    ingestor: Ingestor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = write_note(tmp_path, "a.txt", count=1), write_note(tmp_path, "b.txt", count=2)

    def broken(texts):
        raise ConnectionError("embedding server went away")

    monkeypatch.setattr(ingestor.embeddings, "embed_documents", broken)
    report = ingestor.ingest([first, second])
    assert report.aborted and "embedding server went away" in report.aborted
    assert [f.error_code for f in report.files] == ["embedding_error"], "the run stops at the first failure"
    assert ingestor.store.list_documents(status="indexed") == []
    monkeypatch.undo()

    done = ingestor.ingest([first, second])
    assert [f.status for f in done.files] == ["resumed", "stored"]
    assert_consistent(ingestor)
