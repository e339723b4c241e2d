"""Promotion to production goes through the gate: against a real MongoDB, a promotion is refused
without a passing result for exactly the versions it would put in production, allowed with one,
and forced only with a reason; each allowed move is recorded."""

from __future__ import annotations

import pytest

from postgraph.errors import StoreUnavailable
from postgraph.gate.candidates import Change, Registries, registry_versions
from postgraph.gate.promotion import GateRequired, gated_promotion
from postgraph.quality.cases import golden_set_sha256, load_cases
from postgraph.quality.gate import Thresholds
from postgraph.stores.gate_results import GateResultStore
from postgraph.stores.open import open_store

DRAFT_2 = Change("prompts", "draft", "2")


@pytest.fixture
def settings(settings, registry_paths, prompt_file):
    settings = settings.model_copy(update=registry_paths)
    folder = Registries.of(settings).prompts.folder
    prompt_file(folder, "draft", "2", Registries.of(settings).prompts.load("draft", "1").template + "\n")
    return settings


def store_result(settings, versions, *, passed=True, selection="test", problems=()) -> str:
    cases = load_cases(None, settings.golden_set_path)
    result = {"date": "2026-12-03T00:00:00+00:00", "passed": passed, "problems": list(problems),
              "candidate": str(DRAFT_2), "selection": selection, "cases": [c.id for c in cases],
              "golden_set_sha256": golden_set_sha256(cases, settings.golden_set_path),
              "thresholds_sha256": Thresholds.load(settings.gate_thresholds_path).sha256, "versions": versions}
    with open_store(settings) as store:
        return GateResultStore.of(store).save(result)


def promote(settings, **options):
    registry = Registries.of(settings).prompts
    return gated_promotion(settings, DRAFT_2, "production", lambda: registry.promote("draft", "2", "production"),
                           **options)


def production_draft(settings) -> str:
    return Registries.of(settings).prompts.version_for("draft")


def test_promotion_needs_a_passing_result_for_its_exact_versions(settings) -> None:
    with pytest.raises(GateRequired, match="No gate result for prompts:draft@2") as refused:
        promote(settings)
    assert "postgraph eval run --split test --candidate prompts:draft@2" in refused.value.message
    assert production_draft(settings) == "1"

    after = registry_versions(settings, changes=[DRAFT_2])
    store_result(settings, after, passed=False, problems=["originality: worse than the baseline by 0.210"])
    with pytest.raises(GateRequired, match="it failed: originality: worse than the baseline by 0.210"):
        promote(settings)
    store_result(settings, after, selection="dev")
    with pytest.raises(GateRequired, match="it ran dev cases, not a whole test or all split"):
        promote(settings)
    store_result(settings, registry_versions(settings))  # production's own result does not clear draft@2
    with pytest.raises(GateRequired, match="does not allow|No gate result"):
        promote(settings)
    assert production_draft(settings) == "1"

    passing = store_result(settings, after)
    move, allowed = promote(settings)
    assert (move.previous, move.current) == ("1", "2") and production_draft(settings) == "2"
    assert allowed.gate_result == passing and allowed.forced_reason is None
    with open_store(settings) as store:
        log = GateResultStore.of(store).promotion_log()
    assert [(p["change"], p["gate_result"], p["forced_reason"]) for p in log] == [("prompts:draft@2", passing, None)]
    assert log[0]["versions"] == after


def test_a_result_goes_stale_when_the_golden_set_or_thresholds_change(settings, tmp_path) -> None:
    store_result(settings, registry_versions(settings, changes=[DRAFT_2]))
    thresholds = tmp_path / "thresholds.json"
    data = Thresholds.load(settings.gate_thresholds_path).model_copy(update={"version": 99})
    thresholds.write_text(data.model_dump_json(), encoding="utf-8")
    with pytest.raises(GateRequired, match="the thresholds changed since"):
        promote(settings.model_copy(update={"gate_thresholds_path": thresholds}))
    assert production_draft(settings) == "1"


def test_forcing_needs_a_reason_and_is_recorded(settings) -> None:
    with pytest.raises(GateRequired, match="--force needs --reason"):
        promote(settings, force=True, reason="  ")
    move, allowed = promote(settings, force=True, reason="hotfix: the old prompt leaks the notes header")
    assert move.current == "2" and allowed.forced_reason.startswith("hotfix")
    with open_store(settings) as store:
        (entry,) = GateResultStore.of(store).promotion_log()
    assert entry["forced_reason"].startswith("hotfix") and entry["gate_result"] is None


def test_other_labels_are_not_gated(settings) -> None:
    registry = Registries.of(settings).prompts
    move, allowed = gated_promotion(settings, DRAFT_2, "staging", lambda: registry.promote("draft", "2", "staging"))
    assert move.current == "2" and allowed is None and production_draft(settings) == "1"


def test_a_store_that_is_down_refuses_the_promotion_and_moves_nothing(settings) -> None:
    down = settings.model_copy(update={"mongodb_uri": "mongodb://127.0.0.1:9/?directConnection=true",
                                       "mongodb_timeout_ms": 300})
    with pytest.raises(StoreUnavailable):
        promote(down, force=True, reason="even forced, the move must be recorded")
    assert production_draft(settings) == "1"


def test_an_authors_production_label_is_gated_like_production(settings) -> None:
    from postgraph.registry.models import ModelEntry

    models = Registries.of(settings).models
    version = models.register("drafter", ModelEntry(provider="ollama", location="drafter-ravi:1"))
    change = Change("models", "drafter", version)
    with pytest.raises(GateRequired, match=f"No gate result for models:drafter@{version}"):
        gated_promotion(settings, change, "production:ravi-okonjo",
                        lambda: models.promote("drafter", version, "production:ravi-okonjo", settings))
    assert models.resolve("drafter", "production", "Ravi Okonjo")[0] == "1"
    moved, allowed = gated_promotion(settings, change, "candidate:ravi-okonjo",
                                     lambda: models.promote("drafter", version, "candidate:ravi-okonjo", settings))
    assert allowed is None and moved.current == version  # candidates wait for the gate freely
