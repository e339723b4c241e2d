"""The trained claim checker for real: the committed LoRA adapter over the packaged Gemma 3
270M in llama.cpp, on a passage from a `test` document it was never trained on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from evals import claimset
from postgraph.factcheck.judge import needs_judge
from postgraph.graph.judging import checker_ask
from postgraph.llm.checker import ClaimChecker, load_claim_checker
from postgraph.llm.weights import file_sha256
from postgraph.registry.models import ModelRegistry
from postgraph.search.embeddings import OnnxMiniLMEmbeddings
from postgraph.settings import PROJECT_ROOT, Settings

ADAPTER = PROJECT_ROOT / "models" / "claim-checker" / "adapter.gguf"
CHECKER_ID = f"checker:{ADAPTER}"
# From samples/corpus/data-drift-monitoring.md, a test-split document.
PASSAGE = ("The drift job flagged it the same morning. PSI for units_ordered reached 0.47, well past the paging "
           "threshold, and the on-call engineer traced it to the supplier feed within 2 hours.")
# (what the passage states, the same claim changed the way a careless writer changes it)
RANKED = [
    ("PSI for units_ordered reached 0.47, well past the paging threshold.",
     "PSI for units_ordered reached 0.74, well past the paging threshold."),
    ("PSI for units_ordered reached 0.47, well past the paging threshold.",
     "PSI for units_ordered reached 0.47, well below the paging threshold."),
    ("The on-call engineer traced it to the supplier feed within 2 hours.",
     "The on-call engineer traced it to the supplier feed within 9 hours."),
    ("The on-call engineer traced it to the supplier feed within 2 hours.",
     "The on-call engineer did not trace the alert to the supplier feed."),
]


@pytest.fixture(scope="module")
def checker(model_settings: Settings, gguf_path: Path):
    loaded = load_claim_checker(CHECKER_ID, model_settings)
    yield loaded
    loaded.close()


def test_the_committed_adapter_is_the_one_the_registry_names():
    registry = ModelRegistry(Settings().model_registry_path)
    entries = [row for row in registry.list() if row["role"] == "judge" and row["provider"] == "checker"]
    assert entries, "the registry names no trained claim checker"
    assert entries[-1]["location"] == "models/claim-checker/adapter.gguf"
    assert entries[-1]["sha256"] == file_sha256(ADAPTER)
    assert entries[-1]["dataset_version"] and entries[-1]["training_run"]


def test_what_the_passage_states_scores_above_a_changed_number_direction_or_negation(checker: ClaimChecker):
    for stated, changed in RANKED:
        yes, tokens = checker.probability(PASSAGE, stated)
        assert 20 < tokens < 200
        assert yes > checker.probability(PASSAGE, changed)[0], (stated, changed)


def test_the_threshold_is_the_one_calibrated_with_the_adapter(checker: ClaimChecker):
    record = json.loads(ADAPTER.with_suffix(".json").read_text(encoding="utf-8"))
    assert checker.threshold == record["threshold"] == record["training"]["after"]["threshold"]
    assert record["adapter"]["sha256"] == file_sha256(ADAPTER)
    assert record["training"]["after"]["balanced_accuracy"] > record["training"]["before"]["balanced_accuracy"]


def test_the_answer_is_deterministic(checker: ClaimChecker):
    stated = RANKED[0][0]
    assert checker.probability(PASSAGE, stated) == checker.probability(PASSAGE, stated)


def test_claims_only_similarity_backs_are_decided_by_the_checker(checker: ClaimChecker):
    claims = claimset.load("dev")
    embed = claimset.cached(OnnxMiniLMEmbeddings().embed_documents)
    plain = claimset.predict(claims, embed)
    routed = [claim for claim, prediction in zip(claims, plain, strict=True)
              if any(needs_judge(check) for check in prediction.checks)]
    assert len(routed) >= 5
    judged = claimset.predict(routed, embed, checker_ask(checker), judge=CHECKER_ID)
    assert all(prediction.judged for prediction in judged)
    decided = [check for prediction in judged for check in prediction.checks if check.decided_by == CHECKER_ID]
    assert decided and {check.verdict for check in decided} <= {"supported", "unsupported"}
    assert not any(prediction.verdict == "unchecked" for prediction in judged)
