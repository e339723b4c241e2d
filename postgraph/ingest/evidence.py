"""A file read as evidence without storing it: parsed and chunked exactly as ingestion does,
with the ids ingestion would give its chunks. For checking claims against one file
(`postgraph claims check --source FILE`) and for the labelled claim set."""

from __future__ import annotations

from pathlib import Path

from postgraph.domain import Evidence
from postgraph.ingest.chunking import chunk_id
from postgraph.ingest.parsers import make_ocr_engine, parse_file
from postgraph.ingest.pipeline import chunk_document, document_id
from postgraph.settings import Settings


def file_evidence(path: Path, settings: Settings) -> list[Evidence]:
    parsed = parse_file(path, max_bytes=settings.max_file_bytes, ocr=make_ocr_engine(settings))
    doc_id = document_id(parsed.meta.sha256 or path.name)
    return [
        Evidence(chunk_id=chunk_id(doc_id, chunk.order), document_id=doc_id, title=parsed.meta.title,
                 source=parsed.meta.source, author=parsed.meta.author,
                 published=parsed.meta.published.isoformat() if parsed.meta.published else None,
                 block_kind=chunk.kind.value, text=chunk.text)
        for chunk in chunk_document(parsed, settings)
    ]
