"""Candidates: what `--candidate` accepts, the exact versions a label resolves to, and the
workspace registries the gate runs a candidate from (the user's registries never move)."""

from __future__ import annotations

import pytest

from postgraph.gate.candidates import (
    BadCandidate,
    Candidate,
    Change,
    Registries,
    candidate_settings,
    parse_candidate,
    registry_versions,
)
from postgraph.registry.models import ModelEntry, ModelRegistry
from postgraph.registry.retrieval import RetrievalRegistry, Strategy
from postgraph.settings import Settings


@pytest.fixture
def settings(registry_paths, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", **registry_paths)


def test_parse_candidate_reads_changes_and_labels() -> None:
    assert parse_candidate(["staging"]) == Candidate(label="staging")
    assert parse_candidate(["production"]).is_baseline
    both = parse_candidate(["prompts:draft@3", "retrieval@2", "models:drafter@2"])
    assert both.changes == (Change("prompts", "draft", "3"), Change("retrieval", "retrieval", "2"),
                            Change("models", "drafter", "2"))
    assert str(both) == "prompts:draft@3 + retrieval@2 + models:drafter@2" and not both.is_baseline
    for bad in (["draft@3"], ["prompts:draft"], ["prompt:draft@3"], ["retrieval:x@2"], ["staging", "retrieval@2"]):
        with pytest.raises(BadCandidate, match="Cannot read candidate"):
            parse_candidate(bad)
    with pytest.raises(BadCandidate, match="names one entry twice"):
        parse_candidate(["prompts:draft@2", "prompts:draft@3"])


def test_registry_versions_change_only_what_the_candidate_moves(settings, prompt_file) -> None:
    registries = Registries.of(settings)
    draft = registries.prompts.load("draft", "1")
    prompt_file(registries.prompts.folder, "draft", "2", draft.template + "\n")  # whitespace only
    production = registry_versions(settings)
    assert production["prompt.draft"] == draft.identity and production["retrieval"].startswith("retrieval@1#")
    assert production["model.drafter"].startswith("drafter@1#") and production["model.judge"] == "judge@1#-"

    moved = registry_versions(settings, changes=[Change("prompts", "draft", "2")])
    assert {k for k in production if production[k] != moved[k]} == {"prompt.draft"}
    assert moved["prompt.draft"].startswith("draft@2#") and moved["prompt.draft"] != production["prompt.draft"]

    strategy = Strategy(**{**RetrievalRegistry(settings.retrieval_registry_path).strategy("1").model_dump(),
                           "notes": "same settings, other words"})
    RetrievalRegistry(settings.retrieval_registry_path).register(strategy)
    same = registry_versions(settings, changes=[Change("retrieval", "retrieval", "2")])
    assert same["retrieval"].split("#")[1] == production["retrieval"].split("#")[1]  # notes are not a version


def test_a_fine_tuned_drafter_candidate_moves_the_draft_prompt_it_was_trained_on(settings, tmp_path) -> None:
    registries = Registries.of(settings)
    adapter = tmp_path / "drafter.gguf"
    adapter.write_bytes(b"GGUF" + b"\0" * 64)
    version = ModelRegistry(settings.model_registry_path).register(
        "drafter", ModelEntry(provider="llamacpp", location="gemma3-270m", adapter=str(adapter), prompt="draft@2"),
        settings)
    production = registry_versions(settings)
    moved = registry_versions(settings, changes=[Change("models", "drafter", version)])
    assert {k for k in production if production[k] != moved[k]} == {"prompt.draft", "model.drafter"}
    assert moved["prompt.draft"] == registries.prompts.load("draft", "2").identity


def test_candidate_settings_resolve_the_candidate_in_a_workspace(settings, prompt_file, tmp_path) -> None:
    registries = Registries.of(settings)
    prompt_file(registries.prompts.folder, "draft", "2", "{notes}\nAbout {words} words.\nPost:")
    ModelRegistry(settings.model_registry_path).register(
        "drafter", ModelEntry(provider="ollama", location="postgraph-drafter:2"))
    before = {path: path.read_bytes() for path in (settings.prompt_registry_path, settings.model_registry_path,
                                                   settings.retrieval_registry_path)}
    candidate = parse_candidate(["prompts:draft@2", "models:drafter@2"])
    run = candidate_settings(settings, candidate, tmp_path / "workspace")

    assert (run.prompt_label, run.model_label, run.retrieval_label) == ("candidate",) * 3
    assert registry_versions(run, "candidate") == registry_versions(settings, changes=candidate.changes)
    assert Registries.of(run).prompts.get("plan", "candidate").identity == registries.prompts.get("plan").identity
    assert {path: path.read_bytes() for path in before} == before  # the user's registries did not move

    again = candidate_settings(settings, parse_candidate(["prompts:draft@1"]), tmp_path / "workspace")
    assert Registries.of(again).prompts.get("draft", "candidate").version == "1"  # a fresh workspace each time


def test_candidate_settings_refuse_what_cannot_run(settings, tmp_path) -> None:
    with pytest.raises(BadCandidate, match="Candidate prompts:draft@9: Prompt draft has no version '9'"):
        candidate_settings(settings, parse_candidate(["prompts:draft@9"]), tmp_path / "w")
    with pytest.raises(BadCandidate, match="not 'embedding'"):
        candidate_settings(settings, parse_candidate(["models:embedding@1"]), tmp_path / "w")
    with pytest.raises(BadCandidate, match="no model version '4'"):
        candidate_settings(settings, parse_candidate(["models:drafter@4"]), tmp_path / "w")
    with pytest.raises(BadCandidate, match="no retrieval strategy '2'"):
        candidate_settings(settings, parse_candidate(["retrieval@2"]), tmp_path / "w")
    assert not (tmp_path / "w").exists()
