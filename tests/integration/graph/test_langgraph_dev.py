"""`langgraph dev` (the LangGraph API server behind Studio) serving a graph from a langgraph.json
that names `postgraph.graph.checkpointing.studio_checkpointer` as its checkpointer, driven through
the REST API: create a thread, run it to its interrupt, resume it, read its state, and find the
checkpoints in the project's own store.

The harness (`langgraph_dev`, `DevProject`) takes any langgraph.json: to exercise the real graph,
build a `DevProject` from the repository's langgraph.json, its graph id, an input and a check.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest
from langgraph.checkpoint.sqlite import SqliteSaver
from support.langgraph_dev import STUDIO_CHECKPOINTER, DevProject, langgraph_dev, run_thread

from postgraph.graph.checkpointing import checkpoint_sqlite_file, open_checkpointer
from postgraph.settings import Settings

# -- the temporary project ------------------------------------------------------------------
TOY_GRAPH = '''
"""A two-node graph; the second node waits for approval. Compiled without a checkpointer."""
import operator
from typing import Annotated

from langgraph.graph import END, START, StateGraph
from langgraph.types import interrupt
from typing_extensions import NotRequired, TypedDict


class State(TypedDict):
    topic: str
    steps: Annotated[list[str], operator.add]
    approved: NotRequired[str]


def first(state: State) -> dict:
    return {"steps": ["first"]}


def second(state: State) -> dict:
    answer = interrupt({"question": "approve?"})
    return {"steps": [f"second:{answer}"], "approved": answer}


builder = StateGraph(State)
builder.add_node("first", first)
builder.add_node("second", second)
builder.add_edge(START, "first")
builder.add_edge("first", "second")
builder.add_edge("second", END)
graph = builder.compile()
'''


def write_toy_project(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "toy_graph.py").write_text(textwrap.dedent(TOY_GRAPH))
    config = folder / "langgraph.json"
    config.write_text(json.dumps({
        "dependencies": ["."],
        "graphs": {"toy": "./toy_graph.py:graph"},
        "checkpointer": {"path": STUDIO_CHECKPOINTER},
    }, indent=2))
    return config


def settings_env(settings: Settings) -> dict[str, str]:
    """The environment that makes get_settings() in the server equal these settings' checkpoint part."""
    env = {"POSTGRAPH_DATA_DIR": str(settings.data_dir), "POSTGRAPH_CHECKPOINTER": settings.checkpointer,
           "POSTGRAPH_CHECKPOINT_MONGODB_DATABASE": settings.checkpoint_mongodb_database}
    if settings.mongodb_uri:
        env["POSTGRAPH_MONGODB_URI"] = settings.mongodb_uri
    if settings.postgres_uri:
        env["POSTGRAPH_POSTGRES_URI"] = settings.postgres_uri
    return env


def check_toy(settings: Settings) -> Callable[[httpx.Client, str, dict], None]:
    def check(client: httpx.Client, thread_id: str, output: dict) -> None:
        assert output["steps"] == ["first"]
        assert [i["value"] for i in output["__interrupt__"]] == [{"question": "approve?"}]

        resumed = client.post(f"/threads/{thread_id}/runs/wait",
                              json={"assistant_id": "toy", "command": {"resume": "yes"}})
        assert resumed.status_code == 200, resumed.text
        assert resumed.json() == {"topic": "dev", "steps": ["first", "second:yes"], "approved": "yes"}

        state = client.get(f"/threads/{thread_id}/state").json()
        assert state["values"]["approved"] == "yes" and state["next"] == []
        history = client.post(f"/threads/{thread_id}/history", json={"limit": 10}).json()
        assert [h["metadata"]["step"] for h in history] == [2, 1, 0, -1]

        # The checkpoints are in the project's store, not the server's memory.
        with open_checkpointer(settings) as saver:
            stored = list(saver.list({"configurable": {"thread_id": thread_id}}))
        assert len(stored) == 4
        assert stored[0].checkpoint["channel_values"]["approved"] == "yes"

    return check


@pytest.mark.parametrize("backend", ["sqlite", "mongodb", "postgres"])
def test_langgraph_dev_runs_a_thread_with_the_project_checkpointer(
    backend: str, settings_for: Callable[[str], Settings], tmp_path: Path
) -> None:
    settings = settings_for(backend)
    project = DevProject(
        config=write_toy_project(tmp_path / "project"),
        graph_id="toy",
        input={"topic": "dev", "steps": []},
        check=check_toy(settings),
        env=settings_env(settings),
    )
    with langgraph_dev(project.config, env=project.env) as base_url:
        assert httpx.get(f"{base_url}/ok", timeout=5).json()["ok"] is True
        run_thread(base_url, project)
    if backend == "sqlite":
        with SqliteSaver.from_conn_string(str(checkpoint_sqlite_file(settings))) as saver:
            assert list(saver.list(None)), "the server wrote to POSTGRAPH_DATA_DIR/checkpoints.sqlite"


def test_harness_reports_a_server_that_does_not_start(tmp_path: Path) -> None:
    config = write_toy_project(tmp_path / "broken")
    config.write_text(json.dumps({"dependencies": ["."], "graphs": {"toy": "./toy_graph.py:graph"},
                                  "checkpointer": {"path": "postgraph.graph.checkpointing.no_such_factory"}}))
    with pytest.raises(AssertionError, match="langgraph dev exited"):
        with langgraph_dev(config, env={"POSTGRAPH_DATA_DIR": str(tmp_path / "data")}, timeout_s=60):
            pass
