"""Checkpoint persistence on every backend (sqlite, mongodb, postgres) with a two-node graph
whose second node asks for approval through `interrupt()`: a checkpoint per step, resuming after
a crash, interrupt and resume, history and time travel, and checkpoints that outlive the saver."""

from __future__ import annotations

import asyncio
import operator
import shutil
import tempfile
import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated

import pytest
from langgraph.checkpoint.mongodb import MongoDBSaver
from langgraph.checkpoint.postgres import PostgresSaver
from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
from langgraph.checkpoint.sqlite import SqliteSaver
from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver
from langgraph.graph import END, START, StateGraph
from langgraph.types import Command, interrupt
from typing_extensions import NotRequired, TypedDict

from postgraph.errors import StoreUnavailable
from postgraph.graph.checkpointing import (
    aopen_checkpointer,
    checkpoint_sqlite_file,
    open_checkpointer,
    studio_checkpointer,
)
from postgraph.services.local_mongo import LocalMongo
from postgraph.services.local_postgres import LocalPostgres
from postgraph.services.processes import free_port
from postgraph.settings import Settings

SYNC_SAVERS = {"sqlite": SqliteSaver, "mongodb": MongoDBSaver, "postgres": PostgresSaver}
ASYNC_SAVERS = {"sqlite": AsyncSqliteSaver, "mongodb": MongoDBSaver, "postgres": AsyncPostgresSaver}
START_INPUT = {"topic": "evals", "steps": []}


class State(TypedDict):
    topic: str
    steps: Annotated[list[str], operator.add]
    approved: NotRequired[str]


class ToyGraph:
    """first -> second (interrupts for approval) -> END; counts node calls; `crashes` makes the
    second node raise that many times before it gets to the interrupt."""

    def __init__(self, crashes: int = 0) -> None:
        self.calls: Counter[str] = Counter()
        self.crashes = crashes
        builder = StateGraph(State)
        builder.add_node("first", self.first)
        builder.add_node("second", self.second)
        builder.add_edge(START, "first")
        builder.add_edge("first", "second")
        builder.add_edge("second", END)
        self.builder = builder

    def first(self, state: State) -> dict:
        self.calls["first"] += 1
        return {"steps": ["first"]}

    def second(self, state: State) -> dict:
        self.calls["second"] += 1
        if self.crashes > 0:
            self.crashes -= 1
            raise RuntimeError("crash")
        answer = interrupt({"question": f"approve the post about {state['topic']}?"})
        return {"steps": [f"second:{answer}"], "approved": answer}

    def compile(self, saver):
        return self.builder.compile(checkpointer=saver)


def thread() -> dict:
    return {"configurable": {"thread_id": f"t-{uuid.uuid4().hex}"}}


def steps_of(graph, config) -> list[int]:
    return [snapshot.metadata["step"] for snapshot in graph.get_state_history(config)]


# -- every backend ------------------------------------------------------------------------
def test_open_checkpointer_yields_the_backend_saver(checkpoint_settings: Settings) -> None:
    with open_checkpointer(checkpoint_settings) as saver:
        assert type(saver) is SYNC_SAVERS[checkpoint_settings.checkpointer]
    if checkpoint_settings.checkpointer == "sqlite":
        assert checkpoint_sqlite_file(checkpoint_settings) == checkpoint_settings.data_dir / "checkpoints.sqlite"
        assert checkpoint_sqlite_file(checkpoint_settings).exists()


def test_a_checkpoint_is_written_per_step(checkpoint_settings: Settings) -> None:
    toy, config = ToyGraph(), thread()
    with open_checkpointer(checkpoint_settings) as saver:
        graph = toy.compile(saver)
        graph.invoke(START_INPUT, config)
        # input, after START, after `first`; `second` is waiting at its interrupt
        assert steps_of(graph, config) == [1, 0, -1]
        assert len(list(saver.list(config))) == 3
        graph.invoke(Command(resume="yes"), config)
        history = list(graph.get_state_history(config))
        assert [s.metadata["step"] for s in history] == [2, 1, 0, -1]
        assert [s.metadata["source"] for s in history] == ["loop", "loop", "loop", "input"]
        assert [s.next for s in history] == [(), ("second",), ("first",), ("__start__",)]
        assert history[0].values == {"topic": "evals", "steps": ["first", "second:yes"], "approved": "yes"}
        assert history[1].values == {"topic": "evals", "steps": ["first"]}


def test_a_crash_resumes_from_the_last_checkpoint_without_rerunning_node_one(checkpoint_settings: Settings) -> None:
    toy, config = ToyGraph(crashes=1), thread()
    with open_checkpointer(checkpoint_settings) as saver:
        graph = toy.compile(saver)
        with pytest.raises(RuntimeError, match="crash"):
            graph.invoke(START_INPUT, config)
        state = graph.get_state(config)
        assert state.next == ("second",) and state.values["steps"] == ["first"]
        assert state.tasks[0].error  # the failure is recorded with the pending task

        resumed = graph.invoke(None, config)  # same thread, no input: go on from the checkpoint
        assert toy.calls == Counter(first=1, second=2)
        assert resumed["__interrupt__"][0].value == {"question": "approve the post about evals?"}

        done = graph.invoke(Command(resume="ok"), config)
        assert done == {"topic": "evals", "steps": ["first", "second:ok"], "approved": "ok"}
        assert toy.calls["first"] == 1


def test_interrupt_then_resume_with_command(checkpoint_settings: Settings) -> None:
    toy, config = ToyGraph(), thread()
    with open_checkpointer(checkpoint_settings) as saver:
        graph = toy.compile(saver)
        paused = graph.invoke(START_INPUT, config)
        assert [i.value for i in paused["__interrupt__"]] == [{"question": "approve the post about evals?"}]
        state = graph.get_state(config)
        assert state.next == ("second",)
        assert state.tasks[0].interrupts[0].value == {"question": "approve the post about evals?"}

        done = graph.invoke(Command(resume="approved"), config)
        assert done["approved"] == "approved" and done["steps"] == ["first", "second:approved"]
        assert graph.get_state(config).next == ()
        assert toy.calls == Counter(first=1, second=2)  # the interrupted node runs again on resume


def test_history_and_time_travel_replays_from_an_earlier_checkpoint(checkpoint_settings: Settings) -> None:
    toy, config = ToyGraph(), thread()
    with open_checkpointer(checkpoint_settings) as saver:
        graph = toy.compile(saver)
        graph.invoke(START_INPUT, config)
        graph.invoke(Command(resume="first answer"), config)
        history = list(graph.get_state_history(config))
        before_first = next(s for s in history if s.next == ("first",))
        assert before_first.values == {"topic": "evals", "steps": []}

        replay = graph.invoke(None, before_first.config)
        assert toy.calls["first"] == 2, "node 1 re-executes after the chosen checkpoint"
        assert replay["steps"] == ["first"] and "__interrupt__" in replay

        latest = graph.get_state(config)
        assert latest.next == ("second",) and "approved" not in latest.values
        # the new branch hangs off the chosen checkpoint; the old branch stays in the history
        branch_root = list(graph.get_state_history(config))
        assert len(branch_root) == len(history) + 2
        assert any(s.values.get("approved") == "first answer" for s in branch_root)

        graph.invoke(Command(resume="second answer"), config)
        assert graph.get_state(config).values["approved"] == "second answer"


def test_an_unknown_thread_has_empty_state(checkpoint_settings: Settings) -> None:
    with open_checkpointer(checkpoint_settings) as saver:
        graph = ToyGraph().compile(saver)
        config = thread()
        state = graph.get_state(config)
        assert state.values == {} and state.next == ()
        assert list(graph.get_state_history(config)) == []


def test_checkpoints_survive_closing_and_reopening_the_saver(checkpoint_settings: Settings) -> None:
    config = thread()
    with open_checkpointer(checkpoint_settings) as saver:
        first_toy = ToyGraph()
        first_toy.compile(saver).invoke(START_INPUT, config)

    toy = ToyGraph()
    with open_checkpointer(checkpoint_settings) as saver:
        graph = toy.compile(saver)
        state = graph.get_state(config)
        assert state.next == ("second",) and state.values == {"topic": "evals", "steps": ["first"]}
        done = graph.invoke(Command(resume="later"), config)
        assert done["steps"] == ["first", "second:later"]
        assert toy.calls == Counter(second=1), "only the waiting node runs after reopening"


def test_async_saver_crash_interrupt_resume_and_reopen(checkpoint_settings: Settings) -> None:
    toy, config = ToyGraph(crashes=1), thread()

    async def scenario() -> None:
        async with aopen_checkpointer(checkpoint_settings) as saver:
            assert type(saver) is ASYNC_SAVERS[checkpoint_settings.checkpointer]
            graph = toy.compile(saver)
            with pytest.raises(RuntimeError, match="crash"):
                await graph.ainvoke(START_INPUT, config)
            paused = await graph.ainvoke(None, config)
            assert "__interrupt__" in paused and toy.calls == Counter(first=1, second=2)
            assert (await graph.aget_state({"configurable": {"thread_id": "nobody"}})).values == {}
        async with aopen_checkpointer(checkpoint_settings) as saver:
            graph = toy.compile(saver)
            done = await graph.ainvoke(Command(resume="async"), config)
            assert done["approved"] == "async" and toy.calls["first"] == 1
            assert [s.metadata["step"] async for s in graph.aget_state_history(config)] == [2, 1, 0, -1]

    asyncio.run(scenario())
    # the sync saver reads what the async one wrote: the same storage
    with open_checkpointer(checkpoint_settings) as saver:
        assert ToyGraph().compile(saver).get_state(config).values["approved"] == "async"


def test_studio_checkpointer_reads_the_settings_from_the_environment(
    checkpoint_settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("POSTGRAPH_DATA_DIR", str(checkpoint_settings.data_dir))
    monkeypatch.setenv("POSTGRAPH_CHECKPOINTER", checkpoint_settings.checkpointer)
    for name, value in (("MONGODB_URI", checkpoint_settings.mongodb_uri),
                        ("CHECKPOINT_MONGODB_DATABASE", checkpoint_settings.checkpoint_mongodb_database),
                        ("POSTGRES_URI", checkpoint_settings.postgres_uri)):
        if value is None:
            monkeypatch.delenv(f"POSTGRAPH_{name}", raising=False)
        else:
            monkeypatch.setenv(f"POSTGRAPH_{name}", value)
    config = thread()

    async def scenario() -> None:
        async with studio_checkpointer() as saver:
            assert type(saver) is ASYNC_SAVERS[checkpoint_settings.checkpointer]
            await ToyGraph().compile(saver).ainvoke(START_INPUT, config)

    asyncio.run(scenario())
    with open_checkpointer(checkpoint_settings) as saver:
        assert ToyGraph().compile(saver).get_state(config).next == ("second",)


# -- settings, errors and the local servers ------------------------------------------------
def test_defaults(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("CHECKPOINTER", "CHECKPOINT_SQLITE_PATH", "CHECKPOINT_MONGODB_DATABASE", "POSTGRES_URI"):
        monkeypatch.delenv(f"POSTGRAPH_{name}", raising=False)
    monkeypatch.chdir(tmp_path)  # no .env
    settings = Settings(data_dir=tmp_path)
    assert settings.checkpointer == "sqlite" and settings.postgres_uri is None
    assert settings.checkpoint_mongodb_database == "postgraph_checkpoints"
    assert checkpoint_sqlite_file(settings) == tmp_path.resolve() / "checkpoints.sqlite"
    custom = Settings(data_dir=tmp_path, checkpoint_sqlite_path=tmp_path / "elsewhere" / "c.db")
    with open_checkpointer(custom):
        assert (tmp_path / "elsewhere" / "c.db").exists()


def test_an_unreachable_postgres_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, checkpointer="postgres",
                        postgres_uri=f"postgresql://nobody:secret@127.0.0.1:{free_port()}/none")
    with pytest.raises(StoreUnavailable, match="PostgreSQL checkpoints at postgresql://nobody:\\*\\*\\*@127.0.0.1"):
        with open_checkpointer(settings):
            pass

    async def scenario() -> None:
        async with aopen_checkpointer(settings):
            pass

    with pytest.raises(StoreUnavailable, match="unavailable"):
        asyncio.run(scenario())


def test_an_unreachable_mongodb_is_a_clear_error(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, checkpointer="mongodb", mongodb_timeout_ms=300,
                        mongodb_uri=f"mongodb://127.0.0.1:{free_port()}/?directConnection=true")
    with pytest.raises(StoreUnavailable, match="MongoDB checkpoints at mongodb://127.0.0.1"):
        with open_checkpointer(settings):
            pass


def test_the_local_postgres_is_started_and_stopped_when_no_uri_is_set() -> None:
    home = Path(tempfile.mkdtemp(prefix="postgraph-ck-"))
    home.chmod(0o711)  # as root the server runs as the postgres user, who must enter it
    settings = Settings(data_dir=home, checkpointer="postgres", postgres_uri=None)
    try:
        config = thread()
        with open_checkpointer(settings) as saver:
            assert LocalPostgres(settings).status().running
            ToyGraph().compile(saver).invoke(START_INPUT, config)
        assert not LocalPostgres(settings).status().running, "stopped: this call started it"
        with open_checkpointer(settings) as saver:  # a restarted server keeps the checkpoints
            assert ToyGraph().compile(saver).get_state(config).next == ("second",)
    finally:
        LocalPostgres(settings).down()
        shutil.rmtree(home, ignore_errors=True)


def test_the_local_mongodb_is_started_and_stopped_when_no_uri_is_set(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, checkpointer="mongodb", mongodb_uri=None)
    config = thread()
    try:
        async def scenario() -> None:
            async with aopen_checkpointer(settings) as saver:
                assert LocalMongo(settings).status().running
                await ToyGraph().compile(saver).ainvoke(START_INPUT, config)

        asyncio.run(scenario())
        assert not LocalMongo(settings).status().running, "stopped: this call started it"
        with open_checkpointer(settings) as saver:
            assert ToyGraph().compile(saver).get_state(config).values["steps"] == ["first"]
    finally:
        LocalMongo(settings).down()
