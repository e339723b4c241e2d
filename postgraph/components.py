"""Assemble the store, the index, the embedding model and the OCR engine from settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from postgraph.ingestion import Ingestor
from postgraph.services.local_mongo import mongo_uri
from postgraph.settings import Settings
from postgraph.tools.document_store import DocumentStore, make_document_store
from postgraph.tools.embeddings import make_embeddings
from postgraph.tools.parsers import make_ocr_engine
from postgraph.tools.vector_index import VectorIndex, make_qdrant_client


@contextmanager
def open_store(settings: Settings) -> Iterator[DocumentStore]:
    """The document store, starting the local server for the duration when none is running."""
    with mongo_uri(settings) as uri:
        store = make_document_store(
            uri, settings.mongodb_database, settings.mongodb_timeout_ms, settings.write_batch_size
        )
        try:
            yield store
        finally:
            store.close()


@contextmanager
def open_index(settings: Settings) -> Iterator[VectorIndex]:
    index = VectorIndex(make_qdrant_client(settings), settings.collection_prefix, settings.write_batch_size)
    try:
        yield index
    finally:
        index.close()


@contextmanager
def open_ingestor(settings: Settings, embedding: str | None = None) -> Iterator[Ingestor]:
    embeddings, spec = make_embeddings(settings, embedding)
    with open_store(settings) as store, open_index(settings) as index:
        yield Ingestor(settings, store, index, embeddings, spec, make_ocr_engine(settings))
