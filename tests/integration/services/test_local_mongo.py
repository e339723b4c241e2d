"""The local MongoDB-compatible server through the project's own service code."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pymongo import MongoClient

from postgraph.errors import ServiceError
from postgraph.services.local_mongo import LocalMongo, mongo_uri
from postgraph.settings import Settings


@pytest.fixture
def service(tmp_path: Path):
    local = LocalMongo(Settings(data_dir=tmp_path, mongodb_uri=None))
    yield local
    local.down()


def test_up_status_down(service: LocalMongo) -> None:
    assert not service.status().running

    started = service.up()

    assert started.running and started.uri.startswith("mongodb://127.0.0.1:") and started.pid
    assert service.up().pid == started.pid, "up is idempotent"
    client = MongoClient(started.uri, serverSelectionTimeoutMS=2000)
    client.db.things.insert_one({"kept": True})
    client.close()
    assert service.down() is True
    assert not service.status().running
    assert not service.pid_file.exists() and not service.port_file.exists()
    assert service.down() is False


def test_data_survives_a_restart(service: LocalMongo) -> None:
    uri = service.up().uri
    MongoClient(uri).db.things.insert_one({"_id": "a"})
    service.down()
    uri = service.up().uri
    assert MongoClient(uri, serverSelectionTimeoutMS=2000).db.things.find_one({"_id": "a"}) == {"_id": "a"}


def test_stale_pid_file_is_replaced(service: LocalMongo) -> None:
    service.home.mkdir(parents=True, exist_ok=True)
    service.pid_file.write_text("999999")
    service.port_file.write_text("1")
    assert not service.status().running
    assert service.up().running


def test_server_killed_from_outside_is_restarted(service: LocalMongo) -> None:
    first = service.up()
    os.kill(first.pid, 9)
    os.waitpid(first.pid, 0)
    assert not service.status().running
    assert service.up().pid != first.pid


def test_context_manager_stops_only_what_it_started(service: LocalMongo) -> None:
    with mongo_uri(service.settings) as uri:
        assert service.status().uri == uri
    assert not service.status().running
    running = service.up()
    with mongo_uri(service.settings) as uri:
        assert uri == running.uri
    assert service.status().running


def test_external_uri_is_used_and_never_started(tmp_path: Path, mongo_server) -> None:
    external = LocalMongo(Settings(data_dir=tmp_path, mongodb_uri=mongo_server.uri))
    assert external.status().running and external.status().external
    assert external.down() is False
    down = LocalMongo(Settings(data_dir=tmp_path, mongodb_uri="mongodb://127.0.0.1:9/", mongodb_timeout_ms=200))
    assert not down.status().running
    with pytest.raises(ServiceError, match="does not answer"):
        down.up()


def test_missing_python_313_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(data_dir=tmp_path, mongodb_uri=None, mongo_venv=tmp_path / "venv", mongo_python="/nonexistent/python")
    monkeypatch.setenv("PYENV_ROOT", str(tmp_path / "no-pyenv"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServiceError, match="Python >= 3.13"):
        LocalMongo(settings).ensure_runtime()
