"""Checkpoint savers for the writing graph, chosen by `settings.checkpointer`.

    sqlite    (default) a file, `checkpoint_sqlite_path` (default data_dir/checkpoints.sqlite)
    mongodb   database `checkpoint_mongodb_database` on the document store's server
              (`mongodb_uri`, or the local MongoDB-compatible server when that is unset)
    postgres  `postgres_uri`, or the local PostgreSQL cluster when that is unset

Three entry points, all context managers that close what they opened and stop a local
server only when they started it:

    open_checkpointer(settings)    sync: SqliteSaver, MongoDBSaver, PostgresSaver
    aopen_checkpointer(settings)   async: AsyncSqliteSaver, MongoDBSaver (its async methods
                                   run the blocking driver in a thread pool: since 0.3
                                   langgraph-checkpoint-mongodb has no separate async saver),
                                   AsyncPostgresSaver
    studio_checkpointer()          no arguments, reads get_settings(): the factory named under
                                   "checkpointer" in langgraph.json for `langgraph dev`

The graph itself is compiled without a checkpointer (the LangGraph server brings its own);
callers compile it with `builder.compile(checkpointer=saver)`.

Nothing happens at import: connections, files and servers are made on entry.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import AbstractContextManager, AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import TypeVar

from langgraph.checkpoint.base import BaseCheckpointSaver

from postgraph.errors import StoreUnavailable
from postgraph.graph.state import checkpoint_serde
from postgraph.settings import Settings, get_settings

T = TypeVar("T")

MONGO_CHECKPOINT_COLLECTION = "checkpoints"
MONGO_WRITES_COLLECTION = "checkpoint_writes"
POSTGRES_CONNECT_TIMEOUT_S = 5


def checkpoint_sqlite_file(settings: Settings) -> Path:
    """The SQLite file of the sqlite checkpointer."""
    return (settings.checkpoint_sqlite_path or settings.data_dir / "checkpoints.sqlite").expanduser().resolve()


# -- sync ---------------------------------------------------------------------------------
@contextmanager
def open_checkpointer(settings: Settings | None = None) -> Iterator[BaseCheckpointSaver]:
    """Open the configured checkpoint saver (tables and indexes made) and close it afterwards."""
    settings = settings or get_settings()
    with _sync_saver(settings) as saver:
        saver.serde = checkpoint_serde()
        yield saver


def _sync_saver(settings: Settings) -> AbstractContextManager[BaseCheckpointSaver]:
    if settings.checkpointer == "sqlite":
        return _sqlite_saver(settings)
    if settings.checkpointer == "mongodb":
        return _mongodb_saver(settings)
    if settings.checkpointer == "postgres":
        return _postgres_saver(settings)
    raise ValueError(f"unknown checkpointer {settings.checkpointer!r}")


@contextmanager
def _sqlite_saver(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    from langgraph.checkpoint.sqlite import SqliteSaver

    path = checkpoint_sqlite_file(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with SqliteSaver.from_conn_string(str(path)) as saver:
        saver.setup()
        yield saver


@contextmanager
def _mongodb_saver(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    from postgraph.services.local_mongo import mongo_uri

    with mongo_uri(settings) as uri:
        saver = _make_mongodb_saver(settings, uri)
        try:
            yield saver
        finally:
            saver.close()


def _make_mongodb_saver(settings: Settings, uri: str) -> BaseCheckpointSaver:
    from langgraph.checkpoint.mongodb import MongoDBSaver
    from pymongo import MongoClient
    from pymongo.errors import PyMongoError

    timeout = settings.mongodb_timeout_ms
    client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=timeout, connectTimeoutMS=timeout)
    try:
        # The constructor makes the collections' indexes: the first round trip to the server.
        return MongoDBSaver(
            client,
            db_name=settings.checkpoint_mongodb_database,
            checkpoint_collection_name=MONGO_CHECKPOINT_COLLECTION,
            writes_collection_name=MONGO_WRITES_COLLECTION,
        )
    except PyMongoError as error:
        client.close()
        raise StoreUnavailable(f"MongoDB checkpoints at {_redact(uri)} are unavailable: {error}") from error


@contextmanager
def _postgres_saver(settings: Settings) -> Iterator[BaseCheckpointSaver]:
    import psycopg
    from langgraph.checkpoint.postgres import PostgresSaver
    from psycopg.rows import dict_row

    from postgraph.services.local_postgres import postgres_uri

    with postgres_uri(settings) as uri:
        try:
            # The connection PostgresSaver.from_conn_string makes, with a connect timeout.
            conn = psycopg.Connection.connect(
                uri, autocommit=True, prepare_threshold=0, row_factory=dict_row,
                connect_timeout=POSTGRES_CONNECT_TIMEOUT_S,
            )
        except psycopg.Error as error:
            raise StoreUnavailable(f"PostgreSQL checkpoints at {_redact(uri)} are unavailable: {error}") from error
        with conn:
            saver = PostgresSaver(conn)
            try:
                saver.setup()
            except psycopg.Error as error:
                raise StoreUnavailable(f"Could not set up the checkpoint tables at {_redact(uri)}: {error}") from error
            yield saver


# -- async --------------------------------------------------------------------------------
@asynccontextmanager
async def aopen_checkpointer(settings: Settings | None = None) -> AsyncIterator[BaseCheckpointSaver]:
    """Async twin of `open_checkpointer` for `ainvoke`/`astream` and the LangGraph server.

    Starting a local server and the MongoDB driver block, so they run in a worker thread."""
    settings = settings or get_settings()
    async with AsyncExitStack() as stack:
        if settings.checkpointer == "sqlite":
            from langgraph.checkpoint.sqlite.aio import AsyncSqliteSaver

            path = checkpoint_sqlite_file(settings)
            path.parent.mkdir(parents=True, exist_ok=True)
            saver = await stack.enter_async_context(AsyncSqliteSaver.from_conn_string(str(path)))
            await saver.setup()
        elif settings.checkpointer == "mongodb":
            saver = await _enter_in_thread(stack, _mongodb_saver(settings))
        elif settings.checkpointer == "postgres":
            import psycopg
            from langgraph.checkpoint.postgres.aio import AsyncPostgresSaver
            from psycopg.rows import dict_row

            from postgraph.services.local_postgres import postgres_uri

            uri = await _enter_in_thread(stack, postgres_uri(settings))
            try:
                conn = await psycopg.AsyncConnection.connect(
                    uri, autocommit=True, prepare_threshold=0, row_factory=dict_row,
                    connect_timeout=POSTGRES_CONNECT_TIMEOUT_S,
                )
            except psycopg.Error as error:
                raise StoreUnavailable(f"PostgreSQL checkpoints at {_redact(uri)} are unavailable: {error}") from error
            await stack.enter_async_context(conn)
            saver = AsyncPostgresSaver(conn)
            try:
                await saver.setup()
            except psycopg.Error as error:
                raise StoreUnavailable(f"Could not set up the checkpoint tables at {_redact(uri)}: {error}") from error
        else:
            raise ValueError(f"unknown checkpointer {settings.checkpointer!r}")
        saver.serde = checkpoint_serde()
        yield saver


@asynccontextmanager
async def studio_checkpointer() -> AsyncIterator[BaseCheckpointSaver]:
    """The checkpointer `langgraph dev` and the LangGraph server use, named in langgraph.json:

        "checkpointer": {"path": "postgraph.graph.checkpointing.studio_checkpointer"}

    (a dotted path: langgraph-api 0.16 splits a module path at its last dot and reads
    "module:attr" only as a file path, "./postgraph/graph/checkpointing.py:studio_checkpointer").
    Settings come from the environment (POSTGRAPH_CHECKPOINTER, POSTGRAPH_DATA_DIR, ...)."""
    async with aopen_checkpointer(get_settings()) as saver:
        yield saver


# -- helpers ------------------------------------------------------------------------------
async def _enter_in_thread(stack: AsyncExitStack, manager: AbstractContextManager[T]) -> T:
    """Enter a blocking context manager in a worker thread; exit it there too, through the stack."""
    value = await asyncio.to_thread(manager.__enter__)

    async def leave(exc_type, exc, tb) -> bool:  # noqa: ANN001
        return bool(await asyncio.to_thread(manager.__exit__, exc_type, exc, tb))

    stack.push_async_exit(leave)
    return value


def _redact(uri: str) -> str:
    """The URI without a password, for error messages."""
    scheme, sep, rest = uri.partition("://")
    if sep and "@" in rest:
        credentials, _, host = rest.rpartition("@")
        user = credentials.split(":", 1)[0]
        return f"{scheme}://{user}{':***' if ':' in credentials else ''}@{host}"
    return uri


__all__ = [
    "aopen_checkpointer",
    "checkpoint_sqlite_file",
    "open_checkpointer",
    "studio_checkpointer",
]
