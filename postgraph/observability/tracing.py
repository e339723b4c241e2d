"""Optional Langfuse tracing of graph runs, and scores (user feedback, evaluations) on them.

Langfuse is used only when its public key, secret key and host are all set (settings
`langfuse_*`, also read from LANGFUSE_PUBLIC_KEY, LANGFUSE_SECRET_KEY, LANGFUSE_HOST or
LANGFUSE_BASE_URL). Without them nothing is imported, started or sent: `langfuse_callbacks`
returns [] and `score_run` returns False.

With them, one `Tracing` per process holds the Langfuse client. Spans and scores go out from
the SDK's background threads; a run waits for them at its end (`flush`) for at most
`langfuse_timeout_s`, and so does process exit, so an unreachable or hanging Langfuse costs a
run at most that bound. What could not be sent in time is sent later or dropped (logged).

The client has its own OpenTelemetry tracer provider (the global one is left alone), and a test
can hand in an exporter (`span_exporter=InMemorySpanExporter()`) to read the spans.
"""

from __future__ import annotations

import atexit
import logging
import math
import threading
import time
from collections.abc import Mapping
from typing import Any

from postgraph.settings import Settings

log = logging.getLogger(__name__)

MAX_STUCK_FLUSHES = 2
"""Flushes left running in the background (Langfuse hanging) before runs stop waiting at all."""
DOWN_BACKOFF_S = 30.0
"""After a flush that did not finish in time, runs stop waiting for Langfuse for this long (their
spans are still handed to the SDK); the next flush after it waits again, as a probe."""


class _DeliveryFailures(logging.Handler):
    """Notes when the SDK reports that spans or scores could not be delivered (it drops them and
    only logs), so that a flush that "finished" because everything failed counts as Langfuse down."""

    LOGGERS = ("langfuse", "opentelemetry.exporter")

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.last = float("-inf")

    def emit(self, record: logging.LogRecord) -> None:
        if record.levelno >= logging.ERROR or "error" in record.getMessage().lower():
            self.last = time.monotonic()

    @classmethod
    def install(cls) -> _DeliveryFailures:
        global _failures
        if _failures is None:
            _failures = cls()
            for name in cls.LOGGERS:
                logging.getLogger(name).addHandler(_failures)
        return _failures


_failures: _DeliveryFailures | None = None


class Tracing:
    """The Langfuse client of this process, with bounded flush and shutdown."""

    def __init__(self, settings: Settings, *, span_exporter: Any = None, tracer_provider: Any = None) -> None:
        if not settings.langfuse_enabled:
            raise ValueError("Langfuse is not configured: set the public key, the secret key and the host.")
        from langfuse import Langfuse
        from opentelemetry.sdk.trace import TracerProvider

        self.public_key: str = settings.langfuse_public_key  # type: ignore[assignment]
        self.host: str = settings.langfuse_host  # type: ignore[assignment]
        self.timeout_s = settings.langfuse_timeout_s
        self.tracer_provider = tracer_provider or TracerProvider(shutdown_on_exit=False)
        self.client = Langfuse(
            public_key=self.public_key,
            secret_key=settings.langfuse_secret_key,
            base_url=self.host.rstrip("/"),
            timeout=max(1, math.ceil(self.timeout_s)),  # per HTTP request of the SDK
            tracer_provider=self.tracer_provider,
            span_exporter=span_exporter,
        )
        self._lock = threading.Lock()
        self._pending: list[threading.Thread] = []
        self._down_until = 0.0
        self._failures = _DeliveryFailures.install()
        self._closed = False
        # The SDK's own exit hook waits for every retry against a dead server; replace it.
        resources = getattr(self.client, "_resources", None)
        if resources is not None:
            atexit.unregister(resources.shutdown)
        atexit.register(self.shutdown)

    # -- runs -----------------------------------------------------------------------------
    def handler(self, *, run_id: str, thread_id: str, kind: str = "write", versions: Mapping[str, str] | None = None):
        from postgraph.observability.langfuse_handler import RunCallbackHandler

        return RunCallbackHandler(public_key=self.public_key, run_id=run_id, thread_id=thread_id,
                                  kind=kind, versions=versions)

    def score(self, run_id: str, name: str, value: float | str, comment: str | None = None,
              *, data_type: str | None = None, metadata: Mapping[str, Any] | None = None) -> None:
        """Attach a score to the run's trace (queued; sent by the SDK's score thread)."""
        self.client.create_score(name=name, value=value, trace_id=run_id, comment=comment,
                                 data_type=data_type, metadata=dict(metadata) if metadata else None)  # type: ignore[arg-type]

    # -- bounded waits ----------------------------------------------------------------------
    def _run_bounded(self, work, timeout: float, what: str, *, force: bool = False, quiet: bool = False) -> bool:
        """Run `work` in a daemon thread and wait for it at most `timeout` seconds. While earlier
        waits are still stuck (Langfuse hangs), a new one is not waited for at all."""
        with self._lock:
            self._pending = [t for t in self._pending if t.is_alive()]
            if len(self._pending) >= MAX_STUCK_FLUSHES and not force:
                (log.debug if quiet else log.warning)("Langfuse at %s is still not answering earlier requests; not waiting (%s)",
                            self.host, what, extra={"langfuse_host": self.host})
                return False
            thread = threading.Thread(target=self._quietly, args=(work, what),
                                      name=f"postgraph-langfuse-{what}", daemon=True)
            self._pending.append(thread)
            thread.start()
        thread.join(timeout)
        if thread.is_alive():
            (log.debug if quiet else log.warning)("Langfuse at %s did not answer within %.1fs (%s); going on without waiting",
                        self.host, timeout, what, extra={"langfuse_host": self.host})
            return False
        return True

    @staticmethod
    def _quietly(work, what: str) -> None:
        try:
            work()
        except Exception:  # the SDK logs its own export errors; never let tracing raise
            log.warning("Langfuse %s failed", what, exc_info=True)

    def flush(self, timeout: float | None = None) -> bool:
        """Send what is queued and wait at most `timeout`; by default langfuse_timeout_s, or not
        at all within DOWN_BACKOFF_S of a flush that timed out. True when everything went out in
        time."""
        if self._closed:
            return True
        started = time.monotonic()
        backing_off = timeout is None and started < self._down_until
        wait = 0.0 if backing_off else (self.timeout_s if timeout is None else timeout)
        delivered = self._run_bounded(self.client.flush, wait, "flush", quiet=backing_off)
        delivered = delivered and self._failures.last < started
        if delivered:
            self._down_until = 0.0
        elif not backing_off:
            self._down_until = time.monotonic() + DOWN_BACKOFF_S
        return delivered

    def shutdown(self, timeout: float | None = None) -> bool:
        if self._closed:
            return True
        self._closed = True
        atexit.unregister(self.shutdown)

        def close() -> None:
            self.client.shutdown()
            self.tracer_provider.shutdown()

        return self._run_bounded(close, self.timeout_s if timeout is None else timeout, "shutdown", force=True)


_tracings: dict[tuple[str | None, str | None, str | None, float], Tracing] = {}
_tracings_lock = threading.Lock()


def tracing_for(settings: Settings) -> Tracing | None:
    """The process-wide `Tracing` for these settings, or None when Langfuse is not configured."""
    if not settings.langfuse_enabled:
        return None
    key = (settings.langfuse_public_key, settings.langfuse_secret_key, settings.langfuse_host,
           settings.langfuse_timeout_s)
    with _tracings_lock:
        tracing = _tracings.get(key)
        if tracing is None or tracing._closed:
            tracing = _tracings[key] = Tracing(settings)
        return tracing


def langfuse_callbacks(
    settings: Settings,
    *,
    run_id: str | None = None,
    thread_id: str | None = None,
    kind: str = "write",
    versions: Mapping[str, str] | None = None,
    tracing: Tracing | None = None,
) -> list:
    """[] unless Langfuse is configured; else the callback handler of one run."""
    tracing = tracing or tracing_for(settings)
    if tracing is None:
        return []
    import uuid

    return [tracing.handler(run_id=run_id or uuid.uuid4().hex, thread_id=thread_id or "", kind=kind,
                            versions=versions)]


def score_run(settings: Settings, run_id: str, name: str, value: float | str, comment: str | None = None,
              *, tracing: Tracing | None = None, wait: bool = False) -> bool:
    """Attach a score (feedback, an evaluation metric) to a run's trace. False when Langfuse is
    not configured; with `wait`, also False when it did not take the score in time."""
    tracing = tracing or tracing_for(settings)
    if tracing is None:
        return False
    tracing.score(run_id, name, value, comment)
    return tracing.flush() if wait else True
