"""`postgraph prompts | models | retrieval` as a user runs them: a subprocess on copies of
the registries (POSTGRAPH_*_REGISTRY_PATH), JSON out, errors as one line with exit status 2."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from postgraph.prompts import PromptRegistry
from postgraph.registry.models import ModelEntry, ModelRegistry
from postgraph.registry.retrieval import RetrievalRegistry, Strategy
from postgraph.settings import PROJECT_ROOT


@pytest.fixture
def cli(registry_paths, tmp_path, settings):
    """run(*args, env=...) -> CompletedProcess of `python -m postgraph ARGS`, on the test's
    database (promotions to production are gated and recorded there)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    base.update({f"POSTGRAPH_{k.upper()}": str(v) for k, v in registry_paths.items()})
    base["POSTGRAPH_DATA_DIR"] = str(tmp_path / "data")
    base["POSTGRAPH_MONGODB_URI"] = settings.mongodb_uri
    base["POSTGRAPH_MONGODB_DATABASE"] = settings.mongodb_database
    base["PYTHONPATH"] = str(PROJECT_ROOT)
    workdir = tmp_path / "cwd"
    workdir.mkdir()

    def run(*args: str, env: dict[str, str] | None = None, ok: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run([sys.executable, "-m", "postgraph", *args], check=False, cwd=workdir, env={**base, **(env or {})},
                                capture_output=True, text=True, timeout=300)
        if ok:
            assert result.returncode == 0, result.stderr
        return result

    return run


def test_prompts_commands(cli, registry_paths) -> None:
    registry = PromptRegistry(registry_paths["prompt_registry_path"])
    (registry.folder / "draft" / "2.txt").write_text(
        "version: 2\nchangelog: notes first\nvariables: notes, words\nparameters: {\"temperature\": 0.5}\n"
        "---\n{notes}\nAbout {words} words.\nPost:")
    listed = json.loads(cli("prompts", "list", "--json").stdout)
    draft = next(row for row in listed if row["name"] == "draft")
    assert draft["labels"] == {"production": "1"} and sorted(draft["versions"]) == ["1", "2"]

    shown = json.loads(cli("prompts", "show", "draft", "--version", "2", "--json").stdout)
    assert shown["identity"].startswith("draft@2#") and shown["parameters"] == {"temperature": 0.5}
    diff = cli("prompts", "diff", "draft", "1", "2").stdout
    assert "+About {words} words.\n" in diff and diff.endswith("\\ No newline at end of file\n")

    ungated = cli("prompts", "promote", "draft", "2", "--label", "production", ok=False)
    assert ungated.returncode == 2 and "[gate_required]" in ungated.stderr and "--candidate prompts:draft@2" in ungated.stderr
    assert registry.get("draft").version == "1"
    promoted = json.loads(cli("prompts", "promote", "draft", "2", "--label", "production", "--force", "--reason",
                              "registry drill", "--json").stdout)
    assert (promoted["previous"], promoted["current"]) == ("1", "2")
    assert promoted["gate"] == {"gate_result": None, "forced_reason": "registry drill"}
    assert registry.get("draft").version == "2"

    started = time.perf_counter()
    rolled = json.loads(cli("prompts", "rollback", "draft", "--json").stdout)
    wall = time.perf_counter() - started
    assert (rolled["previous"], rolled["current"]) == ("2", "1") and rolled["identity"].startswith("draft@1#")
    assert registry.get("draft").version == "1"
    print(f"\nCLI prompts rollback: {rolled['seconds'] * 1000:.1f} ms in the command, {wall:.2f} s wall")

    missing = cli("prompts", "promote", "draft", "7", "--label", "production", ok=False)
    assert missing.returncode == 2 and "[registry_error]" in missing.stderr and "no version '7'" in missing.stderr
    none_left = cli("prompts", "rollback", "draft", ok=False)
    assert none_left.returncode == 2 and "no earlier production version" in none_left.stderr
    bad_label = cli("prompts", "promote", "draft", "2", "--label", "prod", ok=False)
    assert bad_label.returncode == 2 and "Unknown label 'prod'" in bad_label.stderr


def test_models_commands(cli, registry_paths) -> None:
    registry = ModelRegistry(registry_paths["model_registry_path"])
    registry.register("drafter", ModelEntry(provider="ollama", location="postgraph-drafter:2",
                                            training_run="lora-2", dataset_version="posts@2"))
    registry.register("embedding", ModelEntry(provider="sentence-transformers", location="minilm-l6-v2"))
    rows = json.loads(cli("models", "list", "--json").stdout)
    assert {(r["role"], r["version"]) for r in rows} >= {("drafter", "1"), ("drafter", "2"), ("judge", "1")}

    promoted = json.loads(cli("models", "promote", "drafter", "2", "--label", "production", "--force", "--reason",
                              "registry drill", "--json").stdout)
    assert promoted["current"] == "2" and promoted["model"] == "ollama:postgraph-drafter:2"
    started = time.perf_counter()
    rolled = json.loads(cli("models", "rollback", "drafter", "--json").stdout)
    wall = time.perf_counter() - started
    assert (rolled["previous"], rolled["current"]) == ("2", "1") and rolled["model"] == "llamacpp:gemma3-270m"
    assert registry.resolve("drafter")[0] == "1"
    print(f"\nCLI models rollback: {rolled['seconds'] * 1000:.1f} ms in the command, {wall:.2f} s wall")

    unmeasured = cli("models", "promote", "embedding", "2", "--label", "production", ok=False)
    assert unmeasured.returncode == 2 and "cannot measure models:embedding@2" in unmeasured.stderr
    embedding = cli("models", "promote", "embedding", "2", "--label", "production", "--force", "--reason",
                    "index rebuilt and checked").stdout
    assert "postgraph index rebuild --embedding minilm-l6-v2" in " ".join(embedding.split())
    unknown = cli("models", "promote", "writer", "1", "--label", "production", ok=False)
    assert unknown.returncode == 2 and "Unknown role 'writer'" in unknown.stderr


def test_retrieval_commands_move_the_alias(cli, registry_paths, settings) -> None:
    """Two collections on disk; the strategy's collection takes the alias with it, and the
    embedding must match the collection's."""
    from postgraph.search.index import open_index
    from postgraph.stores.open import open_store

    env = {"POSTGRAPH_MONGODB_URI": settings.mongodb_uri, "POSTGRAPH_MONGODB_DATABASE": settings.mongodb_database,
           "POSTGRAPH_DATA_DIR": str(settings.data_dir)}
    with open_index(settings) as index:
        for name in ("chunks__minilm-l6-v2-int8-1", "chunks__minilm-l6-v2-1"):
            index.ensure_collection(name, 384)
        index.point_alias_at("chunks__minilm-l6-v2-int8-1")
    registry = RetrievalRegistry(registry_paths["retrieval_registry_path"])
    registry.register(Strategy(k=4, candidates=12, hybrid=True, mmr_lambda=0.7, relevance_floor=0.5,
                               collection="chunks__minilm-l6-v2-1", notes="full-precision embedding"))
    assert [r["version"] for r in json.loads(cli("retrieval", "list", "--json").stdout)] == ["1", "2"]

    forced = ("--force", "--reason", "registry drill")
    refused = cli("retrieval", "promote", "2", "--label", "production", *forced, env=env, ok=False)
    assert refused.returncode == 2 and "POSTGRAPH_EMBEDDING=minilm-l6-v2 " in " ".join(refused.stderr.split())
    assert registry.resolve()[0] == "1"  # nothing moved

    staging = json.loads(cli("retrieval", "promote", "2", "--label", "staging", "--json", env=env).stdout)
    assert staging["alias"].startswith("unchanged")  # runs use production: the alias stays

    promoted = json.loads(cli("retrieval", "promote", "2", "--label", "production", *forced, "--json",
                              env={**env, "POSTGRAPH_EMBEDDING": "minilm-l6-v2"}).stdout)
    assert promoted["alias"]["active"] == "chunks__minilm-l6-v2-1" and promoted["alias"]["moved"]
    status = json.loads(cli("index", "status", "--json", env=env).stdout)
    assert status["active"] == "chunks__minilm-l6-v2-1"

    started = time.perf_counter()
    rolled = json.loads(cli("retrieval", "rollback", "--json", env=env).stdout)
    wall = time.perf_counter() - started
    assert (rolled["previous"], rolled["current"]) == ("2", "1")
    assert rolled["alias"] == {"previous": "chunks__minilm-l6-v2-1", "active": "chunks__minilm-l6-v2-int8-1",
                               "moved": True, "backfilled_documents": 0}
    assert json.loads(cli("index", "status", "--json", env=env).stdout)["active"] == "chunks__minilm-l6-v2-int8-1"
    with open_store(settings) as store:
        reasons = [h["reason"] for h in store.alias_history_of("chunks")[:2]]
    assert reasons == ["rollback retrieval@1", "promote retrieval@2"]
    print(f"\nCLI retrieval rollback with the alias: {rolled['seconds'] * 1000:.1f} ms in the command, "
          f"{wall:.2f} s wall")
