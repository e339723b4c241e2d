"""Versions of the vector index: one collection per embedding, and the alias that names the
active one.

    rebuild(ingestor)              embed every indexed document's stored chunks into the
                                   ingestor's embedding collection, then move the alias there
    activate(ingestor, collection) move the alias to an existing collection of that embedding,
                                   first adding the documents indexed since it was last active
    rollback_target(store, index)  the collection the alias named before the current one
    point_alias(settings, ...)     make the alias name a collection, for a retrieval strategy;
    alias_follower(settings, ...)  the hook a strategy promotion runs before its label moves

The old collection stays after a switch, so a rollback is an alias move, not a rebuild.
Every switch is recorded in the store's alias history.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import Any, Protocol

from postgraph.errors import PostgraphError, RegistryError
from postgraph.ingest.parsers import make_ocr_engine
from postgraph.ingest.pipeline import Ingestor
from postgraph.search.embeddings import CATALOGUE, embedding_spec, make_embeddings
from postgraph.search.index import VectorIndex, open_index
from postgraph.settings import Settings
from postgraph.stores.documents import DocumentStore
from postgraph.stores.open import open_store

Progress = Callable[[int, int], None]


def rebuild(ingestor: Ingestor, on_progress: Progress | None = None) -> dict[str, Any]:
    """Embed every indexed document's stored chunks into the ingestor's embedding collection,
    then move the alias to it. The old collection stays for `rollback`."""
    store, index = ingestor.store, ingestor.index
    store.ping()
    previous = index.active_collection()
    target = index.collection_for(ingestor.spec)
    if target == previous:
        raise PostgraphError(f"{target} is already the active collection; nothing to rebuild.")
    # A collection left by an interrupted rebuild is incomplete: start it over.
    index.drop_collection(target)
    index.ensure_collection(target, ingestor.dimensions())
    documents = store.list_documents(status="indexed")
    _fill(ingestor, target, documents, on_progress)
    index.point_alias_at(target)
    store.record_alias(index.alias, target, ingestor.spec.version, reason="rebuild")
    return {"previous": previous, "active": target, "documents": len(documents), "chunks": index.count(target)}


def activate(ingestor: Ingestor, collection: str, reason: str, on_progress: Progress | None = None) -> dict[str, Any]:
    """Point the alias at an existing collection of the ingestor's embedding, first adding the
    documents indexed since it was last active, so no current document goes missing."""
    store, index = ingestor.store, ingestor.index
    store.ping()
    if collection != index.collection_for(ingestor.spec):
        raise PostgraphError(f"{collection} was not built with {ingestor.spec.version}")
    if not index.client.collection_exists(collection):
        raise PostgraphError(f"Collection {collection} no longer exists; rebuild it instead.")
    missing = [d for d in store.list_documents(status="indexed") if collection not in d.get("indexed_in", [])]
    _fill(ingestor, collection, missing, on_progress)
    index.point_alias_at(collection)
    store.record_alias(index.alias, collection, ingestor.spec.version, reason=reason)
    return {"active": collection, "backfilled_documents": len(missing), "chunks": index.count(collection)}


def _fill(ingestor: Ingestor, collection: str, documents: list[dict[str, Any]], on_progress: Progress | None) -> None:
    for done, document in enumerate(documents, start=1):
        ingestor.index_chunks(collection, document, ingestor.store.chunks_of([document["_id"]]))
        if on_progress:
            on_progress(done, len(documents))
    ingestor.store.add_indexed_in([d["_id"] for d in documents], collection)


def rollback_target(store: DocumentStore, index: VectorIndex) -> tuple[str, str]:
    """The collection (and its embedding name) the alias named before the current one."""
    current = index.active_collection()
    existing = set(index.collections())
    for entry in store.alias_history_of(index.alias):
        if entry["collection"] != current and entry["collection"] in existing:
            return entry["collection"], entry["embedding_version"].rsplit("@", 1)[0]
    raise PostgraphError("There is no earlier index collection to roll back to.")


def collection_embedding(store: DocumentStore, index: VectorIndex, collection: str) -> str:
    """The embedding name whose vectors `collection` holds: from the alias history when the
    alias named it before, else from the embedding catalogue's collection names."""
    for entry in store.alias_history_of(index.alias):
        if entry["collection"] == collection:
            return entry["embedding_version"].rsplit("@", 1)[0]
    for name, spec in CATALOGUE.items():
        if index.collection_for(spec) == collection:
            return name
    raise RegistryError(f"Cannot tell which embedding collection {collection} was built with: "
                        "no alias history names it and no catalogued embedding has that name.")


def point_alias(settings: Settings, collection: str, reason: str, *, index: VectorIndex | None = None,
                store: DocumentStore | None = None) -> dict[str, Any]:
    """Make the index alias name `collection`, recorded in the alias history like `index
    rebuild` and `index rollback` do. The collection must exist and hold vectors of the
    configured embedding (else queries and vectors would not be comparable); documents
    indexed since it was last active are added first, so none goes missing.

    A caller that holds the index and store open passes them (the local Qdrant allows one
    client per path); otherwise they are opened for the call."""
    with ExitStack() as stack:
        if store is None:
            store = stack.enter_context(open_store(settings))
        if index is None:
            index = stack.enter_context(open_index(settings))
        return _point_alias(settings, collection, reason, index, store)


def _point_alias(settings: Settings, collection: str, reason: str, index: VectorIndex,
                 store: DocumentStore) -> dict[str, Any]:
    previous = index.active_collection()
    if not index.client.collection_exists(collection):
        raise RegistryError(f"The index has no collection {collection}; build it first "
                            "(`postgraph index rebuild --embedding NAME`).")
    embedding = collection_embedding(store, index, collection)
    if embedding != settings.embedding:
        raise RegistryError(
            f"Collection {collection} holds vectors of embedding {embedding}, but queries are embedded "
            f"with {settings.embedding}: set POSTGRAPH_EMBEDDING={embedding} (here and for the service) "
            "and run this again."
        )
    if previous == collection:
        return {"previous": previous, "active": collection, "moved": False, "backfilled_documents": 0}
    missing = [d for d in store.list_documents(status="indexed") if collection not in d.get("indexed_in", [])]
    if missing:
        # Documents arrived while the collection was not active: embed them in, then switch.
        embeddings, spec = make_embeddings(settings, embedding)
        ingestor = Ingestor(settings, store, index, embeddings, spec, make_ocr_engine(settings))
        result = activate(ingestor, collection, reason)
        return {"previous": previous, "active": collection, "moved": True,
                "backfilled_documents": result["backfilled_documents"]}
    index.point_alias_at(collection)
    store.record_alias(index.alias, collection, embedding_spec(embedding).version, reason=reason)
    return {"previous": previous, "active": collection, "moved": True, "backfilled_documents": 0}


class NamesCollection(Protocol):
    """A retrieval strategy, as far as the alias cares: the collection it needs, or None."""

    collection: str | None


def alias_follower(settings: Settings, label: str, reason: str, moves: list[dict[str, Any]], *,
                   index: VectorIndex | None = None, store: DocumentStore | None = None
                   ) -> Callable[[str, NamesCollection], None]:
    """The `before` hook of a retrieval strategy's promote or rollback: moves the alias when
    `label` is the one this deployment runs and the strategy names a collection; what it did
    is appended to `moves`. The registry calls it before writing the label, so a failed move
    leaves the label where it was."""

    def move(version: str, strategy: NamesCollection) -> None:
        if label != settings.retrieval_label or strategy.collection is None:
            return
        moves.append(point_alias(settings, strategy.collection, f"{reason} retrieval@{version}",
                                 index=index, store=store))

    return move
