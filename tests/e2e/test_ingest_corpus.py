"""End to end through the `postgraph` command: the whole sample corpus into the real local
server and on-disk Qdrant, then what was stored and indexed, searched with filters."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pymongo import MongoClient

from postgraph.settings import PROJECT_ROOT

FACTS = json.loads((PROJECT_ROOT / "samples" / "facts.json").read_text())
POSTGRAPH = [sys.executable, "-m", "postgraph"]


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.fixture
def cli_env(settings) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    env.update(
        POSTGRAPH_DATA_DIR=str(settings.data_dir),
        POSTGRAPH_MONGODB_URI=settings.mongodb_uri,
        POSTGRAPH_MONGODB_DATABASE=settings.mongodb_database,
    )
    return env


def run(env: dict[str, str], *args: str, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([*POSTGRAPH, *args], env=env, capture_output=True, text=True, timeout=300)
    if check and result.returncode != 0:
        raise AssertionError(f"postgraph {' '.join(args)} exited {result.returncode}:\n{result.stderr}")
    return result


def test_whole_corpus(cli_env, settings, samples: Path) -> None:
    report = json.loads(run(cli_env, "ingest", str(samples), "--json").stdout)

    files = report["files"]
    assert len(files) == len(FACTS) == 17
    assert {f["status"] for f in files} == {"stored"}
    assert report["collection"] == "chunks__minilm-l6-v2-int8-1"

    documents = json.loads(run(cli_env, "docs", "list", "--json").stdout)
    assert len(documents) == 17 and {d["version"] for d in documents} == {1}
    assert {d["status"] for d in documents} == {"indexed"}
    by_file = {Path(d["source"]).name: d for d in documents}
    for expected in FACTS:
        document = by_file[expected["file"]]
        assert document["title"] == expected["title"]
        assert document["author"] == expected["author"]
        assert document["published"].startswith(expected["published"])
        assert document["format"] == expected["format"]

    db = MongoClient(settings.mongodb_uri)[settings.mongodb_database]
    kinds = {row["_id"]: row["n"] for row in db.blocks.aggregate([{"$group": {"_id": "$kind", "n": {"$sum": 1}}}])}
    assert kinds["image"] == 5  # three standalone PNGs and two figures inside the HTML issues
    assert kinds["table"] == 7
    assert kinds["text"] > 100
    chunk_count = db.chunks.count_documents({})
    status = json.loads(run(cli_env, "index", "status", "--json").stdout)
    assert status["active"] == "chunks__minilm-l6-v2-int8-1"
    assert status["collections"] == [{"collection": status["active"], "points": chunk_count, "active": True}]

    # Nothing the sources say is lost on the way to the index: every evidence line is in a chunk.
    for expected in FACTS:
        chunks = " ".join(
            squash(c["text"]) for c in db.chunks.find({"document_id": by_file[expected["file"]]["_id"]})
        )
        for fact in expected["facts"]:
            assert squash(fact["evidence"]) in chunks, (expected["file"], fact["evidence"])

    # A filtered search returns the expected document.
    hits = json.loads(run(cli_env, "search", "cost per GPU-hour by team", "--kind", "table",
                          "--author", "Ilse Varnholt", "-k", "3", "--json").stdout)
    assert hits and all(h["metadata"]["block_kind"] == "table" for h in hits)
    assert hits[0]["metadata"]["source"].endswith("gpu-cost-accounting.html")
    hits = json.loads(run(cli_env, "search", "rollback of a prompt version", "-k", "1", "--json").stdout)
    assert hits[0]["metadata"]["source"].endswith("prompt-versioning-rollback.md")

    again = json.loads(run(cli_env, "ingest", str(samples), "--json").stdout)
    assert {f["status"] for f in again["files"]} == {"unchanged"}
    assert json.loads(run(cli_env, "index", "status", "--json").stdout)["collections"][0]["points"] == chunk_count


def test_killed_ingest_is_finished_by_the_next_run(cli_env, settings, samples: Path) -> None:
    db = MongoClient(settings.mongodb_uri)[settings.mongodb_database]
    process = subprocess.Popen([*POSTGRAPH, "ingest", str(samples)], env=cli_env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while db.documents.count_documents({}) < 3 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.05)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert db.documents.count_documents({"status": "indexed"}) < 17

    report = json.loads(run(cli_env, "ingest", str(samples), "--json").stdout)

    assert {f["status"] for f in report["files"]} <= {"stored", "unchanged", "resumed"}
    assert db.documents.count_documents({"status": "indexed"}) == 17
    assert db.documents.count_documents({"status": {"$ne": "indexed"}}) == 0
    status = json.loads(run(cli_env, "index", "status", "--json").stdout)
    assert status["collections"][0]["points"] == db.chunks.count_documents({})


def test_store_down_and_bad_paths_from_the_cli(cli_env, tmp_path: Path) -> None:
    missing = run(cli_env, "ingest", str(tmp_path / "absent.md"), "--json", check=False)
    assert missing.returncode == 1
    assert json.loads(missing.stdout)["files"][0]["error_code"] == "not_found"

    cli_env["POSTGRAPH_MONGODB_URI"] = "mongodb://127.0.0.1:9/?directConnection=true"
    cli_env["POSTGRAPH_MONGODB_TIMEOUT_MS"] = "300"
    down = run(cli_env, "ingest", str(tmp_path), check=False)
    assert down.returncode == 2
    assert "store_unavailable" in down.stderr and "unreachable" in down.stderr
    assert "Traceback" not in down.stderr
    status = run(cli_env, "services", "status", check=False)
    assert status.returncode == 1 and "not running" in status.stdout
