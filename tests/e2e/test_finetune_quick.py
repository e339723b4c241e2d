"""The drafter's quick fine-tuning path as CI runs it, end to end on the real base model: the
dataset is built, a few LoRA steps are trained and tracked in MLflow, the adapter is exported
to GGUF, loads over the packaged base in llama.cpp and writes, is registered as a candidate
drafter, and the release gate measures it against production. (A few steps teach the model
little: the gate is expected to run, be stored and decide, not to pass.)"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from support.registries import copy_registries

from postgraph.gate.candidates import Change, registry_versions
from postgraph.llm.weights import file_sha256
from postgraph.registry.models import ModelRegistry
from postgraph.settings import PROJECT_ROOT, Settings
from postgraph.stores.gate_results import GateResultStore
from postgraph.stores.open import open_store

POSTGRAPH = [sys.executable, "-m", "postgraph"]
REGISTRY_SETTINGS = ("prompt_registry_path", "model_registry_path", "retrieval_registry_path")
CASE = "drift-alert"  # a test-split case: promotion gates run the test split


@pytest.fixture(scope="module")
def env(tmp_path_factory, mongo_server) -> dict[str, str]:
    data = tmp_path_factory.mktemp("finetune")
    registries = copy_registries(data / "registries")
    golden = data / "cases.jsonl"
    golden.write_text("".join(line + "\n" for line in (PROJECT_ROOT / "evals/golden/cases.jsonl").read_text().splitlines()
                              if json.loads(line)["id"] == CASE))
    base = {k: v for k, v in os.environ.items() if not k.startswith("POSTGRAPH_")}
    return {**base, "POSTGRAPH_DATA_DIR": str(data), "POSTGRAPH_MONGODB_URI": mongo_server.uri,
            "POSTGRAPH_MONGODB_DATABASE": "finetune_quick", "POSTGRAPH_FINETUNE_WORK": str(data / "work"),
            "POSTGRAPH_FINETUNE_TRACKING": f"sqlite:///{data / 'mlflow.db'}", "POSTGRAPH_GOLDEN_SET_PATH": str(golden),
            **{f"POSTGRAPH_{k.upper()}": str(v) for k, v in registries.items()}}


def run(env, *args):
    return subprocess.run([*POSTGRAPH, *args], env=env, capture_output=True, text=True, timeout=1800)


@pytest.mark.timeout(1800)  # about 6 minutes on 2 free cores: training environment, 3 steps, export, gate
def test_quick_fine_tuning_trains_exports_loads_registers_and_meets_the_gate(env) -> None:
    registry = ModelRegistry(Path(env["POSTGRAPH_MODEL_REGISTRY_PATH"]))
    production = registry.resolve("drafter")[0]
    done = run(env, "finetune", "run", "--quick", "--registry", env["POSTGRAPH_MODEL_REGISTRY_PATH"])
    assert done.returncode == 0, done.stderr[-3000:]
    registered = json.loads(done.stdout.strip().splitlines()[-1])
    work = Path(env["POSTGRAPH_FINETUNE_WORK"])
    manifest = json.loads((work / "dataset" / "manifest.json").read_text())
    adapter = work / "quick" / "shared" / "adapter.gguf"

    # exported, checked in llama.cpp (it wrote a post from a held-out prompt), recorded
    assert adapter.is_file() and 1_000_000 < adapter.stat().st_size < 50_000_000
    assert registered["sha256"] == file_sha256(adapter) and registered["sample"]["post"].strip()
    assert registered["sample"]["tokens"] > 0 and registered["quick"] is True
    record = json.loads(adapter.with_suffix(".json").read_text())
    assert record["training_run"] == registered["training_run"]
    assert record["dataset_version"] == manifest["dataset_version"] and manifest["counts"]["train"] > 0

    # registered as the candidate drafter, with what produced it
    assert registered["label"] == "candidate"
    version, entry = registry.resolve("drafter", "candidate")
    assert version == registered["version"] and registry.resolve("drafter")[0] == production  # untouched
    assert (entry.adapter, entry.sha256, entry.prompt) == (str(adapter), file_sha256(adapter), "draft@2")
    assert (entry.training_run, entry.dataset_version) == (registered["training_run"], manifest["dataset_version"])

    # tracked: the run is listed with its dataset, steps and losses
    runs = run(env, "finetune", "runs", "--json")
    assert runs.returncode == 0, runs.stderr
    tracked = {r["run_id"]: r for r in json.loads(runs.stdout)}[registered["training_run"]]
    assert tracked["status"] == "FINISHED" and tracked["steps"] == "3" and tracked["quick"] == "True"
    assert tracked["dataset_version"] == manifest["dataset_version"]
    assert tracked["validation_loss_before"] > 0 and tracked["validation_loss_after"] > 0

    # gated: promotion runs the release gate (the candidate with the prompt it was trained on,
    # against production), stores it, and refuses a candidate that fails it
    promoted = run(env, "models", "promote", "drafter", version, "--label", "production", "--run-gate")
    print("\nquick adapter at the gate:", promoted.stdout.strip(), promoted.stderr.strip()[-500:])
    assert f"gate on the test split for drafter@{version}" in promoted.stdout
    settings = Settings(data_dir=Path(env["POSTGRAPH_DATA_DIR"]), mongodb_uri=env["POSTGRAPH_MONGODB_URI"],
                        mongodb_database=env["POSTGRAPH_MONGODB_DATABASE"],
                        **{k: Path(env[f"POSTGRAPH_{k.upper()}"]) for k in REGISTRY_SETTINGS})
    versions = registry_versions(settings, changes=[Change("models", "drafter", version)])
    assert versions["prompt.draft"].startswith("draft@2#") and versions["model.drafter"].startswith(f"drafter@{version}#")
    with open_store(settings) as store:
        result = GateResultStore.of(store).latest(versions)
    assert result is not None and result["selection"] == "test" and result["cases"] == [CASE]
    candidate = result["candidate_results"][0]
    assert candidate["case"] == CASE and candidate["status"] in {"done", "quoted", "abstained"}
    if result["passed"]:
        assert promoted.returncode == 0 and registry.resolve("drafter")[0] == version
    else:
        assert promoted.returncode == 2 and "gate_required" in promoted.stderr
        assert registry.resolve("drafter")[0] == production


@pytest.mark.timeout(1200)  # about 3 minutes on 2 free cores
def test_quick_per_author_fine_tuning_registers_an_adapter_that_only_that_authors_requests_use(env) -> None:
    done = run(env, "finetune", "run", "--quick", "--author", "Marisol Quenby",
               "--registry", env["POSTGRAPH_MODEL_REGISTRY_PATH"])
    assert done.returncode == 0, done.stderr[-3000:]
    registered = json.loads(done.stdout.strip().splitlines()[-1])
    adapter = Path(env["POSTGRAPH_FINETUNE_WORK"]) / "quick" / "marisol-quenby" / "adapter.gguf"
    assert registered["label"] == "candidate:marisol-quenby" and registered["author"] == "Marisol Quenby"
    assert registered["sha256"] == file_sha256(adapter) and registered["sample"]["post"].strip()
    runs = {r["run_id"]: r for r in json.loads(run(env, "finetune", "runs", "--json").stdout)}
    tracked = runs[registered["training_run"]]
    assert tracked["author"] == "Marisol Quenby" and tracked["train_examples"] == "6"
    registry = ModelRegistry(Path(env["POSTGRAPH_MODEL_REGISTRY_PATH"]))
    assert registry.resolve("drafter", "candidate", "Marisol Quenby")[0] == registered["version"]
    assert registry.resolve("drafter", "candidate", "Ravi Okonjo")[0] != registered["version"]


@pytest.mark.timeout(1800)  # about 5 minutes on 2 free cores: two model loads
def test_a_training_run_killed_after_a_checkpoint_resumes_in_the_same_tracked_run(env, tmp_path) -> None:
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"checkpoint_every": 1}))
    command = [*POSTGRAPH, "finetune", "run", "--quick", "--author", "Hana Brightwater", "--config", str(config),
               "--registry", env["POSTGRAPH_MODEL_REGISTRY_PATH"]]
    state = Path(env["POSTGRAPH_FINETUNE_WORK"]) / "quick" / "hana-brightwater" / "checkpoint" / "state.pt"
    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                             start_new_session=True)
    try:
        deadline = time.monotonic() + 900
        while not state.is_file() and first.poll() is None and time.monotonic() < deadline:
            time.sleep(1)
        assert state.is_file(), "no checkpoint was written"
    finally:
        os.killpg(first.pid, signal.SIGKILL)  # the crash: training, export and registration all stop
        first.wait()
    registry = ModelRegistry(Path(env["POSTGRAPH_MODEL_REGISTRY_PATH"]))
    before = registry.versions("drafter")

    done = run(env, "finetune", "run", "--quick", "--author", "Hana Brightwater", "--config", str(config), "--resume",
               "--registry", env["POSTGRAPH_MODEL_REGISTRY_PATH"])
    assert done.returncode == 0, done.stderr[-3000:]
    registered = json.loads(done.stdout.strip().splitlines()[-1])
    tracked = {r["run_id"]: r for r in json.loads(run(env, "finetune", "runs", "--json").stdout)}
    resumed = tracked[registered["training_run"]]
    assert resumed["status"] == "FINISHED" and resumed["steps"] == "3" and resumed["author"] == "Hana Brightwater"
    assert resumed["validation_loss_before"] > 0 and resumed["validation_loss_after"] > 0  # logged by the first process
    assert [v for v in registry.versions("drafter") if v not in before] == [registered["version"]]
