"""Settings for each checkpoint backend: sqlite (a file in tmp_path), mongodb (the session's local
MongoDB-compatible server, a fresh database per test) and postgres (the session's local
PostgreSQL; tests keep apart through fresh thread ids)."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from postgraph.settings import Settings

BACKENDS = ("sqlite", "mongodb", "postgres")


def backend_settings(request: pytest.FixtureRequest, backend: str, data_dir: Path) -> Settings:
    """Settings for one backend; the servers are requested only when the backend needs them."""
    overrides: dict[str, object] = {
        "data_dir": data_dir, "checkpointer": backend, "mongodb_uri": None, "postgres_uri": None,
    }
    if backend == "mongodb":
        overrides["mongodb_uri"] = request.getfixturevalue("mongo_server").uri
        overrides["checkpoint_mongodb_database"] = f"checkpoints_{uuid.uuid4().hex[:12]}"
    elif backend == "postgres":
        overrides["postgres_uri"] = request.getfixturevalue("postgres_server").uri
    return Settings(**overrides)


@pytest.fixture(params=BACKENDS)
def checkpoint_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    return backend_settings(request, request.param, tmp_path / "data")


@pytest.fixture
def settings_for(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[str], Settings]:
    """Settings of a backend chosen inside the test (for tests parametrized by name)."""
    return lambda backend: backend_settings(request, backend, tmp_path / "data")
