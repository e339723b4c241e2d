"""The ingestion pipeline: parse -> store (pending) -> chunk -> embed -> index -> mark indexed.

Each file is one unit of work. Its document is only `indexed` once its vectors are in Qdrant;
anything interrupted before that stays `pending` and is cleaned up and redone by the next run,
so a crash leaves neither orphan vectors nor a half-written document that looks complete.
`index_chunks` also backs the index versions (`ingest/index_versions.py`): a new embedding
gets a new collection, filled from the stored chunks.
"""

from __future__ import annotations

import datetime as dt
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.embeddings import Embeddings

from postgraph.errors import IngestError, PostgraphError, StoreUnavailable
from postgraph.ingest.chunking import Chunk, block_id, chunk_blocks, chunk_id
from postgraph.ingest.documents import ParsedDocument
from postgraph.ingest.parsers import OcrEngine, make_ocr_engine, parse_file
from postgraph.ingest.parsers.screening import SCREENING_VERSION
from postgraph.search.embeddings import EmbeddingError, EmbeddingSpec, count_tokens, make_embeddings
from postgraph.search.index import IndexedChunk, VectorIndex, open_index
from postgraph.search.sparse import BM25SparseEmbeddings
from postgraph.settings import Settings
from postgraph.stores.documents import DocumentStore
from postgraph.stores.open import open_store

FileStatus = Literal["stored", "new_version", "unchanged", "resumed", "restored", "rescreened", "failed"]
STAGES = ("parse", "store", "embed", "index")


@dataclass
class FileReport:
    path: str
    status: FileStatus
    document_id: str | None = None
    title: str | None = None
    version: int | None = None
    blocks: dict[str, int] = field(default_factory=dict)
    chunks: int = 0
    superseded: list[str] = field(default_factory=list)
    screened: dict[str, int] = field(default_factory=dict)
    error_code: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status != "failed"


@dataclass
class IngestReport:
    files: list[FileReport] = field(default_factory=list)
    stage_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    seconds: float = 0.0
    collection: str | None = None
    embedding_version: str | None = None
    aborted: str | None = None

    @property
    def failed(self) -> list[FileReport]:
        return [f for f in self.files if not f.ok]

    def as_dict(self) -> dict[str, Any]:
        counts = Counter(f.status for f in self.files)
        return {
            "files": [vars(f) for f in self.files],
            "totals": {
                "files": len(self.files),
                "by_status": dict(counts),
                "chunks_indexed": sum(f.chunks for f in self.files if f.status != "unchanged"),
            },
            "stage_seconds": {k: round(v, 4) for k, v in self.stage_seconds.items()},
            "seconds": round(self.seconds, 4),
            "collection": self.collection,
            "embedding_version": self.embedding_version,
            "aborted": self.aborted,
        }


def document_id(content_hash: str) -> str:
    """A document's id: its content hash, so identical content is one document."""
    return f"doc_{content_hash[:24]}"


def chunk_document(parsed: ParsedDocument, settings: Settings) -> list[Chunk]:
    """A parsed document's chunks, sized by the settings."""
    return chunk_blocks(parsed.blocks, max_tokens=settings.chunk_max_tokens,
                        overlap_tokens=settings.chunk_overlap_tokens, count_tokens=count_tokens)


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files as given, and every file below a directory (sorted, hidden ones skipped).

    Files in a directory with an unknown suffix are still returned, so the report names them.
    """
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(
                p for p in sorted(path.rglob("*"))
                if p.is_file() and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.append(path)
    return found


class Ingestor:
    def __init__(
        self,
        settings: Settings,
        store: DocumentStore,
        index: VectorIndex,
        embeddings: Embeddings,
        spec: EmbeddingSpec,
        ocr: OcrEngine,
    ) -> None:
        self.settings = settings
        self.store = store
        self.index = index
        self.embeddings = embeddings
        self.spec = spec
        self.ocr = ocr
        self.sparse = BM25SparseEmbeddings()
        self._stage_seconds: dict[str, float] = dict.fromkeys(STAGES, 0.0)

    @contextmanager
    def _stage(self, name: str):
        start = time.perf_counter()
        try:
            yield
        finally:
            self._stage_seconds[name] += time.perf_counter() - start

    # -- collections ----------------------------------------------------------------------
    def active_collection(self) -> str:
        """The collection the alias names; created (and named) for this embedding on first use."""
        active = self.index.active_collection()
        if active is not None:
            return active
        name = self.index.collection_for(self.spec)
        self.index.ensure_collection(name, self.dimensions())
        self.index.point_alias_at(name)
        self.store.record_alias(self.index.alias, name, self.spec.version, reason="first ingest")
        return name

    def dimensions(self) -> int:
        return self.spec.dimensions or len(self._embed_dense(["dimension probe"])[0])

    def _embed_dense(self, texts: list[str]) -> list[list[float]]:
        try:
            return self.embeddings.embed_documents(texts)
        except EmbeddingError:
            raise
        except Exception as error:  # any provider failure: model server down, bad file
            raise EmbeddingError(f"Embedding with {self.spec.version} failed: {error}") from error

    def _check_collection_matches(self, collection: str) -> None:
        expected = self.index.collection_for(self.spec)
        if collection != expected:
            raise PostgraphError(
                f"The active index {collection!r} was built with another embedding than the "
                f"configured {self.spec.version!r}. Run `postgraph index rebuild --embedding "
                f"{self.spec.name}` or set POSTGRAPH_EMBEDDING to the active one."
            )

    # -- ingest -------------------------------------------------------------------------
    def ingest(self, paths: Iterable[Path], on_file: Callable[[FileReport], None] | None = None) -> IngestReport:
        started = time.perf_counter()
        self._stage_seconds = dict.fromkeys(STAGES, 0.0)
        files = expand_paths(paths)
        report = IngestReport(embedding_version=self.spec.version)
        self.store.ping()
        self.store.ensure_indexes()
        collection = self.active_collection()
        self._check_collection_matches(collection)
        report.collection = collection
        for path in files:
            try:
                file_report = self.ingest_file(path, collection)
            except (StoreUnavailable, EmbeddingError) as error:
                # The store or the model is gone: later files would fail the same way.
                report.files.append(FileReport(str(path), "failed", error_code=error.code, error=error.message))
                report.aborted = error.message
                break
            report.files.append(file_report)
            if on_file:
                on_file(file_report)
        report.stage_seconds = self._stage_seconds
        report.seconds = time.perf_counter() - started
        return report

    def ingest_file(self, path: Path, collection: str) -> FileReport:
        try:
            with self._stage("parse"):
                parsed = parse_file(path, max_bytes=self.settings.max_file_bytes, ocr=self.ocr)
                digest = parsed.meta.sha256
        except IngestError as error:
            return FileReport(str(path), "failed", error_code=error.code, error=error.message)

        doc_id = document_id(digest)
        source = parsed.meta.source
        existing = self.store.get_document(doc_id)
        status: FileStatus = "stored"
        rescreen = existing is not None and existing.get("screening", 0) < SCREENING_VERSION
        if existing is not None and existing["status"] == "indexed" and not rescreen:
            superseded = self._supersede_older(source, doc_id)
            return self._report(path, "unchanged", existing, superseded)
        if existing is not None and existing["status"] == "superseded" and not rescreen:
            return self._restore(path, existing, collection)
        if existing is not None:  # pending (an earlier run stopped part-way), or screened by an older version
            self._discard(existing)
            status = "rescreened" if rescreen else "resumed"
        for stale in self.store.pending_documents(source):
            self._discard(stale)

        version = existing["version"] if existing else self.store.next_version(source)
        if status == "stored" and version > 1:
            status = "new_version"
        document, blocks, chunks = self._records(doc_id, digest, version, parsed, path)
        with self._stage("store"):
            self.store.insert_pending(document)
            self.store.write_parts(blocks, chunks)
        self.index_chunks(collection, document, chunks)
        self.store.mark_indexed(doc_id, collection, self.spec.version)
        superseded = self._supersede_older(source, doc_id)
        return self._report(path, status, {**document, "_id": doc_id}, superseded)

    def _records(
        self, document_id: str, digest: str, version: int, parsed: ParsedDocument, path: Path
    ) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
        meta = parsed.meta
        chunks = chunk_document(parsed, self.settings)
        kinds = Counter(block.kind.value for block in parsed.blocks)
        # BSON has no date-only type: a published day is stored as midnight UTC.
        published = (
            dt.datetime.combine(meta.published, dt.time(), tzinfo=dt.UTC) if meta.published else None
        )
        document = {
            "_id": document_id,
            "content_hash": digest,
            "source": meta.source,
            "title": meta.title,
            "author": meta.author,
            "published": published,
            "format": meta.format,
            "version": version,
            "size_bytes": path.stat().st_size,
            "block_count": len(parsed.blocks),
            "block_kinds": dict(kinds),
            "chunk_count": len(chunks),
            "indexed_in": [],
            "screening": SCREENING_VERSION,
            "screened": dict(meta.screened),
        }
        block_ids = [block_id(document_id, order) for order in range(len(parsed.blocks))]
        blocks = [
            {"_id": block_ids[order], "document_id": document_id, "order": order,
             **block.model_dump(mode="json", exclude_none=True)}
            for order, block in enumerate(parsed.blocks)
        ]
        chunk_records = [
            {"_id": chunk_id(document_id, chunk.order), "document_id": document_id, "order": chunk.order,
             "kind": chunk.kind.value, "text": chunk.text, "embed_text": chunk.embed_text,
             "section": chunk.section, "block_ids": [block_ids[o] for o in chunk.block_orders]}
            for chunk in chunks
        ]
        return document, blocks, chunk_records

    def index_chunks(self, collection: str, document: dict[str, Any], chunks: list[dict[str, Any]]) -> None:
        texts = [chunk["embed_text"] for chunk in chunks]
        with self._stage("embed"):
            dense = self._embed_dense(texts)
            sparse = self.sparse.embed_documents(texts)
        published = document["published"]
        points = [
            IndexedChunk(
                chunk_id=chunk["_id"],
                text=chunk["text"],
                metadata={
                    "chunk_id": chunk["_id"],
                    "document_id": document["_id"],
                    "block_ids": chunk["block_ids"],
                    "block_kind": chunk["kind"],
                    "section": chunk["section"],
                    "source": document["source"],
                    "file_name": Path(document["source"]).name,
                    "title": document["title"],
                    "author": document["author"],
                    "published": published.date().isoformat() if published else None,
                    "version": document["version"],
                    "embedding_version": self.spec.version,
                },
                dense=vector,
                sparse=sparse_vector,
            )
            for chunk, vector, sparse_vector in zip(chunks, dense, sparse, strict=True)
        ]
        with self._stage("index"):
            self.index.upsert(collection, points)

    def _supersede_older(self, source: str, keep_id: str) -> list[str]:
        older = self.store.older_active_versions(source, keep_id)
        if not older:
            return []
        ids = [doc["_id"] for doc in older]
        with self._stage("index"):
            for name in {c for doc in older for c in doc.get("indexed_in", [])}:
                self.index.delete_documents(name, ids)
        self.store.mark_superseded(ids, by=keep_id)
        return ids

    def _discard(self, document: dict[str, Any]) -> None:
        """Remove what an interrupted run left: vectors first, then the stored parts."""
        with self._stage("index"):
            for name in self.index.collections():
                self.index.delete_documents(name, [document["_id"]])
        self.store.delete_document(document["_id"])

    def _restore(self, path: Path, document: dict[str, Any], collection: str) -> FileReport:
        """The source went back to an earlier version's content: make that version active again."""
        chunks = self.store.chunks_of([document["_id"]])
        self.index_chunks(collection, document, chunks)
        self.store.mark_indexed(document["_id"], collection, self.spec.version)
        superseded = self._supersede_older(document["source"], document["_id"])
        return self._report(path, "restored", document, superseded)

    def _report(self, path: Path, status: FileStatus, document: dict[str, Any], superseded: list[str]) -> FileReport:
        return FileReport(
            path=str(path), status=status, document_id=document["_id"], title=document["title"],
            version=document["version"], blocks=dict(document.get("block_kinds", {})),
            chunks=document.get("chunk_count", 0), superseded=superseded, screened=dict(document.get("screened") or {}),
        )


@contextmanager
def open_ingestor(settings: Settings, embedding: str | None = None) -> Iterator[Ingestor]:
    """An ingestor over the configured store and index, with the configured (or named) embedding."""
    embeddings, spec = make_embeddings(settings, embedding)
    with open_store(settings) as store, open_index(settings) as index:
        yield Ingestor(settings, store, index, embeddings, spec, make_ocr_engine(settings))
