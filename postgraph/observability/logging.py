"""Structured logs: JSON lines (or plain text) on the `postgraph` logger, every record stamped
with the run id and thread id of the graph run it was emitted in.

The ids live in context variables set by `run_context` around a run. LangGraph runs each node
in `contextvars.copy_context()` (inline or in its executor threads), so a record logged in any
node, or in any helper a node calls, sees the ids of its run. `RunContextFilter` copies them
onto the record; the formatters print them.

`configure_logging(settings)` installs one handler (stderr, or data_dir/logs/postgraph.jsonl)
on the `postgraph`, `langfuse` and `opentelemetry` loggers; calling it again replaces it.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path
from typing import IO, Any

from postgraph.settings import Settings

LOGGERS = ("postgraph", "langfuse", "opentelemetry")
"""Loggers the handler is installed on: ours, and the tracing SDK's (export failures)."""

_run_id: ContextVar[str | None] = ContextVar("postgraph_run_id", default=None)
_thread_id: ContextVar[str | None] = ContextVar("postgraph_thread_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=` and is printed.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {"message", "asctime", "taskName"}
_STAMPED = ("run_id", "thread_id")


@contextmanager
def run_context(run_id: str | None, thread_id: str | None) -> Iterator[None]:
    """Stamp `run_id` and `thread_id` on every record logged inside the block (in this context
    and in every context copied from it)."""
    run_token = _run_id.set(run_id)
    thread_token = _thread_id.set(thread_id)
    try:
        yield
    finally:
        _thread_id.reset(thread_token)
        _run_id.reset(run_token)


def current_ids() -> dict[str, str | None]:
    return {"run_id": _run_id.get(), "thread_id": _thread_id.get()}


class RunContextFilter(logging.Filter):
    """Copy the current run and thread ids onto the record (an explicit `extra=` id wins)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, value in current_ids().items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True


def _timestamp(record: logging.LogRecord) -> str:
    moment = dt.datetime.fromtimestamp(record.created, dt.UTC)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """One JSON object per line: ts, level, logger, message, run_id, thread_id, any `extra=`
    fields, and the exception (type, message, traceback) when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": _timestamp(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "run_id": getattr(record, "run_id", None),
            "thread_id": getattr(record, "thread_id", None),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and key not in _STAMPED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info and record.exc_info[0] is not None:
            entry["exc_type"] = record.exc_info[0].__name__
            entry["exc_message"] = str(record.exc_info[1])
            entry["traceback"] = self.formatException(record.exc_info)
        elif record.exc_text:
            entry["traceback"] = record.exc_text
        return json.dumps(entry, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`2025-01-01T10:00:00.000Z WARNING postgraph.llm.structured [run=… thread=…] message`."""

    def format(self, record: logging.LogRecord) -> str:
        ids = " ".join(f"{name.split('_')[0]}={value}" for name in _STAMPED if (value := getattr(record, name, None)))
        line = f"{_timestamp(record)} {record.levelname} {record.name}{f' [{ids}]' if ids else ''} {record.getMessage()}"
        if record.exc_info and record.exc_info[0] is not None:
            line += "\n" + self.formatException(record.exc_info)
        return line


def log_file(settings: Settings) -> Path:
    return settings.data_dir / "logs" / "postgraph.jsonl"


def make_handler(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    if stream is None and settings.log_to == "file":
        path = log_file(settings)
        path.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(path, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    handler.addFilter(RunContextFilter())
    handler._postgraph = True  # type: ignore[attr-defined]  # marks the handler this module owns
    return handler


def configure_logging(settings: Settings, stream: IO[str] | None = None) -> logging.Handler:
    """Install (or replace) postgraph's handler; returns it. Idempotent."""
    handler = make_handler(settings, stream)
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_postgraph", False)]:
            logger.removeHandler(old)
            old.close()
        logger.addHandler(handler)
    logging.getLogger("postgraph").setLevel(settings.log_level)
    # The tracing SDKs only speak up when something is wrong (export failed, server down).
    for name in LOGGERS[1:]:
        if logging.getLogger(name).level == logging.NOTSET:
            logging.getLogger(name).setLevel(logging.WARNING)
    return handler


def remove_logging() -> None:
    """Take postgraph's handler off again (tests)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if getattr(h, "_postgraph", False)]:
            logger.removeHandler(old)
            old.close()
