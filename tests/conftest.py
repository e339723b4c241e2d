"""Shared fixtures: one real local MongoDB-compatible server for the session (started and
stopped through the project's own service code), a fresh database and Qdrant path per test."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from postgraph.services.local_mongo import LocalMongo, MongoStatus
from postgraph.services.local_postgres import LocalPostgres, PostgresStatus
from postgraph.settings import PROJECT_ROOT, Settings

SAMPLES = PROJECT_ROOT / "samples" / "corpus"


@pytest.fixture(scope="session")
def mongo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MongoStatus]:
    service = LocalMongo(Settings(data_dir=tmp_path_factory.mktemp("mongo-server"), mongodb_uri=None))
    status = service.up()
    try:
        yield status
    finally:
        service.down()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresStatus]:
    """One local PostgreSQL cluster for the session, through the project's service code.

    Its folder is made with tempfile rather than tmp_path_factory: as root PostgreSQL runs as the
    `postgres` user, who must be able to enter every parent folder (pytest's are private), and
    a short path keeps the Unix socket under the kernel's length limit."""
    home = Path(tempfile.mkdtemp(prefix="postgraph-pg-"))
    home.chmod(0o711)
    service = LocalPostgres(Settings(data_dir=home, postgres_uri=None))
    try:
        yield service.up()
    finally:
        service.down()
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture
def settings(tmp_path: Path, mongo_server: MongoStatus) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        mongodb_uri=mongo_server.uri,
        mongodb_database=f"test_{uuid.uuid4().hex[:12]}",
        write_batch_size=100,
    )


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture(scope="session")
def embeddings():
    """The real embedding model (int8 ONNX all-MiniLM-L6-v2), loaded once."""
    from postgraph.search.embeddings import OnnxMiniLMEmbeddings

    return OnnxMiniLMEmbeddings()


@pytest.fixture(scope="session")
def sample_index(embeddings):
    """A real in-memory Qdrant index of three sample newsletters (see support/fake_graph.py)."""
    from support.fake_graph import build_sample_index

    index = build_sample_index(embeddings)
    yield index
    index.close()


@pytest.fixture
def registry_paths(tmp_path: Path) -> dict[str, Path]:
    """Settings overrides pointing at fresh copies of the prompt, model and retrieval registries."""
    from support.registries import copy_registries

    return copy_registries(tmp_path / "registries")


@pytest.fixture
def prompt_file():
    """Writes a prompt version file into a registry folder (tests work on copies, see registry_paths)."""
    from support.registries import write_prompt

    return write_prompt
