"""Start, check and stop a local PostgreSQL server for the postgres checkpointer.

PostgreSQL comes from Debian's `postgresql` package (`scripts/setup.sh` installs it); its
binaries live under `/usr/lib/postgresql/<version>/bin`. postgraph runs its own cluster under
`data_dir/postgres`, never the system one:

    data_dir/postgres/data     the cluster (initdb; trust auth for the local user `postgraph`,
                               listen on 127.0.0.1 only, Unix socket inside data_dir/postgres/run)
    data_dir/postgres/run      the Unix socket directory
    data_dir/postgres/server.log

The pid and port come from PostgreSQL's own `data/postmaster.pid`. The port is a free one,
picked at each start. PostgreSQL refuses to run as root: when postgraph runs as root, initdb
and pg_ctl run as the `postgres` system user (created by the Debian package) through
`runuser -u postgres --`, and `data_dir/postgres` is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg

from postgraph.errors import ServiceError
from postgraph.services.processes import free_port, log_tail, process_alive, running_service_uri
from postgraph.settings import Settings

#: Where Debian puts the server binaries (one folder per major version).
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
#: The superuser initdb creates; connections from 127.0.0.1 and the socket are trusted.
LOCAL_USER = "postgraph"
LOCAL_DATABASE = "postgraph"
#: The system user that runs PostgreSQL when postgraph itself runs as root.
SYSTEM_USER = "postgres"
CONNECT_TIMEOUT_S = 3
# sockaddr_un.sun_path is 108 bytes; "<dir>/.s.PGSQL.<port>" must fit in it.
_MAX_SOCKET_PATH = 100

INSTALL_HINT = (
    "Install it with scripts/setup.sh (Debian: apt-get install postgresql), "
    "or point POSTGRAPH_POSTGRES_URI at a PostgreSQL server."
)


@dataclass(frozen=True)
class PostgresStatus:
    running: bool
    uri: str | None
    external: bool
    pid: int | None = None
    detail: str = ""


def local_uri(port: int) -> str:
    return f"postgresql://{LOCAL_USER}@127.0.0.1:{port}/{LOCAL_DATABASE}"


def _admin_uri(port: int) -> str:
    return f"postgresql://{LOCAL_USER}@127.0.0.1:{port}/postgres"


def ping(uri: str, timeout_s: float = CONNECT_TIMEOUT_S) -> str | None:
    """Return None when the server answers a real `SELECT 1`, else the reason it did not."""
    try:
        with psycopg.connect(uri, connect_timeout=max(1, round(timeout_s)), autocommit=True) as conn:
            row = conn.execute("SELECT 1").fetchone()
        return None if row == (1,) else f"unexpected answer {row!r}"
    except (psycopg.Error, OSError) as error:
        return f"{type(error).__name__}: {str(error).strip()}"


def find_bin_dir() -> Path:
    """The newest PostgreSQL binaries on this machine (Debian layout), or a clear ServiceError."""
    candidates = []
    for folder in glob.glob(PG_BIN_GLOB):
        path = Path(folder)
        if (path / "postgres").exists() and (path / "pg_ctl").exists() and (path / "initdb").exists():
            version = re.findall(r"\d+", path.parent.name)
            candidates.append((tuple(int(part) for part in version), path))
    if candidates:
        return max(candidates)[1]
    raise ServiceError(f"PostgreSQL is not installed (no server binaries under {PG_BIN_GLOB}). {INSTALL_HINT}")



class LocalPostgres:
    """The project's own PostgreSQL cluster; a no-op wrapper when `postgres_uri` points elsewhere."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.data_dir / "postgres"
        self.pgdata = self.home / "data"
        self.socket_dir = self.home / "run"
        self.log_file = self.home / "server.log"
        self.pid_file = self.pgdata / "postmaster.pid"  # written and removed by PostgreSQL

    @property
    def external(self) -> bool:
        return self.settings.postgres_uri is not None

    # -- running commands as the right user ---------------------------------------------
    @property
    def as_root(self) -> bool:
        return os.geteuid() == 0

    def _system_user(self) -> pwd.struct_passwd:
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise ServiceError(
                f"PostgreSQL refuses to run as root and there is no '{SYSTEM_USER}' system user "
                f"to run it as (the Debian package creates it). {INSTALL_HINT}"
            ) from None

    def _command(self, argv: list[str]) -> list[str]:
        if not self.as_root:
            return argv
        runuser = shutil.which("runuser")
        if runuser is None:
            raise ServiceError("Running PostgreSQL as root needs `runuser` (util-linux) to drop to the postgres user.")
        return [runuser, "-u", SYSTEM_USER, "--", *argv]

    def _run(self, argv: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
        try:
            return subprocess.run(
                self._command(argv), capture_output=True, text=True, timeout=timeout_s,
                cwd=self.home, stdin=subprocess.DEVNULL,
                start_new_session=True,  # the server outlives the call that started it
            )
        except subprocess.TimeoutExpired as error:
            raise ServiceError(f"{Path(argv[0]).name} did not finish in {timeout_s:.0f} s:\n{self.log_tail()}") from error

    def _prepare_home(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if not self.as_root:
            return
        user = self._system_user()
        for root, dirs, files in os.walk(self.home):
            for name in [root, *(os.path.join(root, d) for d in dirs), *(os.path.join(root, f) for f in files)]:
                os.lchown(name, user.pw_uid, user.pw_gid)
        probe = subprocess.run(self._command(["test", "-w", str(self.home)]), capture_output=True)
        if probe.returncode != 0:
            blocked = next(
                (str(parent) for parent in reversed(self.home.parents)
                 if subprocess.run(self._command(["test", "-x", str(parent)]), capture_output=True).returncode),
                str(self.home),
            )
            raise ServiceError(
                f"PostgreSQL refuses to run as root, and the '{SYSTEM_USER}' user it runs as cannot "
                f"enter {blocked}. Use a data dir whose parent folders others may enter "
                f"(POSTGRAPH_DATA_DIR), or point POSTGRAPH_POSTGRES_URI at a PostgreSQL server."
            )

    # -- cluster ------------------------------------------------------------------------
    def _socket_setting(self) -> str:
        # A socket path past the kernel's limit would stop the server from starting; TCP on
        # 127.0.0.1 is what postgraph connects through, so then no socket is made at all.
        longest = f"{self.socket_dir}/.s.PGSQL.65535"
        return str(self.socket_dir) if len(longest.encode()) <= _MAX_SOCKET_PATH else ""

    def ensure_cluster(self, bin_dir: Path) -> None:
        """initdb once; later calls check that the cluster matches the installed server."""
        version_file = self.pgdata / "PG_VERSION"
        if version_file.exists():
            have = version_file.read_text().strip()
            want = re.findall(r"\d+", bin_dir.parent.name)
            if want and have != want[0]:
                raise ServiceError(
                    f"The local PostgreSQL cluster in {self.pgdata} was made by PostgreSQL {have}, "
                    f"but the installed server is {bin_dir.parent.name}. Remove {self.home} to start "
                    "afresh (its checkpoints are lost), or install the matching version."
                )
            return
        if self.pgdata.exists():  # a half-made cluster from an interrupted initdb
            shutil.rmtree(self.pgdata)
        result = self._run(
            [str(bin_dir / "initdb"), "-D", str(self.pgdata), "-U", LOCAL_USER, "--auth=trust",
             "--encoding=UTF8", "--no-locale", "--no-instructions"],
            timeout_s=180,
        )
        if result.returncode != 0:
            shutil.rmtree(self.pgdata, ignore_errors=True)
            raise ServiceError(f"initdb failed:\n{(result.stdout + result.stderr)[-2000:]}")
        socket_dir = self._socket_setting().replace("'", "''")
        with (self.pgdata / "postgresql.conf").open("a") as conf:
            conf.write(
                "\n# postgraph: a private server for checkpoints\n"
                "listen_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{socket_dir}'\n"
                "max_connections = 50\n"
                "shared_buffers = 32MB\n"
            )

    # -- process ------------------------------------------------------------------------
    def _postmaster(self) -> tuple[int | None, int | None]:
        """(pid, port) from PostgreSQL's postmaster.pid."""
        try:
            lines = self.pid_file.read_text().splitlines()
        except OSError:
            return None, None
        try:
            pid = int(lines[0])
        except (IndexError, ValueError):
            pid = None
        try:
            port = int(lines[3])
        except (IndexError, ValueError):
            port = None
        return pid, port


    def status(self) -> PostgresStatus:
        if self.external:
            uri = self.settings.postgres_uri
            reason = ping(uri)
            return PostgresStatus(running=reason is None, uri=uri, external=True, detail=reason or "ok")
        pid, port = self._postmaster()
        if not process_alive(pid) or port is None:
            return PostgresStatus(running=False, uri=None, external=False, detail="not running")
        uri = local_uri(port)
        reason = ping(uri)
        return PostgresStatus(running=reason is None, uri=uri, external=False, pid=pid, detail=reason or "ok")

    def up(self, timeout_s: float = 60.0) -> PostgresStatus:
        current = self.status()
        if current.running:
            return current
        if self.external:
            raise ServiceError(f"PostgreSQL at {self.settings.postgres_uri} does not answer: {current.detail}")
        bin_dir = find_bin_dir()
        self.down()  # a server that stopped answering, or a stale postmaster.pid
        self._prepare_home()
        self.ensure_cluster(bin_dir)
        detail = ""
        for _attempt in range(3):  # the free port can be taken between picking and binding
            port = free_port()
            result = self._run(
                [str(bin_dir / "pg_ctl"), "start", "-D", str(self.pgdata), "-l", str(self.log_file),
                 "-w", "-t", str(int(timeout_s)), "-o", f"-p {port}"],
                timeout_s=timeout_s + 10,
            )
            if result.returncode == 0:
                reason = self._wait_until_answering(port, timeout_s)
                if reason is None:
                    self._ensure_database(port)
                    status = self.status()
                    if status.running:
                        return status
                    reason = status.detail
                detail = reason
            else:
                detail = (result.stdout + result.stderr).strip()
            self.down()
            if "could not bind" not in self.log_tail() and "Address already in use" not in self.log_tail():
                break
        raise ServiceError(f"The local PostgreSQL server did not start: {detail}\n{self.log_tail()}")

    def _wait_until_answering(self, port: int, timeout_s: float) -> str | None:
        """None once the maintenance database answers, else the last reason it did not."""
        deadline = time.monotonic() + timeout_s
        reason = ping(_admin_uri(port))
        while reason is not None and time.monotonic() < deadline:
            time.sleep(0.1)
            reason = ping(_admin_uri(port))
        return reason

    def _ensure_database(self, port: int) -> None:
        with psycopg.connect(_admin_uri(port), connect_timeout=CONNECT_TIMEOUT_S, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (LOCAL_DATABASE,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{LOCAL_DATABASE}"')

    def down(self, timeout_s: float = 30.0) -> bool:
        """Stop the local server (fast shutdown); True when one was running. Never touches an
        external server."""
        if self.external:
            return False
        pid, _port = self._postmaster()
        was_running = process_alive(pid)
        if not was_running:
            if self.pid_file.exists():  # left behind by a killed server
                self.pid_file.unlink(missing_ok=True)
            return False
        try:
            bin_dir = find_bin_dir()
            self._run(
                [str(bin_dir / "pg_ctl"), "stop", "-D", str(self.pgdata), "-m", "fast", "-w", "-t", str(int(timeout_s))],
                timeout_s=timeout_s + 10,
            )
        except ServiceError:
            pass
        if process_alive(pid):  # pg_ctl failed or timed out: do not leave it running
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 5
            while process_alive(pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            self.pid_file.unlink(missing_ok=True)
        return True

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_file, lines)


@contextmanager
def postgres_uri(settings: Settings) -> Iterator[str]:
    """Yield a URI of a running server; stop the local one afterwards only if this call started it."""
    with running_service_uri(LocalPostgres(settings), settings.postgres_uri) as uri:
        yield uri


__all__ = [
    "LocalPostgres", "PostgresStatus", "postgres_uri", "ping", "local_uri", "find_bin_dir",
]
