#!/usr/bin/env python
"""Ingestion throughput of postgraph on the embedded stack.

The sample corpus (samples/corpus, 17 files) is copied whole until there are about
--documents files, each copy made unique so none is skipped as `unchanged`. Every run then
ingests it from scratch: a fresh data directory, the project's own local MongoDB-compatible
server (LocalMongo: up before, down after) and the on-disk Qdrant index under that directory.

Two configurations are measured, runs interleaved so background load hits both alike:

  full       the corpus as it is: Markdown, HTML (whose figures are OCR'd), text, PDF, PNG
  no-images  the same copies without the PNG files: no OCR at all (HTML figures keep their
             alt text only, as they would for a remote image)

Each run happens in a child process (this file with --worker), so its peak RSS is its own;
the server's peak RSS is read from /proc before it stops. See bench/README.md.

    .venv/bin/python bench/ingest_bench.py [--documents 200] [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import io
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_common import dotted_get, median_of
from bench_common import machine as base_machine

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "corpus"
RESULTS = Path(__file__).resolve().parent / "results"
CONFIGS = ("full", "no-images")
IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg"}
STAGES = ("parse", "store", "embed", "index")


# -- corpus ----------------------------------------------------------------------------------


def variant_bytes(path: Path, copy: int) -> bytes:
    """The file's content, changed so that copy `copy` has its own content hash.

    Text formats get a visible last line; a PDF gets a comment after %%EOF (pdfminer reads the
    cross-reference table from `startxref`, which still points at the same bytes); a PNG is
    re-saved losslessly with one more tEXt chunk, so its pixels and OCR text stay the same.
    """
    data = path.read_bytes()
    line = f"Issue copy {copy}."
    suffix = path.suffix.lower()
    if suffix in {".md", ".markdown", ".txt"}:
        return data.rstrip(b"\n") + f"\n\n{line}\n".encode()
    if suffix in {".html", ".htm"}:
        marker = b"</body>"
        paragraph = f"<p>{line}</p>\n".encode()
        at = data.rfind(marker)
        return data[:at] + paragraph + data[at:] if at >= 0 else data + paragraph
    if suffix == ".pdf":
        return data + f"%{line}\n".encode()
    if suffix == ".png":
        from PIL import Image
        from PIL.PngImagePlugin import PngInfo

        with Image.open(io.BytesIO(data)) as image:
            info = PngInfo()
            for key, value in image.info.items():
                if isinstance(value, str):
                    info.add_text(key, value)
            info.add_text("Comment", line)
            out = io.BytesIO()
            image.save(out, format="PNG", pnginfo=info)
            return out.getvalue()
    raise ValueError(f"no way to vary {path.name}")


def build_corpus(dest: Path, copies: int, include_images: bool) -> list[Path]:
    """copies x the sample corpus under dest/copy-NNN/ (original names, so HTML figures resolve)."""
    files = []
    for copy in range(1, copies + 1):
        folder = dest / f"copy-{copy:03d}"
        folder.mkdir(parents=True)
        for source in sorted(SAMPLES.iterdir()):
            if not source.is_file() or (not include_images and source.suffix.lower() in IMAGE_SUFFIXES):
                continue
            target = folder / source.name
            target.write_bytes(variant_bytes(source, copy))
            files.append(target)
    return files


class _EchoOcr:
    """Stands in for Tesseract while checking variants: only the bytes' acceptance matters."""

    name = "echo"

    def extract_text(self, image: bytes) -> str:
        return "Figure text 42"


def verify_corpus(files: list[Path]) -> None:
    """Every file has its own hash, and each binary variant parses exactly like its original."""
    from postgraph.ingest.parsers import parse_file

    hashes = {hashlib.sha256(f.read_bytes()).hexdigest() for f in files}
    if len(hashes) != len(files):
        raise SystemExit(f"corpus has {len(files) - len(hashes)} duplicate contents")
    checked = set()
    for variant in files:
        suffix = variant.suffix.lower()
        if suffix not in {".pdf", ".png"} or suffix in checked:
            continue
        original = SAMPLES / variant.name
        ocr = _EchoOcr()
        before = parse_file(original, max_bytes=50 * 2**20, ocr=ocr)
        after = parse_file(variant, max_bytes=50 * 2**20, ocr=ocr)
        same_meta = before.meta.model_dump(exclude={"source"}) == after.meta.model_dump(exclude={"source"})
        # A PNG block records the file's sha256, which differs by design.
        ignore = {"image": {"sha256"}}
        same_blocks = [b.model_dump(exclude=ignore) for b in before.blocks] == [
            b.model_dump(exclude=ignore) for b in after.blocks
        ]
        if not (same_blocks and same_meta):
            raise SystemExit(f"{variant} does not parse like {original}")
        checked.add(suffix)


# -- one run (child process) -----------------------------------------------------------------


def worker(corpus: Path, data_dir: Path, out: Path) -> None:
    """Ingest `corpus` into the store and index under `data_dir` and write the measurements."""
    started = time.perf_counter()
    from langchain_core.embeddings import Embeddings

    from postgraph.ingest import pipeline as ingestion
    from postgraph.ingest.pipeline import open_ingestor
    from postgraph.settings import Settings

    extra = {"ocr_seconds": 0.0, "ocr_calls": 0, "chunk_seconds": 0.0, "dense_seconds": 0.0}

    class TimedOcr:
        def __init__(self, inner: Any) -> None:
            self.inner, self.name = inner, inner.name

        def extract_text(self, image: bytes) -> str:
            t = time.perf_counter()
            try:
                return self.inner.extract_text(image)
            finally:
                extra["ocr_seconds"] += time.perf_counter() - t
                extra["ocr_calls"] += 1

    class TimedEmbeddings(Embeddings):
        def __init__(self, inner: Embeddings) -> None:
            self.inner = inner

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            t = time.perf_counter()
            try:
                return self.inner.embed_documents(texts)
            finally:
                extra["dense_seconds"] += time.perf_counter() - t

        def embed_query(self, text: str) -> list[float]:
            return self.inner.embed_query(text)

    chunk_blocks = ingestion.chunk_blocks

    def timed_chunk_blocks(*args: Any, **kwargs: Any) -> Any:
        t = time.perf_counter()
        try:
            return chunk_blocks(*args, **kwargs)
        finally:
            extra["chunk_seconds"] += time.perf_counter() - t

    ingestion.chunk_blocks = timed_chunk_blocks  # chunking runs outside the four stages
    settings = Settings(data_dir=data_dir, mongodb_uri=None, qdrant_url=None, qdrant_path=None)
    rss_log = data_dir / "tesseract-maxrss.log"
    with open_ingestor(settings) as ingestor:
        _measure_tesseract(ingestor.ocr, data_dir / "tesseract-timed", rss_log)
        ingestor.ocr = TimedOcr(ingestor.ocr)
        ingestor.embeddings = TimedEmbeddings(ingestor.embeddings)
        per_file: list[dict[str, float]] = []
        last = [time.perf_counter(), dict(ingestor._stage_seconds)]

        def on_file(_: Any) -> None:
            # Stage timers are cumulative within ingest(); differences give one file's share.
            now, stages = time.perf_counter(), dict(ingestor._stage_seconds)
            per_file.append({"seconds": now - last[0], **{k: stages[k] - last[1].get(k, 0.0) for k in STAGES}})
            last[:] = [now, stages]

        report = ingestor.ingest([corpus], on_file=on_file)
    me = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "report": {k: v for k, v in report.as_dict().items() if k != "files"},
        "failed": [{"path": f.path, "error": f.error} for f in report.failed],
        "documents": sum(1 for f in report.files if f.ok),
        "chunks": sum(f.chunks for f in report.files if f.ok),
        "seconds": report.seconds,
        "stage_seconds": dict(report.stage_seconds),
        **extra,
        "per_file": per_file,
        "peak_rss_mb": me.ru_maxrss / 1024,
        # Linux gives a child the high-water mark of the memory it was forked from, so this
        # is about the worker's own peak as soon as any child ran: kept for reference only.
        "rusage_children_maxrss_mb": children.ru_maxrss / 1024,
        "tesseract_peak_rss_mb": _max_logged_kb(rss_log),
        "cpu_seconds": me.ru_utime + me.ru_stime,
        "children_cpu_seconds": children.ru_utime + children.ru_stime,
        "process_seconds": time.perf_counter() - started,
        "settings": {
            k: getattr(settings, k)
            for k in ("embedding", "embed_batch_size", "chunk_max_tokens", "chunk_overlap_tokens",
                      "write_batch_size", "ocr_provider")
        },
    }
    out.write_text(json.dumps(result, indent=2, default=str))


def _measure_tesseract(ocr: Any, wrapper: Path, log: Path) -> None:
    """Run Tesseract under GNU time, which logs each run's own peak RSS (in KB).

    RUSAGE_CHILDREN cannot give it: a child starts with the high-water mark of the process it
    was forked from. GNU time is a small process, so what it reports is Tesseract's own peak.
    """
    gnu_time = Path("/usr/bin/time")
    binary = shutil.which(getattr(ocr, "binary", "") or "")
    if binary is None or not os.access(gnu_time, os.X_OK):
        return
    wrapper.write_text(f'#!/bin/sh\nexec {gnu_time} -a -o "{log}" -f %M "{binary}" "$@"\n')
    wrapper.chmod(0o755)
    ocr.binary = str(wrapper)


def _max_logged_kb(log: Path) -> float | None:
    try:
        values = [int(line) for line in log.read_text().split() if line.isdigit()]
    except OSError:
        return None
    return max(values) / 1024 if values else None


# -- orchestration (parent process) ----------------------------------------------------------


def _cpu_seconds(pid: int | None) -> float | None:
    """User + system CPU time of a running process, from /proc (Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return None


def _vm_hwm_mb(pid: int | None) -> float | None:
    """Peak resident set size of a running process, from /proc (Linux)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def run_once(corpus: Path, scratch: Path, label: str) -> dict[str, Any]:
    from postgraph.services.local_mongo import LocalMongo
    from postgraph.settings import Settings

    data_dir = Path(tempfile.mkdtemp(prefix=f"data-{label}-", dir=scratch))
    settings = Settings(data_dir=data_dir, mongodb_uri=None, qdrant_url=None, qdrant_path=None)
    server = LocalMongo(settings)
    load_before = os.getloadavg()
    t = time.perf_counter()
    status = server.up()
    server_start = time.perf_counter() - t
    out = scratch / f"result-{label}-{time.time_ns()}.json"
    try:
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--worker",
             "--corpus", str(corpus), "--data-dir", str(data_dir), "--out", str(out)],
            capture_output=True, text=True, check=False,
        )
        server_peak, server_cpu = _vm_hwm_mb(status.pid), _cpu_seconds(status.pid)
        if done.returncode != 0:
            raise SystemExit(f"{label} run failed:\n{done.stderr[-4000:]}")
    finally:
        server.down()
    result = json.loads(out.read_text())
    shutil.rmtree(data_dir, ignore_errors=True)
    result.update(
        config=label,
        server_start_seconds=server_start,
        server_peak_rss_mb=server_peak,
        server_cpu_seconds=server_cpu,
        loadavg_before=load_before[0],
        loadavg_after=os.getloadavg()[0],
        # The worker's peak RSS starts at least at this one's (see tesseract_peak_rss_mb).
        bench_process_peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
    return derive(result)


def derive(r: dict[str, Any]) -> dict[str, Any]:
    """Rates, shares and ratios from one run's raw measurements."""
    seconds, stages = r["seconds"], r["stage_seconds"]
    docs, chunks = r["documents"], r["chunks"]
    accounted = sum(stages.values()) + r["chunk_seconds"]
    r["docs_per_s"] = docs / seconds
    r["chunks_per_s"] = chunks / seconds
    r["chunks_per_doc"] = chunks / docs if docs else 0.0
    r["stage_share"] = {
        **{s: stages[s] / seconds for s in STAGES},
        "chunk": r["chunk_seconds"] / seconds,
        "other": max(seconds - accounted, 0.0) / seconds,
    }
    # What each stage alone could sustain, against what the whole pipeline delivers.
    r["parse_docs_per_s"] = docs / stages["parse"] if stages["parse"] else None
    r["embed_chunks_per_s"] = chunks / stages["embed"] if stages["embed"] else None
    r["index_chunks_per_s"] = chunks / stages["index"] if stages["index"] else None
    r["embed_vs_pipeline"] = r["embed_chunks_per_s"] / r["chunks_per_s"] if r["embed_chunks_per_s"] else None
    r["sparse_seconds"] = max(stages["embed"] - r["dense_seconds"], 0.0)
    r["ocr_share_of_parse"] = r["ocr_seconds"] / stages["parse"] if stages["parse"] else 0.0
    r["ocr_seconds_per_call"] = r["ocr_seconds"] / r["ocr_calls"] if r["ocr_calls"] else None
    # Does a document cost more to store once the store holds more? First vs last quarter.
    files = r.get("per_file") or []
    quarter = len(files) // 4
    if quarter:
        r["store_ms_per_doc_first_quarter"] = 1000 * statistics.mean(f["store"] for f in files[:quarter])
        r["store_ms_per_doc_last_quarter"] = 1000 * statistics.mean(f["store"] for f in files[-quarter:])
    return r


# -- summary ---------------------------------------------------------------------------------

ROWS: list[tuple[str, str, str]] = [
    # (label, key path, format)
    ("documents", "documents", "{:.0f}"),
    ("chunks", "chunks", "{:.0f}"),
    ("chunks / document", "chunks_per_doc", "{:.1f}"),
    ("seconds (ingest)", "seconds", "{:.2f}"),
    ("documents / s", "docs_per_s", "{:.2f}"),
    ("chunks / s", "chunks_per_s", "{:.1f}"),
    ("parse s", "stage_seconds.parse", "{:.2f}"),
    ("  of which OCR s", "ocr_seconds", "{:.2f}"),
    ("  OCR calls", "ocr_calls", "{:.0f}"),
    ("  s per OCR call", "ocr_seconds_per_call", "{:.2f}"),
    ("store s", "stage_seconds.store", "{:.2f}"),
    ("  ms/doc, first 25% of files", "store_ms_per_doc_first_quarter", "{:.0f}"),
    ("  ms/doc, last 25% of files", "store_ms_per_doc_last_quarter", "{:.0f}"),
    ("embed s", "stage_seconds.embed", "{:.2f}"),
    ("  of which dense s", "dense_seconds", "{:.2f}"),
    ("index s", "stage_seconds.index", "{:.2f}"),
    ("chunking s (no stage)", "chunk_seconds", "{:.3f}"),
    ("parse share", "stage_share.parse", "{:.1%}"),
    ("store share", "stage_share.store", "{:.1%}"),
    ("embed share", "stage_share.embed", "{:.1%}"),
    ("index share", "stage_share.index", "{:.1%}"),
    ("chunking share", "stage_share.chunk", "{:.1%}"),
    ("other share", "stage_share.other", "{:.1%}"),
    ("parse-only documents / s", "parse_docs_per_s", "{:.2f}"),
    ("embed-only chunks / s", "embed_chunks_per_s", "{:.1f}"),
    ("index-only chunks / s", "index_chunks_per_s", "{:.1f}"),
    ("embed-only / pipeline chunks/s", "embed_vs_pipeline", "{:.1f}x"),
    ("peak RSS ingest MB", "peak_rss_mb", "{:.0f}"),
    ("peak RSS tesseract MB", "tesseract_peak_rss_mb", "{:.0f}"),
    ("peak RSS server MB", "server_peak_rss_mb", "{:.0f}"),
    ("server CPU s", "server_cpu_seconds", "{:.2f}"),
    ("server start s", "server_start_seconds", "{:.2f}"),
    ("worker process s", "process_seconds", "{:.2f}"),
    ("worker CPU s", "cpu_seconds", "{:.2f}"),
    ("OCR processes CPU s", "children_cpu_seconds", "{:.2f}"),
    ("load average (1 min)", "loadavg_before", "{:.2f}"),
]


def medians(runs: list[dict[str, Any]]) -> dict[str, float | None]:
    return {path: median_of([dotted_get(r, path) for r in runs]) for _, path, _ in ROWS}


def table(summary: dict[str, dict[str, float | None]], labels: list[str]) -> str:
    def fmt(value: float | None, pattern: str) -> str:
        return "-" if value is None else pattern.format(value)

    width = max(len(label) for label, _, _ in ROWS) + 2
    lines = [f"{'median':<{width}}" + "".join(f"{c:>14}" for c in labels)]
    for label, path, pattern in ROWS:
        lines.append(f"{label:<{width}}" + "".join(f"{fmt(summary[c][path], pattern):>14}" for c in labels))
    return "\n".join(lines)


def machine() -> dict[str, Any]:
    tesseract = shutil.which("tesseract")
    version = None
    if tesseract:
        first = subprocess.run([tesseract, "--version"], capture_output=True, text=True, check=False)
        version = (first.stdout or first.stderr).splitlines()[0] if (first.stdout or first.stderr) else None
    return {**base_machine(), "tesseract": version}


def profile_parse(scratch: Path) -> None:
    """cProfile of parse_file over one copy of the corpus with the configured OCR engine."""
    import cProfile
    import pstats

    from postgraph.ingest.parsers import make_ocr_engine, parse_file
    from postgraph.settings import Settings

    files = build_corpus(scratch / "profile", 1, include_images=True)
    ocr = make_ocr_engine(Settings(data_dir=scratch / "profile-data"))
    profiler = cProfile.Profile()
    profiler.enable()
    for path in files:
        parse_file(path, max_bytes=50 * 2**20, ocr=ocr)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    pstats.Stats(profiler).sort_stats("tottime").print_stats(12)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=200, help="about this many files (whole corpus copies)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh runs per configuration")
    parser.add_argument("--quick", action="store_true", help="smoke run: 40 documents, 1 repeat")
    parser.add_argument("--only", choices=CONFIGS, help="measure one configuration only")
    parser.add_argument("--profile-parse", action="store_true", help="cProfile parse_file on one corpus copy and exit")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--data-dir", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        worker(args.corpus, args.data_dir, args.out)
        return
    if args.quick:
        args.documents, args.repeats = 40, 1
    if args.documents < 1 or args.repeats < 1:
        parser.error("--documents and --repeats must be at least 1")

    samples = [p for p in SAMPLES.iterdir() if p.is_file()]
    copies = max(1, round(args.documents / len(samples)))
    labels = [args.only] if args.only else list(CONFIGS)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="postgraph-bench-") as tmp:
        scratch = Path(tmp)
        if args.profile_parse:
            profile_parse(scratch)
            return
        corpora = {}
        for label in labels:
            files = build_corpus(scratch / label, copies, include_images=label == "full")
            verify_corpus(files)
            corpora[label] = scratch / label
            print(f"{label}: {len(files)} files ({copies} copies of the sample corpus)", flush=True)
        runs: dict[str, list[dict[str, Any]]] = {label: [] for label in labels}
        for repeat in range(1, args.repeats + 1):
            for label in labels:
                run = run_once(corpora[label], scratch, label)
                runs[label].append(run)
                shares = ", ".join(f"{s} {run['stage_share'][s]:.0%}" for s in STAGES)
                print(
                    f"run {repeat}/{args.repeats} {label:>9}: {run['documents']} docs, {run['chunks']} chunks "
                    f"in {run['seconds']:.1f} s = {run['docs_per_s']:.2f} docs/s, "
                    f"{run['chunks_per_s']:.1f} chunks/s ({shares}); failed {len(run['failed'])}",
                    flush=True,
                )
                for failure in run["failed"]:
                    print(f"    failed: {failure['path']}: {failure['error']}", flush=True)

    summary = {label: medians(runs[label]) for label in labels}
    ratios = {}
    if len(labels) == 2:
        full, lean = summary["full"], summary["no-images"]
        ratios = {
            "docs_per_s_no_images_over_full": lean["docs_per_s"] / full["docs_per_s"],
            "chunks_per_s_no_images_over_full": lean["chunks_per_s"] / full["chunks_per_s"],
            "ocr_share_of_full_run": full["ocr_seconds"] / full["seconds"],
        }
    print()
    print(table(summary, labels))
    for name, value in ratios.items():
        print(f"{name}: {value:.2f}")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    out = RESULTS / f"ingest-{stamp}.json"
    out.write_text(json.dumps({
        "date": dt.datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "arguments": {"documents": args.documents, "repeats": args.repeats, "quick": args.quick,
                      "copies": copies, "corpus_files": len(samples)},
        "medians": summary,
        "ratios": ratios,
        "runs": runs,
    }, indent=2, default=str))
    print(f"\nwrote {out.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
