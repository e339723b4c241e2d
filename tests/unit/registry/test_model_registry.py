"""The model registry: entries per role, weights hashes, labels."""

from __future__ import annotations

import json
import os

import pytest

from postgraph.errors import ModelUnavailable
from postgraph.llm.weights import file_sha256
from postgraph.registry.labels import RegistryError
from postgraph.registry.models import ROLES, ModelEntry, ModelRegistry, weights_sha256
from postgraph.settings import PROJECT_ROOT, Settings

GEMMA_SHA256 = "a5fd3b62230aa5ec60212297dc9d20eaa70578ac519e00d93a17e44c087a6818"


@pytest.fixture
def registry(registry_paths) -> ModelRegistry:
    return ModelRegistry(registry_paths["model_registry_path"])


@pytest.fixture
def gguf(tmp_path):
    path = tmp_path / "drafter-ft.gguf"
    path.write_bytes(b"GGUF" + b"\0" * 64)
    return path


def test_the_repository_registry_is_valid_and_covers_every_role() -> None:
    registry = ModelRegistry(Settings().model_registry_path)
    registry.check()
    assert registry.roles() == list(ROLES)
    version, drafter = registry.resolve("drafter")
    adapter = PROJECT_ROOT / "models" / "drafter" / "shared.gguf"  # the fine-tuned drafter, over the packaged base
    assert (version, drafter.model_id, drafter.prompt) == ("2", f"llamacpp:gemma3-270m+lora:{adapter}", "draft@2")
    assert drafter.sha256 == file_sha256(adapter) and drafter.training_run and drafter.dataset_version
    assert registry.entry("drafter", "1").sha256 == GEMMA_SHA256
    assert registry.resolve("judge")[1].model_id == ""  # no entailment model by default
    assert registry.resolve("embedding")[1].location == "minilm-l6-v2-int8"


def test_register_computes_the_sha256_of_local_weights(registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    entry = ModelEntry(provider="llamacpp", location=str(gguf), training_run="lora-7", dataset_version="posts@3")
    version = registry.register("drafter", entry, settings)
    assert version == "2"
    stored = registry.entry("drafter", "2")
    assert stored.sha256 == file_sha256(gguf) and stored.training_run == "lora-7"
    assert stored.model_id == f"llamacpp:{gguf}"
    assert registry.resolve("drafter")[0] == "1"  # registering moves no label


def test_promote_and_rollback_a_role(registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    registry.register("drafter", ModelEntry(provider="llamacpp", location=str(gguf)), settings)
    move = registry.promote("drafter", "2", "production", settings)
    assert (move.name, move.previous, move.current) == ("drafter", "1", "2")
    assert registry.resolve("drafter")[1].location == str(gguf)
    assert registry.rollback("drafter", "production", settings).current == "1"
    assert registry.resolve("drafter")[0] == "1"


def test_promote_refuses_weights_whose_hash_changed(registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    registry.register("drafter", ModelEntry(provider="llamacpp", location=str(gguf)), settings)
    gguf.write_bytes(b"GGUF" + b"\1" * 64)
    with pytest.raises(ModelUnavailable, match=r"drafter@2: the weights at .* have sha256 .* the registry expects"):
        registry.promote("drafter", "2", "production", settings)
    assert registry.resolve("drafter")[0] == "1"


def test_unknown_roles_versions_and_missing_history_are_clear_errors(registry, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(RegistryError, match="Unknown role 'writer'"):
        registry.promote("writer", "1", "production", settings)
    with pytest.raises(RegistryError, match=r"drafter has no version '3'; versions: 1\."):
        registry.promote("drafter", "3", "production", settings)
    with pytest.raises(RegistryError, match="drafter has no earlier production version"):
        registry.rollback("drafter", "production", settings)
    with pytest.raises(RegistryError, match="Role critic has no model version '9'"):
        registry.entry("critic", "9")


def test_invalid_entries_are_refused(registry) -> None:
    data = json.loads(registry.file.path.read_text())
    data["drafter"]["versions"]["2"] = {"provider": "llamacpp", "location": "x.gguf", "sha256": "nothex"}
    registry.file.path.write_text(json.dumps(data))
    with pytest.raises(RegistryError, match="drafter@2 is not a valid entry"):
        registry.entry("drafter", "2")


def test_relative_gguf_paths_are_from_the_repository_root() -> None:
    entry = ModelEntry(provider="llamacpp", location="finetune/out/drafter.gguf")
    assert entry.model_id == f"llamacpp:{PROJECT_ROOT / 'finetune' / 'out' / 'drafter.gguf'}"
    assert ModelEntry(provider="ollama", location="postgraph-drafter:2").model_id == "ollama:postgraph-drafter:2"


def test_weights_hash_is_cached_until_the_file_changes(gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    first = weights_sha256(f"llamacpp:{gguf}", settings)
    assert first == file_sha256(gguf)
    gguf.write_bytes(b"GGUF" + b"\2" * 80)
    os.utime(gguf, ns=(1, 1))
    assert weights_sha256(f"llamacpp:{gguf}", settings) != first
    assert weights_sha256("ollama:gemma3:270m", settings) is None
    assert weights_sha256("fake:drafter", settings) is None
    assert weights_sha256(f"llamacpp:{tmp_path / 'missing.gguf'}", settings) is None


def test_list_has_one_row_per_version_with_its_labels(registry) -> None:
    rows = registry.list()
    drafter = [r for r in rows if r["role"] == "drafter"]
    assert drafter == [{"role": "drafter", "version": "1", "labels": ["production"], "provider": "llamacpp",
                        "location": "gemma3-270m", "adapter": None, "sha256": GEMMA_SHA256, "training_run": None,
                        "dataset_version": None, "prompt": None, "notes": drafter[0]["notes"]}]


def test_a_claim_checker_judge_records_its_adapter_hash_and_is_refused_once_the_file_changes(
        registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    version = registry.register("judge", ModelEntry(provider="checker", location=str(gguf)), settings)
    stored = registry.entry("judge", version)
    assert stored.sha256 == file_sha256(gguf) and stored.model_id == f"checker:{gguf}"
    assert weights_sha256(stored.model_id, settings) == stored.sha256
    gguf.write_bytes(b"GGUF" + b"\2" * 64)
    with pytest.raises(ModelUnavailable, match=rf"judge@{version}: the weights"):
        registry.promote("judge", version, "production", settings)


@pytest.mark.parametrize(("role", "entry", "message"), [
    ("drafter", ModelEntry(provider="checker", location="a.gguf"), "drafter cannot use provider 'checker'"),
    ("planner", ModelEntry(provider="none"), "planner cannot use provider 'none'"),
    ("judge", ModelEntry(provider="checker"), "needs a location"),
])
def test_register_refuses_a_provider_the_role_cannot_use(registry, tmp_path, role, entry, message) -> None:
    with pytest.raises(RegistryError, match=message):
        registry.register(role, entry, Settings(data_dir=tmp_path))


# --- fine-tuned adapters and per-author versions --------------------------------------------


def test_an_adapter_entry_names_the_base_with_the_adapter_and_hashes_the_adapter(registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    entry = ModelEntry(provider="llamacpp", location="gemma3-270m", adapter=str(gguf), prompt="draft@2",
                       training_run="run-1", dataset_version="abc")
    version = registry.register("drafter", entry, settings)
    stored = registry.entry("drafter", version)
    assert stored.model_id == f"llamacpp:gemma3-270m+lora:{gguf}"
    assert stored.sha256 == file_sha256(gguf)  # the adapter tells one fine-tune from another
    assert weights_sha256(stored.model_id, settings) == file_sha256(gguf)
    assert stored.describe() == f"llamacpp:gemma3-270m+lora:{gguf}"


def test_a_changed_adapter_file_is_refused_at_promotion(registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    version = registry.register("drafter", ModelEntry(provider="llamacpp", location="gemma3-270m", adapter=str(gguf)),
                                settings)
    gguf.write_bytes(b"GGUF" + b"\1" * 64)
    with pytest.raises(ModelUnavailable, match="sha256"):
        registry.promote("drafter", version, "production", settings)


def test_only_llamacpp_models_take_an_adapter(registry, tmp_path) -> None:
    with pytest.raises(RegistryError, match="LoRA adapter needs provider llamacpp"):
        registry.register("drafter", ModelEntry(provider="ollama", location="gemma3:270m", adapter="x.gguf"))


def test_an_authors_label_wins_for_that_author_and_others_fall_back_to_the_shared_one(registry, gguf, tmp_path) -> None:
    settings = Settings(data_dir=tmp_path)
    version = registry.register("drafter", ModelEntry(provider="llamacpp", location="gemma3-270m", adapter=str(gguf)),
                                settings)
    registry.promote("drafter", version, "production:marisol-quenby", settings)
    assert registry.resolve("drafter", "production", "Marisol Quenby")[0] == version
    assert registry.resolve("drafter", "production", "Ravi Okonjo")[0] == "1"
    assert registry.resolve("drafter", "production")[0] == "1"
    # a label with no author version yet falls back to the plain label, then production
    assert registry.resolve("drafter", "candidate", "Marisol Quenby")[0] == "1"
    with pytest.raises(RegistryError, match="Unknown label"):
        registry.promote("drafter", version, "production:Not A Slug", settings)
