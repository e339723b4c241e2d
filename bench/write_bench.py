#!/usr/bin/env python
"""Seconds per post, end to end, on the embedded stack, and where those seconds go.

One process, one fresh data directory: the project's local MongoDB-compatible server
(LocalMongo, up before, down in a `finally`), samples/corpus ingested with `open_ingestor`
(not part of any post's time), then `open_writer(settings)` with the default settings: SQLite
checkpoints, the packaged Gemma 3 270M GGUF through llama.cpp in process, the int8 ONNX
MiniLM embeddings and the on-disk Qdrant index.

One warm-up post is not counted (it assembles and loads the GGUF and pays every first-call
cost); then --posts posts over different requests about the sample corpus. For each post:

  wall seconds          `PostWriter.write()` from call to return
  per node              the result's `timings` (the graph's own per-node timers)
  model calls           every call of the chat models the adapters hand out (raw completions,
                        schema-constrained JSON, chat), timed once each; inside it, the time
                        spent in llama.cpp itself (`Llama.create_completion` /
                        `create_chat_completion`)
  embeddings            every dense embedding call (`embed_documents` / `embed_query`)
  retrieval             the retrieve node without its query embeddings (Qdrant queries,
                        fusion, MMR); the Qdrant calls are also timed on their own
  checkpoints           the SQLite saver's `put` / `put_writes` (LangGraph runs them on a
                        background thread, overlapping the next node) and reads (`get_tuple`,
                        `list`, on the calling thread)
  document store        every MongoDB command (pymongo command monitoring): run records
  everything else       orchestration: node code outside model, embedding and index calls,
                        and the graph's own work between nodes

Medians over the posts are printed and written with every post's details to
bench/results/write-<timestamp>.json. When orchestration is above 5% of wall time (or with
--profile), one more post runs under cProfile with a clock that stops during model calls, and
the top entries by cumulative time are printed. See bench/README.md.

    .venv/bin/python bench/write_bench.py [--posts 5] [--quick] [--profile | --no-profile]
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from bench_common import dotted_get, median_of
from bench_common import machine as base_machine

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "samples" / "corpus"
RESULTS = Path(__file__).resolve().parent / "results"

AIM = 0.05  # the aim: everything that is not model inference under 5% of wall time
NODES = ("plan", "retrieve", "draft", "critique", "fact_check", "revise", "finalize", "approve")

WARMUP_REQUEST = "a post about catching data drift before the dashboard does, for data scientists, 120 words"
REQUESTS = (
    "a post about why our nightly retrieval eval caught a chunking regression, for ML engineers, 120 words",
    "a post about serving a small model on CPUs with INT8 quantization, for platform engineers, 150 words",
    "a post about treating prompt versions as releases and rolling them back, for ML engineers, 130 words",
    "a post about GPU cost accounting across teams, for engineering managers, 150 words, include one number",
    "a post about LoRA fine-tuning on a budget with one rented GPU, for ML engineers, 140 words",
)
# The profiled post asks something new, so that it pays the same embedding-cache misses as a counted one.
PROFILE_REQUEST = "a post about keeping a golden evaluation set honest, for ML engineers, 130 words"


# -- the meter: timed intervals of one post, attributed to the node that runs ---------------


class Meter:
    """Collects what one post spends where. Nodes run one at a time; LangGraph's checkpoint
    writes may run on a background thread, so every interval records whether it ran on the
    main thread (the one that waits for the post)."""

    def __init__(self) -> None:
        self.main_thread = threading.main_thread().ident
        self.local = threading.local()
        self.node: str | None = None
        self._pause_depth = 0
        self._paused_at = 0.0
        self._paused_total = 0.0
        self.reset()

    def reset(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.spans: list[tuple[str, float]] = []

    def record(self, kind: str, seconds: float, **extra: Any) -> None:
        main = threading.get_ident() == self.main_thread
        self.events.append({"kind": kind, "seconds": seconds, "node": self.node if main else None,
                            "main_thread": main, **extra})

    # A clock for cProfile that stands still during model calls, so that a profile shows what
    # is not inference. Only the main thread pauses it (cProfile profiles that thread only).
    def clock(self) -> float:
        now = time.perf_counter()
        paused = self._paused_total + (now - self._paused_at if self._pause_depth else 0.0)
        return now - paused

    def pause_clock(self) -> None:
        if threading.get_ident() != self.main_thread:
            return
        if self._pause_depth == 0:
            self._paused_at = time.perf_counter()
        self._pause_depth += 1

    def resume_clock(self) -> None:
        if threading.get_ident() != self.main_thread:
            return
        self._pause_depth -= 1
        if self._pause_depth == 0:
            self._paused_total += time.perf_counter() - self._paused_at

    # model calls -----------------------------------------------------------------------
    def model_call(self, entry: str, kind: str, call: Callable[[], Any], tokens: Callable[[Any], Any]) -> Any:
        """Time one chat-model call (counted once even if one entry point calls another)."""
        local = self.local
        if getattr(local, "in_model", False):
            return call()
        local.in_model, local.inner = True, 0.0
        self.pause_clock()
        started = time.perf_counter()
        try:
            result = call()
        finally:
            seconds = time.perf_counter() - started
            self.resume_clock()
            local.in_model = False
        counts = tokens(result) or {}
        self.record("model", seconds, entry=entry, call_kind=kind, inner_seconds=local.inner,
                    input_tokens=counts.get("input_tokens", 0), output_tokens=counts.get("output_tokens", 0))
        return result

    def llama_call(self, call: Callable[[], Any]) -> Any:
        """Time llama.cpp itself (create_chat_completion calls create_completion: count once)."""
        local = self.local
        if getattr(local, "in_llama", False):
            return call()
        local.in_llama = True
        started = time.perf_counter()
        try:
            return call()
        finally:
            local.inner = getattr(local, "inner", 0.0) + time.perf_counter() - started
            local.in_llama = False

    def timed(self, kind: str, fn: Callable[..., Any], **extra: Any) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.record(kind, time.perf_counter() - started, **extra)

        return wrapper

    def node_wrapper(self, node: Callable[..., Any]) -> Callable[..., Any]:
        name = node.__name__

        @functools.wraps(node)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            previous, self.node = self.node, name
            started = time.perf_counter()
            try:
                return node(*args, **kwargs)
            finally:
                self.spans.append((name, time.perf_counter() - started))
                self.node = previous

        return wrapper


METER = Meter()


def _usage_of_completion(result: Any) -> Any:
    return result.usage


def _usage_of_chat_result(result: Any) -> Any:
    return getattr(result.generations[0].message, "usage_metadata", None) if result.generations else None


def metered_classes() -> tuple[type, type]:
    """A LlamaCppChatModel whose every call is timed, and Embeddings that time every call."""
    from langchain_core.embeddings import Embeddings

    from postgraph.llm.llamacpp import LlamaCppChatModel

    class MeteredLlamaCppChatModel(LlamaCppChatModel):
        def complete(self, prompt, *, max_tokens=None, stop=None, temperature=None, schema=None, **kwargs):
            return METER.model_call(
                "complete", "json" if schema is not None else "text",
                lambda: LlamaCppChatModel.complete(self, prompt, max_tokens=max_tokens, stop=stop,
                                                   temperature=temperature, schema=schema, **kwargs),
                _usage_of_completion,
            )

        def _generate(self, messages, stop=None, run_manager=None, **kwargs):
            return METER.model_call(
                "chat", "json" if kwargs.get("response_format") else "text",
                lambda: LlamaCppChatModel._generate(self, messages, stop, run_manager, **kwargs),
                _usage_of_chat_result,
            )

        def _stream(self, messages, stop=None, run_manager=None, **kwargs):
            # Streaming is not used by the nodes; timed as a whole, consumer time included.
            chunks = []

            def run() -> list[Any]:
                chunks.extend(LlamaCppChatModel._stream(self, messages, stop, run_manager, **kwargs))
                return chunks

            METER.model_call("stream", "json" if kwargs.get("response_format") else "text", run,
                             lambda c: getattr(c[-1].message, "usage_metadata", None) if c else None)
            yield from chunks

    class MeteredEmbeddings(Embeddings):
        def __init__(self, inner: Embeddings) -> None:
            self.inner = inner

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            started = time.perf_counter()
            try:
                return self.inner.embed_documents(texts)
            finally:
                METER.record("embed", time.perf_counter() - started, texts=len(texts))

        def embed_query(self, text: str) -> list[float]:
            started = time.perf_counter()
            try:
                return self.inner.embed_query(text)
            finally:
                METER.record("embed", time.perf_counter() - started, texts=1)

    return MeteredLlamaCppChatModel, MeteredEmbeddings


def metered_adapters(settings: Any) -> Any:
    """`Adapters` with timed embeddings, a timed Qdrant client and timed chat models."""
    from postgraph.graph.adapters import Adapters
    from postgraph.llm.llamacpp import LlamaCppChatModel
    from postgraph.search.embeddings import make_embeddings
    from postgraph.search.index import VectorIndex, make_qdrant_client

    chat_class, embeddings_class = metered_classes()

    class MeteredAdapters(Adapters):
        def chat_model(self, model_id: str):
            model = super().chat_model(model_id)
            if isinstance(model, LlamaCppChatModel) and not isinstance(model, chat_class):
                model = chat_class(**{name: getattr(model, name) for name in model.model_fields_set})
                with self._lock:
                    self._chat_models[self.model_id(model_id)] = model
            elif not isinstance(model, chat_class):
                raise SystemExit(f"write_bench measures the llamacpp provider only, got {type(model).__name__}")
            return model

    embeddings, _ = make_embeddings(settings)
    index = VectorIndex(make_qdrant_client(settings), settings.collection_prefix, settings.write_batch_size)
    index.client.query_points = METER.timed("search", index.client.query_points, call="query_points")
    index.active_collection = METER.timed("search", index.active_collection, call="active_collection")
    return MeteredAdapters(settings, index=index, embeddings=embeddings_class(embeddings))


@contextlib.contextmanager
def patched(target: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


@contextlib.contextmanager
def instrumented_llama_and_nodes() -> Iterator[None]:
    """Time llama.cpp itself, and make every node of the graph built meanwhile set the
    meter's current node (the product's `timed` decorator stays inside)."""
    import llama_cpp

    from postgraph.graph import builder

    with contextlib.ExitStack() as stack:
        for method in ("create_completion", "create_chat_completion"):
            original = getattr(llama_cpp.Llama, method)

            def make(original: Callable[..., Any]) -> Callable[..., Any]:
                @functools.wraps(original)
                def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
                    return METER.llama_call(lambda: original(self, *args, **kwargs))

                return wrapper

            stack.enter_context(patched(llama_cpp.Llama, method, make(original)))
        for node in NODES:
            stack.enter_context(patched(builder, node, METER.node_wrapper(getattr(builder, node))))
        yield


def monitor_document_store() -> None:
    """Time every MongoDB command (run records and anything else the writer keeps in the
    document store) with pymongo's command monitoring. Call before any client is made."""
    from pymongo import monitoring

    class StoreListener(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            pass

        def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
            METER.record("store", event.duration_micros / 1e6, command=event.command_name)

        def failed(self, event: monitoring.CommandFailedEvent) -> None:
            METER.record("store", event.duration_micros / 1e6, command=event.command_name, failed=True)

    monitoring.register(StoreListener())


def instrument_checkpointer(saver: Any) -> None:
    saver.put = METER.timed("checkpoint_write", saver.put, call="put")
    saver.put_writes = METER.timed("checkpoint_write", saver.put_writes, call="put_writes")
    saver.get_tuple = METER.timed("checkpoint_read", saver.get_tuple, call="get_tuple")
    saver.list = METER.timed("checkpoint_read", saver.list, call="list")


# -- one post --------------------------------------------------------------------------------


def _cpu_busy_seconds() -> float | None:
    """Busy CPU seconds of the whole machine (all processes), from /proc/stat."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def run_post(writer: Any, request: str) -> dict[str, Any]:
    METER.reset()
    load_before = os.getloadavg()[0]
    busy_before, cpu_before = _cpu_busy_seconds(), time.process_time()
    started = time.perf_counter()
    outcome = writer.write(request)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    busy_after = _cpu_busy_seconds()
    machine_busy = busy_after - busy_before if busy_before is not None and busy_after is not None else None
    values = outcome.values
    budget = values.get("budget")
    budget = budget.model_dump() if hasattr(budget, "model_dump") else (budget or {})
    post = {
        "request": request,
        "thread_id": outcome.thread_id,
        "status": values.get("status"),
        "words": len((values.get("post") or "").split()),
        "revisions": values.get("revisions", 0),
        "notes": values.get("notes", []),
        "budget": budget,
        "timings": dict(values.get("timings") or {}),
        "wall_seconds": wall,
        "process_cpu_seconds": cpu,
        "machine_busy_cpu_seconds": machine_busy,
        "other_processes_cpu_seconds": machine_busy - cpu if machine_busy is not None else None,
        "loadavg_before": load_before,
        "loadavg_after": os.getloadavg()[0],
        "events": METER.events,
        "spans": METER.spans,
    }
    return derive(post)


def _sum(events: list[dict[str, Any]], kind: str, **match: Any) -> float:
    return sum(e["seconds"] for e in events if e["kind"] == kind and all(e.get(k) == v for k, v in match.items()))


def derive(p: dict[str, Any]) -> dict[str, Any]:
    """Split one post's wall time into disjoint parts, with shares of the wall time."""
    events, wall = p["events"], p["wall_seconds"]
    models = [e for e in events if e["kind"] == "model"]
    p["model_calls"] = len(models)
    p["model_seconds"] = sum(e["seconds"] for e in models)
    p["llama_cpp_seconds"] = sum(e["inner_seconds"] for e in models)
    p["model_python_seconds"] = p["model_seconds"] - p["llama_cpp_seconds"]  # grammar building, result objects
    for kind in ("json", "text"):
        chosen = [e for e in models if e["call_kind"] == kind]
        p[f"{kind}_calls"] = len(chosen)
        p[f"{kind}_seconds"] = sum(e["seconds"] for e in chosen)
        p[f"{kind}_input_tokens"] = sum(e["input_tokens"] for e in chosen)
        p[f"{kind}_output_tokens"] = sum(e["output_tokens"] for e in chosen)
    p["tokens_observed"] = sum(e["input_tokens"] + e["output_tokens"] for e in models)
    p["embed_seconds"] = _sum(events, "embed")
    p["embed_calls"] = sum(1 for e in events if e["kind"] == "embed")
    p["embed_texts"] = sum(e.get("texts", 0) for e in events if e["kind"] == "embed")
    p["search_seconds"] = _sum(events, "search")
    p["checkpoint_write_seconds"] = _sum(events, "checkpoint_write")
    p["checkpoint_write_main_seconds"] = _sum(events, "checkpoint_write", main_thread=True)
    p["checkpoint_write_background_seconds"] = _sum(events, "checkpoint_write", main_thread=False)
    p["checkpoint_writes"] = sum(1 for e in events if e["kind"] == "checkpoint_write")
    p["checkpoint_read_seconds"] = _sum(events, "checkpoint_read")
    p["checkpoint_main_seconds"] = p["checkpoint_write_main_seconds"] + _sum(events, "checkpoint_read", main_thread=True)
    # MongoDB commands the writer makes around the graph (run records), on the calling thread.
    p["store_seconds"] = _sum(events, "store", main_thread=True, node=None)
    p["store_commands"] = sum(1 for e in events if e["kind"] == "store")

    by_node: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    for name, seconds in p["spans"]:
        by_node[name]["seconds"] += seconds
        by_node[name]["runs"] += 1
    for e in events:
        if e["node"] and e["kind"] in ("model", "embed", "search"):
            by_node[e["node"]][e["kind"]] += e["seconds"]
            by_node[e["node"]][f"{e['kind']}_calls"] += 1
    for row in by_node.values():
        row["code"] = row["seconds"] - row["model"] - row["embed"] - row["search"]
    p["by_node"] = {k: dict(v) for k, v in by_node.items()}

    in_nodes = sum(seconds for _, seconds in p["spans"])
    retrieve = p["by_node"].get("retrieve", {})
    p["retrieval_seconds"] = retrieve.get("seconds", 0.0) - retrieve.get("embed", 0.0)
    p["outside_nodes_seconds"] = wall - in_nodes
    p["node_code_seconds"] = in_nodes - p["model_seconds"] - p["embed_seconds"] - p["retrieval_seconds"]
    p["graph_overhead_seconds"] = p["outside_nodes_seconds"] - p["checkpoint_main_seconds"] - p["store_seconds"]
    p["orchestration_seconds"] = p["node_code_seconds"] + p["graph_overhead_seconds"]
    p["shares"] = {
        "model": p["model_seconds"] / wall,
        "embeddings": p["embed_seconds"] / wall,
        "retrieval": p["retrieval_seconds"] / wall,
        "checkpoints": p["checkpoint_main_seconds"] / wall,
        "document store (run records)": p["store_seconds"] / wall,
        "orchestration": p["orchestration_seconds"] / wall,
        "  node code": p["node_code_seconds"] / wall,
        "  graph, between nodes": p["graph_overhead_seconds"] / wall,
        "not LLM (1 - model)": 1 - p["model_seconds"] / wall,
        "not inference (no LLM, no embeddings)": 1 - (p["model_seconds"] + p["embed_seconds"]) / wall,
        "checkpoint writes, background": p["checkpoint_write_background_seconds"] / wall,
    }
    return p


# -- summary ---------------------------------------------------------------------------------

ROWS: list[tuple[str, str, str]] = [
    ("wall s per post", "wall_seconds", "{:.2f}"),
    ("model calls (observed)", "model_calls", "{:.0f}"),
    ("model calls (budget)", "budget.model_calls", "{:.0f}"),
    ("tokens (budget)", "budget.tokens", "{:.0f}"),
    ("tokens (observed)", "tokens_observed", "{:.0f}"),
    ("words in the post", "words", "{:.0f}"),
    ("model-call s", "model_seconds", "{:.2f}"),
    ("  in llama.cpp s", "llama_cpp_seconds", "{:.2f}"),
    ("  Python around it s", "model_python_seconds", "{:.3f}"),
    ("  JSON (constrained) calls", "json_calls", "{:.0f}"),
    ("  JSON s", "json_seconds", "{:.2f}"),
    ("  JSON output tokens", "json_output_tokens", "{:.0f}"),
    ("  text calls", "text_calls", "{:.0f}"),
    ("  text s", "text_seconds", "{:.2f}"),
    ("  text output tokens", "text_output_tokens", "{:.0f}"),
    ("embedding s", "embed_seconds", "{:.3f}"),
    ("  embedding calls", "embed_calls", "{:.0f}"),
    ("  texts embedded", "embed_texts", "{:.0f}"),
    ("retrieval s (retrieve w/o embeddings)", "retrieval_seconds", "{:.3f}"),
    ("  of which Qdrant calls s", "search_seconds", "{:.3f}"),
    ("checkpoint s (calling thread)", "checkpoint_main_seconds", "{:.3f}"),
    ("checkpoint writes s (any thread)", "checkpoint_write_seconds", "{:.3f}"),
    ("  checkpoint writes", "checkpoint_writes", "{:.0f}"),
    ("checkpoint reads s", "checkpoint_read_seconds", "{:.3f}"),
    ("document store s (run records)", "store_seconds", "{:.3f}"),
    ("  MongoDB commands", "store_commands", "{:.0f}"),
    ("orchestration s", "orchestration_seconds", "{:.3f}"),
    ("  node code s", "node_code_seconds", "{:.3f}"),
    ("  graph, between nodes s", "graph_overhead_seconds", "{:.3f}"),
    ("process CPU s", "process_cpu_seconds", "{:.1f}"),
    ("other processes CPU s", "other_processes_cpu_seconds", "{:.1f}"),
    ("load average (1 min)", "loadavg_before", "{:.2f}"),
]


def summarize(posts: list[dict[str, Any]]) -> dict[str, Any]:
    nodes = [n for n in NODES if any(n in p["timings"] or n in p["by_node"] for p in posts)]
    per_node = {}
    for node in nodes:
        per_node[node] = {
            "seconds": median_of([p["timings"].get(node, 0.0) for p in posts]),
            "runs": median_of([p["by_node"].get(node, {}).get("runs", 0) for p in posts]),
            **{part: median_of([p["by_node"].get(node, {}).get(part, 0.0) for p in posts])
               for part in ("model", "embed", "search", "code")},
            "share_of_wall": median_of([p["timings"].get(node, 0.0) / p["wall_seconds"] for p in posts]),
        }
    shares = {name: median_of([p["shares"][name] for p in posts]) for name in posts[0]["shares"]}
    medians = {path: median_of([dotted_get(p, path) for p in posts]) for _, path, _ in ROWS}
    totals = {k: sum(p[k] for p in posts) for k in (
        "json_seconds", "json_output_tokens", "json_calls", "text_seconds", "text_output_tokens", "text_calls",
        "wall_seconds", "model_seconds")}
    ratios = {
        "wall_over_model_seconds": medians["wall_seconds"] / medians["model_seconds"] if medians["model_seconds"] else None,
        "not_llm_share_over_aim": shares["not LLM (1 - model)"] / AIM,
        "not_inference_share_over_aim": shares["not inference (no LLM, no embeddings)"] / AIM,
        "orchestration_share_over_aim": shares["orchestration"] / AIM,
        "seconds_per_json_call": totals["json_seconds"] / totals["json_calls"] if totals["json_calls"] else None,
        "seconds_per_text_call": totals["text_seconds"] / totals["text_calls"] if totals["text_calls"] else None,
        # Output tokens over the whole call time (prompt evaluation included): what a call delivers.
        "json_output_tokens_per_s": totals["json_output_tokens"] / totals["json_seconds"] if totals["json_seconds"] else None,
        "text_output_tokens_per_s": totals["text_output_tokens"] / totals["text_seconds"] if totals["text_seconds"] else None,
        "model_share_pooled": totals["model_seconds"] / totals["wall_seconds"],
    }
    return {"medians": medians, "nodes": per_node, "shares": shares, "ratios": ratios}


def print_summary(summary: dict[str, Any], posts: int) -> None:
    medians, nodes, shares, ratios = summary["medians"], summary["nodes"], summary["shares"], summary["ratios"]

    def fmt(value: Any, pattern: str) -> str:
        return "-" if value is None else pattern.format(value)

    width = max(len(label) for label, _, _ in ROWS) + 2
    print(f"\nmedians over {posts} post(s)")
    for label, path, pattern in ROWS:
        print(f"  {label:<{width}}{fmt(medians[path], pattern):>12}")
    print("\nper node (medians; seconds from the result's timings, parts from the bench's own timers)")
    print(f"  {'node':<12}{'runs':>6}{'seconds':>10}{'share':>9}{'model':>10}{'embed':>9}{'qdrant':>9}{'code':>9}")
    for node, row in nodes.items():
        print(f"  {node:<12}{row['runs']:>6.0f}{row['seconds']:>10.3f}{row['share_of_wall']:>9.1%}"
              f"{row['model']:>10.3f}{row['embed']:>9.3f}{row['search']:>9.3f}{row['code']:>9.3f}")
    print("\nshare of wall time (median over posts; the first six add up to 100%)")
    for name, value in shares.items():
        print(f"  {name:<40}{fmt(value, '{:.2%}'):>10}")
    print("\nratios")
    for name, value in ratios.items():
        print(f"  {name:<40}{fmt(value, '{:.2f}'):>10}")


# -- profile ---------------------------------------------------------------------------------


def _short(path: str) -> str:
    for marker in ("site-packages/", str(ROOT) + "/"):
        if marker in path:
            return path.split(marker, 1)[1]
    return path


def profile_post(writer: Any, request: str, out: Path, top: int = 30) -> dict[str, Any]:
    """One more post under cProfile, with a clock that stops during model calls."""
    import cProfile
    import pstats

    profiler = cProfile.Profile(METER.clock)
    METER.reset()
    started = time.perf_counter()
    profiler.enable()
    try:
        writer.write(request)
    finally:
        profiler.disable()
    wall = time.perf_counter() - started
    profiler.dump_stats(str(out))
    stats = pstats.Stats(profiler)
    model = sum(e["seconds"] for e in METER.events if e["kind"] == "model")
    rows = [
        {"where": f"{_short(file)}:{line}({func})", "calls": nc, "tottime": tt, "cumtime": ct}
        for (file, line, func), (cc, nc, tt, ct, callers) in stats.stats.items()  # type: ignore[attr-defined]
    ]
    by_cum = sorted(rows, key=lambda r: r["cumtime"], reverse=True)[:top]
    by_tot = sorted(rows, key=lambda r: r["tottime"], reverse=True)[:top]
    print(f"\nprofile of one more post: wall {wall:.1f} s under the profiler, model calls {model:.1f} s "
          f"(the profile's clock stops during model calls; {out.relative_to(ROOT)})")
    for title, chosen, key in (("by cumulative time", by_cum, "cumtime"), ("by own time", by_tot[:15], "tottime")):
        print(f"\n  top {len(chosen)} {title}, model calls excluded")
        for r in chosen:
            print(f"  {r[key]:9.3f} s {r['calls']:>8}  {r['where']}")
    return {"request": request, "wall_seconds_profiled": wall, "model_seconds": model, "file": str(out),
            "by_cumulative": by_cum, "by_own_time": by_tot}


# -- main ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {**base_machine(), "loadavg_at_start": os.getloadavg()}


def llama_thread_counts() -> list[dict[str, Any]]:
    """Threads of the loaded llama.cpp models. With POSTGRAPH_LLAMA_THREADS unset,
    llama-cpp-python generates on cpu_count // 2 threads and evaluates prompts on cpu_count."""
    from postgraph.llm.llamacpp import loaded_models

    return [{"path": str(m.path), "n_threads": m.llama.n_threads, "n_threads_batch": m.llama.n_threads_batch,
             "load_seconds": m.load_seconds} for m in loaded_models()]


def code_state() -> dict[str, Any]:
    """The commit measured, and whether product files differed from it."""
    import hashlib
    import subprocess

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-C", str(ROOT), *args], check=False, capture_output=True, text=True)
        return done.stdout.strip() if done.returncode == 0 else ""

    dirty = [line[3:] for line in git("status", "--porcelain", "--", "postgraph").splitlines()]
    diff = git("diff", "HEAD", "--", "postgraph")
    return {"head": git("rev-parse", "HEAD"), "dirty_product_files": dirty,
            "product_diff_sha256": hashlib.sha256(diff.encode()).hexdigest() if diff else None}


def post_line(label: str, p: dict[str, Any]) -> str:
    s = p["shares"]
    return (f"{label}: {p['wall_seconds']:.1f} s, {p['status']}, {p['model_calls']} model calls "
            f"({p['json_calls']} JSON, {p['text_calls']} text), {p['budget'].get('tokens', 0)} tokens, "
            f"{p['words']} words; model {s['model']:.1%}, embeddings {s['embeddings']:.2%}, "
            f"retrieval {s['retrieval']:.2%}, checkpoints {s['checkpoints']:.2%}, "
            f"store {s['document store (run records)']:.2%}, "
            f"orchestration {s['orchestration']:.2%} (load {p['loadavg_before']:.2f})")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=5, help="counted posts after the warm-up")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1 warm-up + 1 post, max_revisions 0")
    profile = parser.add_mutually_exclusive_group()
    profile.add_argument("--profile", action="store_true", help="always profile one more post")
    profile.add_argument("--no-profile", action="store_true", help="never profile")
    parser.add_argument("--keep", action="store_true", help="keep the temporary data directory")
    args = parser.parse_args(argv)
    if args.posts < 1:
        parser.error("--posts must be at least 1")
    if args.quick:
        args.posts = 1

    from postgraph.graph.writer import open_writer
    from postgraph.ingest.pipeline import open_ingestor
    from postgraph.services.local_mongo import LocalMongo
    from postgraph.settings import Settings

    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    data_dir = Path(tempfile.mkdtemp(prefix="postgraph-write-bench-"))
    overrides: dict[str, Any] = {
        "data_dir": data_dir, "mongodb_uri": None, "qdrant_url": None, "qdrant_path": None,
        "checkpointer": "sqlite", "checkpoint_sqlite_path": None, "model_provider": "llamacpp", "gguf_path": None,
    }
    if args.quick:
        overrides["max_revisions"] = 0
    settings = Settings(**overrides)
    info = machine()
    code = code_state()
    print(f"data dir {data_dir}; {info['cpus']} cores, load average {info['loadavg_at_start'][0]:.2f} "
          f"(1 min) {info['loadavg_at_start'][1]:.2f} (5 min); code {code['head'][:8]}"
          + (f" + {len(code['dirty_product_files'])} changed product file(s)" if code["dirty_product_files"] else ""),
          flush=True)
    monitor_document_store()
    server = LocalMongo(settings)
    posts: list[dict[str, Any]] = []
    result: dict[str, Any] = {}
    try:
        t = time.perf_counter()
        server.up()
        server_start = time.perf_counter() - t
        with open_ingestor(settings) as ingestor:
            report = ingestor.ingest([SAMPLES])
        ingest = {"seconds": report.seconds, "files": len(report.files),
                  "failed": [f.path for f in report.failed],
                  "chunks": sum(f.chunks for f in report.files if f.ok)}
        print(f"server up in {server_start:.1f} s; ingested {ingest['files']} files, {ingest['chunks']} chunks "
              f"in {ingest['seconds']:.1f} s (not timed as part of any post)", flush=True)

        with instrumented_llama_and_nodes():
            adapters = metered_adapters(settings)
            try:
                with open_writer(settings, adapters) as writer:
                    instrument_checkpointer(writer.graph.checkpointer)
                    t = time.perf_counter()
                    warmup = run_post(writer, WARMUP_REQUEST)
                    print(post_line("warm-up (not counted)", warmup) + f"; {time.perf_counter() - t:.1f} s in all",
                          flush=True)
                    for number in range(args.posts):
                        request = REQUESTS[number % len(REQUESTS)]
                        post = run_post(writer, request)
                        posts.append(post)
                        print(post_line(f"post {number + 1}/{args.posts}", post), flush=True)
                    summary = summarize(posts)
                    llama_threads = llama_thread_counts()
                    print_summary(summary, len(posts))
                    for m in llama_threads:
                        print(f"\nllama.cpp: {m['n_threads']} generation thread(s), {m['n_threads_batch']} for prompts, "
                              f"loaded in {m['load_seconds']:.2f} s ({Path(m['path']).name})")
                    profiled = None
                    over = summary["shares"]["orchestration"] > AIM
                    if args.profile or (over and not args.no_profile):
                        print(f"\norchestration is {summary['shares']['orchestration']:.2%} of wall time"
                              + (" (above the 5% aim)" if over else ""), flush=True)
                        profiled = profile_post(writer, PROFILE_REQUEST, RESULTS / f"write-{stamp}.prof")
            finally:
                adapters.close()
        result = {
            "date": dt.datetime.now().isoformat(timespec="seconds"),
            "machine": info,
            "code": code,
            "loadavg_at_end": os.getloadavg(),
            "arguments": {"posts": args.posts, "quick": args.quick},
            "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in settings.model_dump().items()
                         if k in ("model_provider", "checkpointer", "embedding", "llama_n_ctx", "llama_threads",
                                  "llama_seed", "max_revisions", "max_model_calls", "max_tokens", "max_seconds",
                                  "retrieval_k", "retrieval_candidates", "hybrid", "draft_max_tokens",
                                  "temperature", "model_critique", "judge_model")},
            "llama_cpp_threads": llama_threads,
            "server_start_seconds": server_start,
            "ingest": ingest,
            "aim": AIM,
            **summary,
            "profile": profiled,
            "warmup": warmup,
            "posts": posts,
        }
    finally:
        server.down()
        if not args.keep:
            shutil.rmtree(data_dir, ignore_errors=True)
    out = RESULTS / f"write-{stamp}.json"
    out.write_text(json.dumps(result, indent=2, default=str))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
