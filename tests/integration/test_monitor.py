"""`postgraph monitor` end to end: two weeks of run records written through the real run store on
the session's local MongoDB-compatible server, two sample newsletters ingested into a real
on-disk Qdrant index with the real embedder, and the command run through typer's CliRunner.

The older week is healthy: posts in the writers' own words with hashtags, every claim
supported, requests about the newsletters. The last days go wrong: no hashtags, unsupported
claims, requests about things the corpus never covers, weak evidence scores."""

from __future__ import annotations

import datetime as dt
import json
import os
import uuid

import pytest
import typer
from support.html_pages import read_page
from typer.testing import CliRunner

from postgraph.cli.monitor import monitor
from postgraph.ingest.pipeline import open_ingestor
from postgraph.monitor.html import report_charts
from postgraph.monitor.sample import bucket_of
from postgraph.observability.logging import log_file, remove_logging
from postgraph.settings import Settings
from postgraph.stores.runs import RunStore

GOOD = [
    ("a post about how our nightly retrieval eval caught a chunking regression, 50 words",
     "Bigger chunks looked like a harmless cleanup.\n\n"
     "Our nightly retrieval eval disagreed: recall@10 went from 0.87 to 0.71, and the gate held the release "
     "before a single dispatcher noticed.\n\n"
     "We reverted within hours and now track recall per query slice.\n\n#MLOps #Retrieval"),
    ("a post about watching input drift instead of forecast error, 50 words",
     "Forecast error tells you about Tuesday on Wednesday.\n\n"
     "Input drift tells you on Tuesday morning. When a supplier switched from cases to single items, the PSI "
     "of units_ordered hit 0.47 and paged the on-call engineer.\n\n"
     "Watch the inputs, and keep alerts rare.\n\n#DataDrift #MLOps"),
    ("a post about drift thresholds for seasonal features, 50 words",
     "One drift threshold for every feature sounds tidy.\n\n"
     "It pages someone every spring. Seasonal inputs such as temperature and holiday flags should be compared "
     "with the same weeks of last year, not the last 28 days.\n\n"
     "Fewer false pages means people still read the real ones.\n\n#DataDrift"),
]
BAD = [
    ("a post about keeping a sourdough starter alive on holiday",
     "Your sourdough starter can survive two weeks in the fridge.\n\n"
     "Feed it the night before you leave and it will forgive you. Ours doubled in four hours after the break."),
    ("a post about choosing running shoes for a first marathon",
     "Most first marathons are lost in the shoe shop.\n\n"
     "Buy half a size up because feet swell after mile 18. Ninety percent of runners we asked agreed."),
    ("a post about repotting houseplants in spring",
     "Spring is when roots finally ask for more room.\n\n"
     "Move up one pot size only. A bigger pot holds water the roots cannot reach, which rots them within weeks."),
]
RUNS_PER_WEEK = 6


@pytest.fixture
def indexed(settings: Settings, samples) -> list[str]:
    """Two newsletters in the test's own store and on-disk index; returns their chunk ids."""
    with open_ingestor(settings) as ingestor:
        report = ingestor.ingest([samples / "retrieval-eval-regression.md", samples / "data-drift-monitoring.md"])
        return [c["_id"] for c in ingestor.store.chunks_of([f.document_id for f in report.files])]


def record_run(runs: RunStore, started: dt.datetime, request: str, post: str, checks: list[dict],
               evidence: list[dict]) -> None:
    run_id = uuid.uuid4().hex
    runs.start(run_id, f"thread-{run_id[:8]}", request, {"max_revisions": 2}, started_at=started)
    runs.finish(run_id, {"status": "done", "post": post, "claim_checks": checks, "evidence": evidence,
                         "verdicts": {c["verdict"]: 1 for c in checks}, "citations": len(checks)})


def record_week(runs: RunStore, chunk_ids: list[str], start: dt.datetime, *, healthy: bool) -> str:
    """Six runs from `start` on, an hour apart; returns their bucket's label."""
    for n in range(RUNS_PER_WEEK):
        request, post = (GOOD if healthy else BAD)[n % len(GOOD)]
        claim = post.split("\n\n")[1]
        chunk = chunk_ids[n % len(chunk_ids)]
        if healthy:
            record_run(runs, start + dt.timedelta(hours=n), request, post,
                       [{"claim": claim, "verdict": "supported", "chunk_id": chunk}],
                       [{"chunk_id": chunk, "score": 0.71}, {"chunk_id": chunk_ids[0], "score": 0.64}])
        else:
            record_run(runs, start + dt.timedelta(hours=n), request, post,
                       [{"claim": claim, "verdict": "unsupported", "chunk_id": None}],
                       [{"chunk_id": chunk, "score": 0.22}])
    return bucket_of(start, "week").label


@pytest.fixture
def environment(settings: Settings, monkeypatch):
    """The command reads its settings from the environment: the test's database, data dir and
    log file, nothing from the machine running the tests."""
    for name in list(os.environ):
        if name.startswith("POSTGRAPH_"):
            monkeypatch.delenv(name)
    for name, value in {"DATA_DIR": settings.data_dir, "MONGODB_URI": settings.mongodb_uri,
                        "MONGODB_DATABASE": settings.mongodb_database, "LOG_TO": "file", "LOG_FORMAT": "json",
                        # Six runs a week stand for a real week's traffic; the retrieval threshold is off by default.
                        "MONITOR_MIN_BUCKET_RUNS": str(RUNS_PER_WEEK), "MONITOR_MIN_RETRIEVAL_SCORE": "0.5"}.items():
        monkeypatch.setenv(f"POSTGRAPH_{name}", str(value))
    yield settings
    remove_logging()


def invoke(*args: str):
    app = typer.Typer()
    app.command()(monitor)
    return CliRunner().invoke(app, list(args))


def test_the_bad_week_raises_alerts_in_the_report_the_logs_and_the_exit_code(environment, run_store, indexed, tmp_path):
    now = dt.datetime.now(dt.UTC)
    # Nine days apart at least: always two ISO weeks.
    healthy = record_week(run_store, indexed, now - dt.timedelta(days=10), healthy=True)
    bad = record_week(run_store, indexed, now - dt.timedelta(hours=20), healthy=False)
    out = tmp_path / "reports"
    result = invoke("--days", "21", "--out", str(out), "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert [b["bucket"] for b in report["buckets"]] == [healthy, bad]
    assert report["runs_in_window"] == report["sampled"] == 2 * RUNS_PER_WEEK

    alerts = {(a["bucket"], a["metric"]): a for a in report["alerts"]}
    assert {bucket for bucket, _ in alerts} == {bad}, report["alerts"]
    assert set(metric for _, metric in alerts) == {"format_rate", "grounding_rate", "corpus_similarity",
                                                   "centroid_shift", "retrieval_score_mean"}
    assert alerts[(bad, "format_rate")]["value"] == 0.0 and alerts[(bad, "grounding_rate")]["value"] == 0.0
    first, second = report["buckets"]
    assert first["values"]["format_rate"] == 1.0 and first["values"]["grounding_rate"] == 1.0
    assert first["values"]["length_rate"] == 1.0 and second["counts"]["length_rate"] == 0
    assert first["values"]["corpus_similarity"] > 0.3 > second["values"]["corpus_similarity"]

    logged = [json.loads(line) for line in log_file(environment).read_text().splitlines()]
    alert_lines = [line for line in logged if line["message"] == "alert"]
    assert {(line["bucket"], line["metric"]) for line in alert_lines} == set(alerts)
    assert all(line["level"] == "WARNING" and line["threshold"] == alerts[(line["bucket"], line["metric"])]["threshold"]
               for line in alert_lines)

    html = read_page((out / report["html"].rsplit("/", 1)[-1]).read_text())
    names = [figure.attrs["data-name"] for figure in html.all("figure", "chart")]
    assert names == [chart.name for chart in report_charts(report)] and len(names) == len(report["metrics"]) + 3
    assert json.loads((out / report["report"].rsplit("/", 1)[-1]).read_text())["alerts"] == report["alerts"]


def test_healthy_weeks_exit_zero(environment, run_store, indexed, tmp_path):
    now = dt.datetime.now(dt.UTC)
    record_week(run_store, indexed, now - dt.timedelta(days=10), healthy=True)
    record_week(run_store, indexed, now - dt.timedelta(hours=20), healthy=True)
    result = invoke("--days", "21", "--out", str(tmp_path / "reports"))
    assert result.exit_code == 0, result.output
    assert "alert" not in result.stderr and "report: " in result.stdout
    assert sorted(path.suffix for path in (tmp_path / "reports").iterdir()) == [".html", ".json"]
    assert not log_file(environment).exists() or '"alert"' not in log_file(environment).read_text()


def test_no_runs_in_the_window_is_nothing_to_score(environment, tmp_path):
    result = invoke("--days", "7", "--out", str(tmp_path / "reports"))
    assert result.exit_code == 0, result.output
    assert "Nothing to score" in result.stdout and not (tmp_path / "reports").exists()


def test_a_store_that_is_down_is_one_error_line(environment, monkeypatch, tmp_path):
    monkeypatch.setenv("POSTGRAPH_MONGODB_URI", "mongodb://127.0.0.1:9/?directConnection=true")
    monkeypatch.setenv("POSTGRAPH_MONGODB_TIMEOUT_MS", "300")
    result = invoke("--out", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.startswith("error [store_unavailable]: The document store is unreachable")
    assert "Traceback" not in result.output
