"""Rebuilding the index with another embedding and rolling back, with OllamaEmbeddings over
HTTP against a local stand-in of Ollama's API."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.ollama_server import OllamaStandIn

from postgraph.errors import PostgraphError
from postgraph.ingest.index_versions import activate, rebuild, rollback_target
from postgraph.ingest.pipeline import open_ingestor
from postgraph.search.hybrid import search_chunks

INT8 = "chunks__minilm-l6-v2-int8-1"
OLLAMA = "chunks__ollama-minilm-test-1"


@pytest.fixture
def ollama():
    with OllamaStandIn("minilm-test") as server:
        yield server


def test_rebuild_switches_alias_and_rollback_restores_it(settings, samples: Path, tmp_path: Path, ollama) -> None:
    settings.ollama_base_url = ollama.url
    with open_ingestor(settings) as ingestor:
        ingestor.ingest([samples / "lora-budget.md", samples / "oncall-ml-notes.txt"])
        before = ingestor.index.count(INT8)

    with open_ingestor(settings, "ollama:minilm-test") as ollama_ingestor:
        result = rebuild(ollama_ingestor)
        assert result == {"previous": INT8, "active": OLLAMA, "documents": 2, "chunks": before}
        assert ollama_ingestor.index.active_collection() == OLLAMA
        assert any(path == "/api/embed" for path, _ in ollama.requests)
        hits = search_chunks(ollama_ingestor.index, ollama_ingestor.embeddings, "LoRA adapter rank", k=1)
        assert hits[0]["metadata"]["title"].startswith("LoRA")
        # A document ingested while the new index is active goes into it only.
        settings.embedding = "ollama:minilm-test"
        extra = ollama_ingestor.ingest([samples / "data-drift-monitoring.md"]).files[0]
        assert ollama_ingestor.store.get_document(extra.document_id)["indexed_in"] == [OLLAMA]

        collection, embedding = rollback_target(ollama_ingestor.store, ollama_ingestor.index)
        assert (collection, embedding) == (INT8, "minilm-l6-v2-int8")

    settings.embedding = "minilm-l6-v2-int8"
    with open_ingestor(settings, embedding) as ingestor:
        rolled = activate(ingestor, collection, reason="rollback")
        assert rolled["active"] == INT8 and rolled["backfilled_documents"] == 1
        assert ingestor.index.active_collection() == INT8
        assert ingestor.index.document_ids(INT8) == {d["_id"] for d in ingestor.store.list_documents("indexed")}
        history = [h["reason"] for h in ingestor.store.alias_history_of("chunks")]
        assert history == ["rollback", "rebuild", "first ingest"]
        # Rolling back again returns to the Ollama collection.
        assert rollback_target(ingestor.store, ingestor.index)[0] == OLLAMA


def test_rebuild_onto_the_active_embedding_is_refused(settings, samples: Path) -> None:
    with open_ingestor(settings) as ingestor:
        ingestor.ingest([samples / "lora-budget.md"])
        with pytest.raises(PostgraphError, match="already the active"):
            rebuild(ingestor)


def test_rollback_without_history_is_refused(settings, samples: Path) -> None:
    with open_ingestor(settings) as ingestor:
        ingestor.ingest([samples / "lora-budget.md"])
        with pytest.raises(PostgraphError, match="no earlier index"):
            rollback_target(ingestor.store, ingestor.index)


def test_ingest_with_another_embedding_than_the_active_index_is_refused(settings, samples: Path, ollama) -> None:
    settings.ollama_base_url = ollama.url
    with open_ingestor(settings) as ingestor:
        ingestor.ingest([samples / "lora-budget.md"])
    with open_ingestor(settings, "ollama:minilm-test") as other:
        with pytest.raises(PostgraphError, match="another embedding"):
            other.ingest([samples / "oncall-ml-notes.txt"])
        assert other.store.count_documents() == 1


def test_embedding_server_down_aborts_with_a_clear_error(settings, samples: Path, ollama) -> None:
    settings.ollama_base_url = ollama.url
    with open_ingestor(settings) as ingestor:
        ingestor.ingest([samples / "lora-budget.md"])
    ollama.fail_with = 500
    with open_ingestor(settings, "ollama:minilm-test") as other:
        with pytest.raises(PostgraphError, match="Embedding with ollama:minilm-test@1 failed"):
            rebuild(other)
        assert other.index.active_collection() == INT8, "the alias does not move to a half-built index"
