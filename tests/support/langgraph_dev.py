"""Run `langgraph dev` (the LangGraph API server behind Studio) on a free 127.0.0.1 port for a
test, and drive a thread through its REST API."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from postgraph.services.processes import free_port

#: How langgraph.json names the project's checkpointer. langgraph-api 0.16 resolves a module
#: path by its last dot ("package.module.attr"); "package.module:attr" is read as a file path
#: only when it contains "/" or ".py:", so the colon form of a module path is not found.
STUDIO_CHECKPOINTER = "postgraph.graph.checkpointing.studio_checkpointer"
READY_TIMEOUT_S = 90.0
VENV_BIN = Path(sys.executable).parent


@dataclass
class DevProject:
    """What one `langgraph dev` run serves and how to check it."""

    config: Path                      # a langgraph.json; the server runs in its folder
    graph_id: str                     # a key of its "graphs"
    input: dict
    check: Callable[[httpx.Client, str, dict], None]  # (client, thread_id, run output)
    env: dict[str, str] = field(default_factory=dict)


@contextmanager
def langgraph_dev(config: Path, env: Mapping[str, str] | None = None, timeout_s: float = READY_TIMEOUT_S,
                  log_path: Path | None = None) -> Iterator[str]:
    """Run `langgraph dev` on a free 127.0.0.1 port until the block ends; yield its base URL.

    Polls GET /ok until the server answers (or exits, or `timeout_s` passes) and terminates the
    whole process group afterwards."""
    port = free_port()
    command = [str(VENV_BIN / "langgraph"), "dev", "--no-browser", "--no-reload",
               "--host", "127.0.0.1", "--port", str(port), "--config", str(config)]
    full_env = {**os.environ, "LANGGRAPH_CLI_NO_ANALYTICS": "1", "LANGGRAPH_NO_VERSION_CHECK": "1",
                "LANGSMITH_TRACING": "false", "LANGCHAIN_TRACING_V2": "false", **(env or {})}
    log_path = log_path or config.parent / f"langgraph-dev-{port}.log"
    base_url = f"http://127.0.0.1:{port}"
    with log_path.open("wb") as log:
        process = subprocess.Popen(command, cwd=config.parent, env=full_env, stdin=subprocess.DEVNULL,
                                   stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            if process.poll() is not None:
                raise AssertionError(f"langgraph dev exited with {process.returncode}:\n{_tail(log_path)}")
            try:
                if httpx.get(f"{base_url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"langgraph dev not ready after {timeout_s:.0f} s:\n{_tail(log_path)}")
            time.sleep(0.25)
        yield base_url
    finally:
        _stop_group(process)


def _stop_group(process: subprocess.Popen) -> None:
    if process.poll() is None:
        try:
            os.killpg(process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    try:  # anything left in the group (workers) goes too
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _tail(path: Path, lines: int = 40) -> str:
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def run_thread(base_url: str, project: DevProject) -> None:
    """Create a thread, run the graph on it to the end (POST /threads/{id}/runs/wait), check it."""
    with httpx.Client(base_url=base_url, timeout=120) as client:
        thread = client.post("/threads", json={})
        assert thread.status_code == 200, thread.text
        thread_id = thread.json()["thread_id"]
        run = client.post(f"/threads/{thread_id}/runs/wait",
                          json={"assistant_id": project.graph_id, "input": project.input})
        assert run.status_code == 200, run.text
        project.check(client, thread_id, run.json())


