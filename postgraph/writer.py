"""Run the writing graph for the CLI, the API and the benchmark: threads, streaming progress,
approval, resume after a crash, and time travel over checkpoints."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from postgraph.graph.builder import build_graph
from postgraph.graph.context import Context, context_from_settings
from postgraph.graph.resources import Resources
from postgraph.graph.state import RequestFilters
from postgraph.settings import Settings
from postgraph.tools.errors import PostgraphError

MAX_REQUEST_CHARS = 4000
OUTPUT_KEYS = ("status", "post", "citations", "unsupported_requests", "claim_checks", "versions", "budget", "timings", "notes")


class UnknownThread(PostgraphError):
    code = "unknown_thread"


class BadRequest(PostgraphError):
    code = "bad_request"


@dataclass
class RunOutcome:
    thread_id: str
    values: dict[str, Any]
    awaiting_approval: dict[str, Any] | None = None
    next_nodes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        result = {key: _plain(self.values.get(key)) for key in OUTPUT_KEYS if key in self.values}
        result["thread_id"] = self.thread_id
        if self.awaiting_approval is not None:
            result["status"] = "awaiting_approval"
            result["awaiting_approval"] = _plain(self.awaiting_approval)
        return result


def _plain(value: Any) -> Any:
    if hasattr(value, "model_dump"):
        return value.model_dump(mode="json")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def validate_request(request: str) -> str:
    request = (request or "").strip()
    if not request:
        raise BadRequest("The request is empty: say what the post should be about.")
    if len(request) > MAX_REQUEST_CHARS:
        raise BadRequest(f"The request has {len(request)} characters; the limit is {MAX_REQUEST_CHARS}.")
    return request


class PostWriter:
    def __init__(self, settings: Settings, checkpointer: BaseCheckpointSaver, resources: Resources | None = None) -> None:
        self.settings = settings
        self.resources = resources or Resources(settings)
        self.graph: CompiledStateGraph = build_graph(checkpointer)

    def context(self, **overrides: Any) -> Context:
        context = context_from_settings(self.settings, **overrides)
        context.resources = self.resources
        return context

    @staticmethod
    def config(thread_id: str, checkpoint_id: str | None = None) -> dict[str, Any]:
        configurable = {"thread_id": thread_id}
        if checkpoint_id:
            configurable["checkpoint_id"] = checkpoint_id
        return {"configurable": configurable, "recursion_limit": 60}

    def write(
        self,
        request: str,
        *,
        thread_id: str | None = None,
        filters: RequestFilters | None = None,
        on_update: Callable[[str, dict[str, Any]], None] | None = None,
        **context_overrides: Any,
    ) -> RunOutcome:
        request = validate_request(request)
        thread_id = thread_id or uuid.uuid4().hex
        payload = {"request": request, "filters": filters}
        return self._stream(payload, thread_id, self.context(**context_overrides), on_update)

    def resume(
        self,
        thread_id: str,
        *,
        decision: dict[str, Any] | None = None,
        on_update: Callable[[str, dict[str, Any]], None] | None = None,
        **context_overrides: Any,
    ) -> RunOutcome:
        """Continue a thread: answer its approval question, or rerun from the last checkpoint
        after a crash (nothing already done is redone)."""
        snapshot = self.snapshot(thread_id)
        if not snapshot.next:
            raise PostgraphError(f"Thread {thread_id} has finished; there is nothing to resume.")
        interrupts = [i for task in snapshot.tasks for i in task.interrupts]
        if interrupts and decision is None:
            raise PostgraphError(f"Thread {thread_id} waits for approval: resume it with approve, edit or reject.")
        payload = Command(resume=decision) if interrupts else None
        overrides = {"require_approval": True, **context_overrides} if interrupts else context_overrides
        return self._stream(payload, thread_id, self.context(**overrides), on_update)

    def replay(self, thread_id: str, checkpoint_id: str, on_update=None, **context_overrides: Any) -> RunOutcome:
        """Time travel: run again from an earlier checkpoint (a fork; the history is kept)."""
        if not any(s.config["configurable"]["checkpoint_id"] == checkpoint_id for s in self.history(thread_id)):
            raise PostgraphError(f"Thread {thread_id} has no checkpoint {checkpoint_id}.")
        return self._stream(None, thread_id, self.context(**context_overrides), on_update, checkpoint_id)

    def snapshot(self, thread_id: str, checkpoint_id: str | None = None):
        snapshot = self.graph.get_state(self.config(thread_id, checkpoint_id))
        if not snapshot.values and not snapshot.next:
            raise UnknownThread(f"No thread with id {thread_id!r}.")
        return snapshot

    def history(self, thread_id: str) -> list[Any]:
        states = list(self.graph.get_state_history(self.config(thread_id)))
        if not states:
            raise UnknownThread(f"No thread with id {thread_id!r}.")
        return states

    def _stream(self, payload, thread_id, context, on_update, checkpoint_id=None) -> RunOutcome:
        config = self.config(thread_id, checkpoint_id)
        for chunk in self.graph.stream(payload, config, context=context, stream_mode="updates"):
            for node, update in chunk.items():
                if on_update and node != "__interrupt__":
                    on_update(node, update or {})
        snapshot = self.graph.get_state(self.config(thread_id))
        interrupts = [i.value for task in snapshot.tasks for i in task.interrupts]
        return RunOutcome(thread_id, dict(snapshot.values), interrupts[0] if interrupts else None, list(snapshot.next))


@contextmanager
def open_writer(settings: Settings, resources: Resources | None = None) -> Iterator[PostWriter]:
    from postgraph.graph.checkpointing import open_checkpointer

    with open_checkpointer(settings) as checkpointer:
        writer = PostWriter(settings, checkpointer, resources)
        try:
            yield writer
        finally:
            if resources is None:
                writer.resources.close()
