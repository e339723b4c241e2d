"""Run the writing graph for the CLI, the API and the benchmark: threads, streaming progress,
approval, resume after a crash, and time travel over checkpoints.

Every call (write, resume, replay) is one run with its own id (uuid4 hex): it is recorded in the
run store when there is one (start, then finish or fail; errors are recorded and re-raised),
stamps its run and thread ids on every log record, and, when Langfuse is configured, is traced
under a trace whose id is the run id (flushed at the end for at most `langfuse_timeout_s`).

Every call first builds its run kit (graph/kit.py) explicitly: a new thread pins the versions
the registries name now and carries the pins in its input; resume, approval and replay build
the kit from the pins the thread's state carries, so a promotion between a pause and its resume
never changes the versions a thread runs with."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph.state import CompiledStateGraph
from langgraph.types import Command

from postgraph.domain import RequestFilters
from postgraph.errors import PostgraphError
from postgraph.graph.adapters import Adapters
from postgraph.graph.builder import build_graph
from postgraph.graph.context import Context, context_from_settings
from postgraph.graph.kit import RunKit, build_run_kit
from postgraph.graph.state import OutputState
from postgraph.observability.logging import configure_logging, run_context
from postgraph.observability.runs import RunTally, context_summary, outcome_record, supported_share
from postgraph.settings import Settings

if TYPE_CHECKING:
    from postgraph.graph.pins import Pins
    from postgraph.observability.tracing import Tracing
    from postgraph.stores.runs import RunStore

log = logging.getLogger(__name__)

MAX_REQUEST_CHARS = 4000
OUTPUT_KEYS = tuple(OutputState.__annotations__)


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
    run_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        result = {key: _plain(self.values.get(key)) for key in OUTPUT_KEYS if key in self.values}
        result["thread_id"] = self.thread_id
        if self.run_id is not None:
            result["run_id"] = self.run_id
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
    """Runs the graph. `adapters` are the outside systems (built from settings when omitted);
    `run_store` (or `open_run_store`, called on the first run) records runs; None records
    nothing (unit tests with fakes). `tracing` defaults to Langfuse from settings (None when it
    is not configured)."""

    def __init__(
        self,
        settings: Settings,
        checkpointer: BaseCheckpointSaver,
        adapters: Adapters | None = None,
        *,
        run_store: RunStore | None = None,
        open_run_store: Callable[[], RunStore] | None = None,
        tracing: Tracing | None = None,
    ) -> None:
        self.settings = settings
        self.adapters = adapters or Adapters(settings)
        self.graph: CompiledStateGraph = build_graph(checkpointer)
        self._run_store = run_store
        self._open_run_store = open_run_store
        if tracing is None and settings.langfuse_enabled:
            from postgraph.observability.tracing import tracing_for

            tracing = tracing_for(settings)
        self.tracing = tracing

    @property
    def run_store(self) -> RunStore | None:
        if self._run_store is None and self._open_run_store is not None:
            self._run_store = self._open_run_store()  # raises (store down): the next call tries again
            self._open_run_store = None
        return self._run_store

    def context(self, **overrides: Any) -> Context:
        """The run's configuration (settings, then the caller's overrides); no kit yet."""
        return context_from_settings(self.settings, **overrides)

    def kit(self, context: Context, pins: Pins | None = None) -> RunKit:
        """Run setup, the one step: the kit of a new thread (pins None) or of a thread's pins."""
        return build_run_kit(context, self.adapters, pins)

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
        if filters is not None and len(filters.authors) == 1:
            # A request for one author's newsletters is written in their voice (their drafter).
            context_overrides.setdefault("author", filters.authors[0])
        context = self.context(**context_overrides)
        kit = self.kit(context)
        payload = {"request": request, "filters": filters, "pins": kit.pins}
        details = {"filters": _plain(filters)} if filters is not None else {}
        return self._stream(payload, thread_id, replace(context, kit=kit), on_update,
                            kind="write", request=request, details=details)

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
        details = {"decision": _plain(decision)} if interrupts else {"resumed_at": list(snapshot.next)}
        context = self.context(**overrides)
        kit = self.kit(context, snapshot.values.get("pins"))
        return self._stream(payload, thread_id, replace(context, kit=kit), on_update, kind="resume",
                            request=snapshot.values.get("request"), details=details)

    def replay(self, thread_id: str, checkpoint_id: str, on_update=None, **context_overrides: Any) -> RunOutcome:
        """Time travel: run again from an earlier checkpoint (a fork; the history is kept)."""
        states = self.history(thread_id)  # newest first
        chosen = next((s for s in states if s.config["configurable"]["checkpoint_id"] == checkpoint_id), None)
        if chosen is None:
            raise PostgraphError(f"Thread {thread_id} has no checkpoint {checkpoint_id}.")
        latest = states[0].values
        context = self.context(**context_overrides)
        # A checkpoint taken before the first step holds no values yet: the thread's pins stand.
        kit = self.kit(context, chosen.values.get("pins") or latest.get("pins"))
        request = latest.get("request")
        return self._stream(None, thread_id, replace(context, kit=kit), on_update, checkpoint_id,
                            kind="replay", request=request, details={"checkpoint_id": checkpoint_id})

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

    def _stream(self, payload, thread_id, context, on_update, checkpoint_id=None, *, kind="write",
                request=None, details=None) -> RunOutcome:
        run_id = uuid.uuid4().hex
        with run_context(run_id, thread_id):
            versions = dict(context.kit.versions)
            store = self.run_store
            if store is not None:  # a store that is down fails the call before anything runs
                store.start(run_id, thread_id, request, context_summary(context), kind=kind, versions=versions,
                            **(details or {}))
            started = time.perf_counter()
            log.info("run started", extra={"kind": kind})
            config = self.config(thread_id, checkpoint_id)
            config["run_id"] = uuid.UUID(run_id)  # the root run's id: callbacks and the trace share it
            config["metadata"] = {"run_id": run_id}  # also stamped on the run's checkpoints
            if self.tracing is not None:
                config["callbacks"] = [self.tracing.handler(run_id=run_id, thread_id=thread_id, kind=kind,
                                                            versions=versions)]
            tally = RunTally(self._budget_before(thread_id, checkpoint_id), versions)
            try:
                for chunk in self.graph.stream(payload, config, context=context, stream_mode="updates"):
                    for node, update in chunk.items():
                        if node == "__interrupt__":
                            continue
                        tally.update(node, update)
                        if on_update:
                            on_update(node, update or {})
                snapshot = self.graph.get_state(self.config(thread_id))
            except BaseException as error:
                self._failed(run_id, error, tally, time.perf_counter() - started)
                raise
            interrupts = [i.value for task in snapshot.tasks for i in task.interrupts]
            outcome = RunOutcome(thread_id, dict(snapshot.values), interrupts[0] if interrupts else None,
                                 list(snapshot.next), run_id=run_id)
            self._finished(run_id, outcome, tally, versions, time.perf_counter() - started)
            return outcome

    def _budget_before(self, thread_id: str, checkpoint_id: str | None) -> Any:
        try:
            return self.graph.get_state(self.config(thread_id, checkpoint_id)).values.get("budget")
        except Exception:  # only the per-step tally suffers: its first step counts from zero
            log.debug("could not read the budget before the run", exc_info=True)
            return None

    def _finished(self, run_id: str, outcome: RunOutcome, tally: RunTally, versions: dict[str, str],
                  seconds: float) -> None:
        record = outcome_record(outcome.as_dict(), tally, versions, outcome.next_nodes, outcome.values.get("evidence") or [])
        log.info("run finished", extra={"status": record["status"], "seconds": round(seconds, 3),
                                        "model_calls": tally.model_calls, "tokens": tally.tokens})
        self._record(lambda store: store.finish(run_id, record))
        if self.tracing is not None:
            share = supported_share(record)
            if share is not None:
                self.tracing.score(run_id, "claims_supported", share, "share of checked claims the sources support")
            self.tracing.flush()

    def _failed(self, run_id: str, error: BaseException, tally: RunTally, seconds: float) -> None:
        code = getattr(error, "code", None) or ("interrupted" if isinstance(error, KeyboardInterrupt)
                                                 else type(error).__name__)
        message = getattr(error, "message", None) or str(error) or type(error).__name__
        if isinstance(error, PostgraphError | KeyboardInterrupt):
            log.warning("run failed: [%s] %s", code, message, extra={"error_code": code})
        else:
            log.error("run failed: [%s] %s", code, message, exc_info=error, extra={"error_code": code})
        self._record(lambda store: store.fail(run_id, code, message, timings=tally.timings, steps=tally.steps,
                                              model_calls=tally.model_calls, tokens=tally.tokens))
        if self.tracing is not None:
            self.tracing.flush()

    def _record(self, write: Callable[[RunStore], None]) -> None:
        """The end of a run is recorded on a best-effort basis: the post (or the original error)
        matters more than its record, so a store failure here is logged, not raised."""
        store = self.run_store
        if store is None:
            return
        try:
            write(store)
        except Exception:
            log.exception("could not record the end of the run in the run store")


@contextmanager
def open_writer(settings: Settings, adapters: Adapters | None = None) -> Iterator[PostWriter]:
    """A writer over the configured checkpointer that records its runs in the document store
    (opened on the first run, starting the local server when needed; not with
    `record_runs=false`), with logging configured from settings."""
    from postgraph.graph.checkpointing import open_checkpointer

    configure_logging(settings)
    with ExitStack() as stack:
        checkpointer = stack.enter_context(open_checkpointer(settings))

        def open_run_store() -> RunStore:
            from postgraph.stores.open import open_run_store

            runs = stack.enter_context(open_run_store(settings))
            runs.ensure_indexes()
            return runs

        writer = PostWriter(settings, checkpointer, adapters,
                            open_run_store=open_run_store if settings.record_runs else None)
        try:
            yield writer
        finally:
            if adapters is None:
                writer.adapters.close()
