"""Start, check and stop the local MongoDB-compatible server (mongoeco's wire server).

mongoeco needs Python >= 3.13 while postgraph runs on 3.11, so the server lives in its own
virtualenv (`settings.mongo_venv`), built on first use. Its files sit under
`data_dir/mongo`: the SQLite database, a pid file, a port file and a log.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pymongo import MongoClient
from pymongo.errors import PyMongoError

from postgraph.errors import ServiceError
from postgraph.services.processes import log_tail, process_alive, reap, running_service_uri
from postgraph.settings import Settings

# The wire server encodes BSON with pymongo's bson package, so both are needed.
MONGOECO_REQUIREMENTS = ("mongoeco==4.11.0", "pymongo==4.20.1")
SERVER_SCRIPT = Path(__file__).with_name("mongoeco_server.py")


@dataclass(frozen=True)
class MongoStatus:
    running: bool
    uri: str | None
    external: bool
    pid: int | None = None
    detail: str = ""


def local_uri(port: int) -> str:
    return f"mongodb://127.0.0.1:{port}/?directConnection=true"


def ping(uri: str, timeout_ms: int) -> str | None:
    """Return None when the server answers a real `ping`, else the reason it did not."""
    client: MongoClient = MongoClient(
        uri, serverSelectionTimeoutMS=timeout_ms, connectTimeoutMS=timeout_ms
    )
    try:
        client.admin.command("ping")
        return None
    except PyMongoError as error:
        return f"{type(error).__name__}: {error}"
    finally:
        client.close()


class LocalMongo:
    """The project's own server; a no-op wrapper when `mongodb_uri` points elsewhere."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.home = settings.data_dir / "mongo"
        self.db_file = self.home / "postgraph.sqlite"
        self.pid_file = self.home / "server.pid"
        self.port_file = self.home / "server.port"
        self.log_file = self.home / "server.log"

    @property
    def external(self) -> bool:
        return self.settings.mongodb_uri is not None

    # -- runtime ------------------------------------------------------------------------
    @property
    def venv_python(self) -> Path:
        return self.settings.mongo_venv / "bin" / "python"

    def _find_python313(self) -> str:
        candidates = [self.settings.mongo_python] if self.settings.mongo_python else []
        pyenv_root = os.environ.get("PYENV_ROOT", str(Path.home() / ".pyenv"))
        candidates += sorted(glob.glob(f"{pyenv_root}/versions/3.1[3-9]*/bin/python3"), reverse=True)
        candidates += [shutil.which(name) for name in ("python3.14", "python3.13")]
        for candidate in filter(None, candidates):
            try:
                probe = subprocess.run(
                    [candidate, "-c", "import sys; sys.exit(sys.version_info < (3, 13))"],
                    capture_output=True,
                )
            except OSError:  # a configured path that does not exist or cannot run
                continue
            if probe.returncode == 0:
                return candidate
        raise ServiceError(
            "The local MongoDB-compatible server needs Python >= 3.13 and none was found. "
            "Install it (for example with pyenv) or set POSTGRAPH_MONGO_PYTHON, "
            "or point POSTGRAPH_MONGODB_URI at a MongoDB server."
        )

    def ensure_runtime(self) -> None:
        """Build the server's virtualenv once; later calls only check a stamp file."""
        stamp = self.settings.mongo_venv / ".postgraph-requirement"
        if self.venv_python.exists() and stamp.exists() and stamp.read_text() == " ".join(MONGOECO_REQUIREMENTS):
            return
        python = self._find_python313()
        steps = [
            [python, "-m", "venv", str(self.settings.mongo_venv)],
            [str(self.venv_python), "-m", "pip", "install", "--quiet", *MONGOECO_REQUIREMENTS],
        ]
        for step in steps:
            result = subprocess.run(step, capture_output=True, text=True)
            if result.returncode != 0:
                raise ServiceError(
                    f"Could not build the local server runtime ({' '.join(step)}):\n"
                    f"{result.stderr[-2000:]}"
                )
        stamp.write_text(" ".join(MONGOECO_REQUIREMENTS))

    # -- process ------------------------------------------------------------------------
    def _read_int(self, path: Path) -> int | None:
        try:
            return int(path.read_text().strip())
        except (OSError, ValueError):
            return None


    def status(self) -> MongoStatus:
        timeout = self.settings.mongodb_timeout_ms
        if self.external:
            uri = self.settings.mongodb_uri
            reason = ping(uri, timeout)
            return MongoStatus(running=reason is None, uri=uri, external=True, detail=reason or "ok")
        pid, port = self._read_int(self.pid_file), self._read_int(self.port_file)
        if not process_alive(pid) or port is None:
            return MongoStatus(running=False, uri=None, external=False, detail="not running")
        uri = local_uri(port)
        reason = ping(uri, timeout)
        return MongoStatus(running=reason is None, uri=uri, external=False, pid=pid, detail=reason or "ok")

    def up(self, timeout_s: float = 60.0) -> MongoStatus:
        current = self.status()
        if current.running:
            return current
        if self.external:
            raise ServiceError(f"MongoDB at {self.settings.mongodb_uri} does not answer: {current.detail}")
        self.down()  # clear a stale pid or a server that stopped answering
        self.ensure_runtime()
        self.home.mkdir(parents=True, exist_ok=True)
        self.port_file.unlink(missing_ok=True)
        with self.log_file.open("ab") as log:
            process = subprocess.Popen(
                [str(self.venv_python), str(SERVER_SCRIPT), "--db", str(self.db_file),
                 "--host", "127.0.0.1", "--port", "0", "--port-file", str(self.port_file)],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True,  # outlives the CLI call that started it
            )
        self.pid_file.write_text(str(process.pid))
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if process.poll() is not None:
                break
            if self.port_file.exists():
                status = self.status()
                if status.running:
                    return status
            time.sleep(0.1)
        self.down()
        raise ServiceError(f"The local MongoDB-compatible server did not start:\n{self.log_tail()}")

    def down(self, timeout_s: float = 15.0) -> bool:
        """Stop the local server; True when one was running. Never touches an external one."""
        if self.external:
            return False
        pid = self._read_int(self.pid_file)
        was_running = process_alive(pid)
        if was_running:
            os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + timeout_s
            while process_alive(pid) and time.monotonic() < deadline:
                reap(pid)
                time.sleep(0.05)
            if process_alive(pid):
                os.kill(pid, signal.SIGKILL)
                reap(pid)
        self.pid_file.unlink(missing_ok=True)
        self.port_file.unlink(missing_ok=True)
        return was_running

    def log_tail(self, lines: int = 20) -> str:
        return log_tail(self.log_file, lines)


@contextmanager
def mongo_uri(settings: Settings) -> Iterator[str]:
    """Yield a URI of a running server; stop the local one afterwards only if this call started it."""
    with running_service_uri(LocalMongo(settings), settings.mongodb_uri) as uri:
        yield uri


__all__ = ["LocalMongo", "MongoStatus", "mongo_uri", "ping", "local_uri"]
