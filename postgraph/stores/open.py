"""Open the stores from settings: the document store (and the run store on the same database),
starting the local MongoDB-compatible server for the duration when none is running."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from postgraph.services.local_mongo import mongo_uri
from postgraph.settings import Settings
from postgraph.stores.documents import DocumentStore, make_document_store
from postgraph.stores.runs import RunStore


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
def open_run_store(settings: Settings) -> Iterator[RunStore]:
    """The run store of the configured document store."""
    with open_store(settings) as store:
        yield RunStore.of(store)
