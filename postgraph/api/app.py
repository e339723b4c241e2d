"""FastAPI application: health, document ingestion by upload, documents, search, run records and feedback.

The ingestor (store, index, embedding model) is built once in the lifespan and handed to routes
through dependencies. The in-process Qdrant allows one process per path, so the API owns it
while it runs; ingestion is serialised because one document's steps must not interleave with
another's for the same source.
"""

from __future__ import annotations

import re
import threading
from collections.abc import AsyncIterator
from contextlib import ExitStack, asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, File, HTTPException, Query, Request, UploadFile
from fastapi.responses import JSONResponse

from postgraph.api.schemas import (
    BlockOut,
    DocumentDetail,
    DocumentSummary,
    ErrorResponse,
    FeedbackIn,
    FeedbackOut,
    Health,
    IngestResponse,
    SearchHit,
)
from postgraph.errors import FileTooLarge, IngestError, PostgraphError, StoreUnavailable
from postgraph.ingest.pipeline import FileReport, Ingestor, open_ingestor
from postgraph.search.hybrid import search_chunks
from postgraph.settings import Settings, get_settings
from postgraph.stores.runs import RunStore, UnknownRun

UPLOAD_CHUNK_BYTES = 1024 * 1024
MAX_FILES_PER_UPLOAD = 50


def ingestor(request: Request) -> Ingestor:
    return request.app.state.ingestor


IngestorDep = Annotated[Ingestor, Depends(ingestor)]


def run_store(request: Request) -> RunStore:
    """Run records live in the document store's database."""
    return RunStore.of(request.app.state.ingestor.store)


RunStoreDep = Annotated[RunStore, Depends(run_store)]


def _unknown_run(error: UnknownRun) -> JSONResponse:
    return JSONResponse(status_code=404, content={"error": {"code": error.code, "message": error.message}})


def create_app(settings: Settings | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        with ExitStack() as stack:
            app.state.settings = settings or get_settings()
            app.state.ingestor = stack.enter_context(open_ingestor(app.state.settings))
            app.state.ingest_lock = threading.Lock()
            yield

    app = FastAPI(title="postgraph", version="0.1.0", lifespan=lifespan,
                  responses={503: {"model": ErrorResponse}})

    @app.exception_handler(PostgraphError)
    async def postgraph_error(request: Request, error: PostgraphError) -> JSONResponse:
        status = 503 if isinstance(error, StoreUnavailable) else 422 if isinstance(error, IngestError) else 400
        return JSONResponse(status_code=status, content={"error": {"code": error.code, "message": error.message}})

    @app.get("/health", response_model=Health)
    def health(ing: IngestorDep) -> Health:
        ing.store.ping()
        return Health(status="ok", store="ok", index_collection=ing.index.active_collection(),
                      embedding_version=ing.spec.version)

    @app.post("/documents", response_model=IngestResponse, status_code=200)
    def upload_documents(request: Request, ing: IngestorDep, files: list[UploadFile] = File(...)) -> IngestResponse:
        """Store the uploaded files under the data dir (one stable path per file name, so a new
        upload of the same name becomes a new version) and ingest them."""
        if len(files) > MAX_FILES_PER_UPLOAD:
            raise HTTPException(413, f"At most {MAX_FILES_PER_UPLOAD} files per request.")
        settings: Settings = request.app.state.settings
        upload_dir = settings.data_dir / "uploads"
        upload_dir.mkdir(parents=True, exist_ok=True)
        with request.app.state.ingest_lock:
            paths, refused = [], []
            for upload in files:
                try:
                    paths.append(_save_upload(upload, upload_dir, settings.max_file_bytes))
                except FileTooLarge as error:
                    refused.append(FileReport(upload.filename or "upload", "failed", error_code=error.code, error=error.message))
            report = ing.ingest(paths)
        report.files[:0] = refused
        return IngestResponse.model_validate(report.as_dict())

    @app.get("/documents", response_model=list[DocumentSummary])
    def list_documents(
        ing: IngestorDep, status: Annotated[str | None, Query(pattern="^(pending|indexed|superseded)$")] = None
    ) -> list[DocumentSummary]:
        return [DocumentSummary.from_record(d) for d in ing.store.list_documents(status=status)]  # type: ignore[arg-type]

    @app.get("/documents/{document_id}", response_model=DocumentDetail, responses={404: {"model": ErrorResponse}})
    def get_document(document_id: str, ing: IngestorDep) -> DocumentDetail | JSONResponse:
        record = ing.store.get_document(document_id)
        if record is None:
            return JSONResponse(status_code=404, content={"error": {"code": "not_found",
                                "message": f"No document with id {document_id!r}."}})
        blocks = [BlockOut(id=b["_id"], **{k: b.get(k) for k in BlockOut.model_fields if k != "id"})
                  for b in ing.store.blocks_of(document_id)]
        return DocumentDetail(**DocumentSummary.from_record(record).model_dump(), blocks=blocks)

    @app.get("/search", response_model=list[SearchHit])
    def search(
        ing: IngestorDep,
        q: Annotated[str, Query(min_length=1, max_length=2000)],
        k: Annotated[int, Query(ge=1, le=50)] = 5,
        author: str | None = None,
        kind: Annotated[str | None, Query(pattern="^(text|table|image)$")] = None,
    ) -> list[SearchHit]:
        hits = search_chunks(ing.index, ing.embeddings, q, k=k, author=author, block_kind=kind)
        return [SearchHit(**hit) for hit in hits]

    @app.get("/runs")
    def list_runs(
        runs: RunStoreDep,
        status: str | None = None,
        thread_id: str | None = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 20,
    ) -> list[dict]:
        """Recorded graph runs, newest first."""
        return runs.list(limit=limit, status=status, thread_id=thread_id)

    @app.get("/runs/{run_id}", response_model=None, responses={404: {"model": ErrorResponse}})
    def get_run(run_id: str, runs: RunStoreDep) -> dict | JSONResponse:
        try:
            return runs.require(run_id)
        except UnknownRun as error:
            return _unknown_run(error)

    @app.post("/runs/{run_id}/feedback", response_model=FeedbackOut, responses={404: {"model": ErrorResponse}})
    def give_feedback(run_id: str, body: FeedbackIn, request: Request, runs: RunStoreDep) -> FeedbackOut | JSONResponse:
        """Store feedback on a run; with Langfuse configured it is also queued as a score on the
        run's trace (sent in the background: the request never waits for Langfuse)."""
        from postgraph.observability.tracing import score_run

        try:
            record = runs.add_feedback(run_id, body.score, body.comment, source="api")
        except UnknownRun as error:
            return _unknown_run(error)
        queued = score_run(request.app.state.settings, run_id, "user_feedback", body.score, body.comment)
        return FeedbackOut(run_id=run_id, score=body.score, comment=body.comment,
                           feedback_count=len(record["feedback"]), langfuse="queued" if queued else "not configured")

    return app


def _save_upload(upload: UploadFile, folder: Path, max_bytes: int) -> Path:
    """Write an upload next to earlier ones, refusing it once it passes the size limit."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(upload.filename or "upload").name).lstrip(".") or "upload"
    target = folder / name
    partial = folder / f".{name}.partial"
    written = 0
    with partial.open("wb") as out:
        while block := upload.file.read(UPLOAD_CHUNK_BYTES):
            written += len(block)
            if written > max_bytes:
                out.close()
                partial.unlink(missing_ok=True)
                raise FileTooLarge(f"{name} is larger than the limit of {max_bytes} bytes; nothing was stored.")
            out.write(block)
    partial.replace(target)
    return target
