"""The local PostgreSQL server through the project's own service code."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from postgraph.errors import ServiceError
from postgraph.services import local_postgres
from postgraph.services.local_postgres import LocalPostgres, PostgresStatus, postgres_uri
from postgraph.services.processes import free_port
from postgraph.settings import Settings


@pytest.fixture
def home() -> Iterator[Path]:
    # Not tmp_path: pytest's folders are private to root, and as root the server runs as the
    # postgres user, who must be able to enter the data dir's parents.
    path = Path(tempfile.mkdtemp(prefix="postgraph-pgt-"))
    path.chmod(0o711)
    yield path
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def service(home: Path) -> Iterator[LocalPostgres]:
    local = LocalPostgres(Settings(data_dir=home, postgres_uri=None))
    yield local
    local.down()


def query(uri: str, sql: str, *params: object) -> list[tuple]:
    with psycopg.connect(uri, autocommit=True, connect_timeout=3) as conn:
        cursor = conn.execute(sql, params or None)
        return cursor.fetchall() if cursor.description else []


def test_up_status_down(service: LocalPostgres) -> None:
    assert not service.status().running

    started = service.up()

    assert started.running and started.pid and not started.external
    assert started.uri.startswith("postgresql://postgraph@127.0.0.1:")
    assert service.up().pid == started.pid, "up is idempotent"
    assert query(started.uri, "SELECT 1") == [(1,)]
    assert query(started.uri, "SHOW listen_addresses") == [("127.0.0.1",)]
    assert (service.home / "data" / "PG_VERSION").exists() and service.pid_file.exists()
    if os.geteuid() == 0:
        assert service.pgdata.stat().st_uid == local_postgres.pwd.getpwnam("postgres").pw_uid
        assert query(started.uri, "SELECT current_setting('data_directory')") == [(str(service.pgdata),)]
    assert service.down() is True
    assert not service.status().running and not service.pid_file.exists()
    assert service.down() is False


def test_data_survives_a_restart(service: LocalPostgres) -> None:
    uri = service.up().uri
    query(uri, "CREATE TABLE things (id text PRIMARY KEY)")
    query(uri, "INSERT INTO things VALUES ('a')")
    service.down()
    uri = service.up().uri
    assert query(uri, "SELECT id FROM things") == [("a",)]


def test_server_killed_from_outside_is_restarted(service: LocalPostgres) -> None:
    first = service.up()
    os.kill(first.pid, signal.SIGKILL)
    assert not service.status().running
    second = service.up()
    assert second.running and second.pid != first.pid


def test_stale_postmaster_pid_is_not_taken_for_a_server(service: LocalPostgres) -> None:
    service.up()
    service.down()
    service.pid_file.write_text("999999\n/nowhere\n0\n1\n")
    assert service.status() == PostgresStatus(running=False, uri=None, external=False, detail="not running")
    assert service.up().running


def test_postgres_uri_stops_only_what_it_started(service: LocalPostgres) -> None:
    with postgres_uri(service.settings) as uri:
        assert query(uri, "SELECT 1") == [(1,)]
    assert not service.status().running, "started by the call, so stopped by it"

    running = service.up()
    with postgres_uri(service.settings) as uri:
        assert uri == running.uri
    assert service.status().running, "already running, so left running"


def test_an_external_server_is_used_as_is(postgres_server: PostgresStatus, tmp_path: Path) -> None:
    external = LocalPostgres(Settings(data_dir=tmp_path, postgres_uri=postgres_server.uri))
    status = external.status()
    assert status.running and status.external and status.uri == postgres_server.uri
    assert external.up().uri == postgres_server.uri
    assert external.down() is False, "never stops an external server"
    with postgres_uri(external.settings) as uri:
        assert uri == postgres_server.uri
    assert not (tmp_path / "postgres").exists()

    gone = LocalPostgres(Settings(data_dir=tmp_path, postgres_uri=f"postgresql://x@127.0.0.1:{free_port()}/x"))
    assert not gone.status().running
    with pytest.raises(ServiceError, match="does not answer"):
        gone.up()


def test_missing_postgresql_is_a_clear_error(service: LocalPostgres, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local_postgres, "PG_BIN_GLOB", "/nonexistent/postgresql/*/bin")
    with pytest.raises(ServiceError, match="PostgreSQL is not installed.*scripts/setup.sh"):
        service.up()


@pytest.mark.skipif(os.geteuid() != 0, reason="the postgres-user hand-over only happens as root")
def test_as_root_a_private_parent_folder_is_a_clear_error(tmp_path: Path) -> None:
    # pytest's tmp_path sits under a folder only root may enter
    service = LocalPostgres(Settings(data_dir=tmp_path / "data", postgres_uri=None))
    with pytest.raises(ServiceError, match="cannot enter .*POSTGRAPH_DATA_DIR"):
        service.up()
