"""The holes found in the claim checker, each closed (on the sample newsletter the issue used,
retrieval-eval-regression.md, read as ingestion reads it; no embedding model: term overlap)."""

from __future__ import annotations

import pytest

from evals.claimset import document_evidence
from postgraph.factcheck.binding import hedge, key
from postgraph.factcheck.citations import check_post, passes
from postgraph.factcheck.claims import claim_parts, split_claims
from postgraph.factcheck.facts import facts_in


@pytest.fixture(scope="module")
def evidence():
    return list(document_evidence("retrieval-eval-regression.md"))


def verdict(text: str, evidence) -> str:
    (check,) = check_post(text, evidence, None).claims
    return check.verdict


@pytest.mark.parametrize("claim", [
    "MRR fell from 0.87 to 0.71.",  # 0.87 -> 0.71 is recall@10; MRR moved 0.64 -> 0.52
    "Recall@10 improved from 0.87 to 0.71.",  # improved is up; 0.87 -> 0.71 is a fall
    "Recall@10 rose from 0.87 to 0.71.",
    "After the revert, recall@10 recovered to 0.71.",  # it went back to 0.88
    "Did you know recall@10 fell from 0.87 to 0.42 overnight?",  # a question that states a fact
])
def test_numbers_bound_to_another_quantity_direction_or_time_are_contradicted(claim, evidence) -> None:
    assert verdict(claim, evidence) == "contradicted"


@pytest.mark.parametrize("claim", [
    "Recall@10 fell from 0.87 to 0.71, so the release shipped anyway.",  # the gate blocked it
    "Our splitter's chunk size went from 512 to 2,048 tokens.",
])
def test_a_false_part_or_number_is_never_supported(claim, evidence) -> None:
    assert verdict(claim, evidence) != "supported"


@pytest.mark.parametrize("claim", [
    "Recall@10 fell from 0.87 to 0.71.",
    "The golden set holds roughly 1,200 queries.",  # 1,240 within 5%, hedged
    "Recall@10 dropped by about 18%.",  # derived from 0.87 -> 0.71
    "Mean reciprocal rank lost 12 points.",  # 0.64 -> 0.52 in points
    "Our golden set of 1,240 queries caught recall@10 falling from 0.87 to 0.71.",  # two sections
    "After the revert, recall@10 went back to 0.88.",  # a table cell with its row and column
    "The gate fails the build if recall@10 drops by more than 3 points.",
])
def test_true_claims_hold_with_rounding_derivation_and_passages_joined(claim, evidence) -> None:
    assert verdict(claim, evidence) == "supported"


def test_every_sentence_is_a_claim_unless_it_states_no_fact() -> None:
    kinds = [(s.kind, s.claim) for s in split_claims(
        "Evals are underrated.\nNobody reviewed the change.\nThe eval runs every week.\n"
        "Did you know recall@10 fell to 0.42?\nWhat would you measure first?\n"
        "Measure your retrieval before you tune it.\n#MLOps #Evals"
    )]
    assert kinds == [
        ("opinion", ""),
        ("claim", "Nobody reviewed the change."),
        ("claim", "The eval runs every week."),
        ("claim", "Recall@10 fell to 0.42"),
        ("question", ""),
        ("call_to_action", ""),
        ("hashtags", ""),
    ]


def test_a_post_that_states_facts_is_checked_and_reports_what_it_did_not_check(evidence) -> None:
    result = check_post("Retrieval changes fail quietly.\n\nNobody reviewed the change.\n\n#Evals", evidence, None)
    assert [c.claim for c in result.claims] == ["Nobody reviewed the change."]
    assert [(n.kind, n.sentence) for n in result.not_claims] == [
        ("opinion", "Retrieval changes fail quietly."), ("hashtags", "#Evals")]
    assert check_post("", evidence, None).claims == []


def test_passes_needs_every_claim_supported_and_unchecked_is_not_supported(evidence) -> None:
    checks = check_post("Recall@10 fell from 0.87 to 0.71.", evidence, None).claims
    assert passes(checks)
    unchecked = checks[0].model_copy(update={"verdict": "unchecked"})
    assert not passes([*checks, unchecked])


def test_claim_parts_split_causes_and_consequences() -> None:
    assert claim_parts("Recall fell to 0.71, so the release was blocked.") == [
        "Recall fell to 0.71", "The release was blocked"]
    assert claim_parts("Recall fell to 0.71, so we celebrated with cake you would love.") == ["Recall fell to 0.71"]
    assert claim_parts("Recall fell to 0.71.") == ["Recall fell to 0.71."]


def test_hedges_and_word_keys() -> None:
    text = "about 1,200 and under 10 ms and over 1,200 and 1,240"
    numbers = facts_in(text).numbers
    assert [hedge(text, n) for n in numbers] == ["near", "below", "above", None]
    assert key("testing") == key("test") and key("agreed") == key("agreement") and key("model") != key("mode")


def test_names_alone_do_not_make_a_lesson_question_or_instruction_a_claim() -> None:
    kinds = {s.text: s.kind for s in split_claims(
        "Who owns the idle GPUs on your cluster?\nTrack p95, not averages.\n"
        "Input drift monitoring is the cheapest insurance an ML team can buy.\n"
        "Before you rent another GPU, benchmark your model on CPUs.\n"
        "Reranking takes roughly half a second at p95.\nStale-data alerts still page right away.\n"
        "Larkspur Freight runs the eval every night."
    )}
    assert kinds == {
        "Who owns the idle GPUs on your cluster?": "question",
        "Track p95, not averages.": "call_to_action",
        "Input drift monitoring is the cheapest insurance an ML team can buy.": "opinion",
        "Before you rent another GPU, benchmark your model on CPUs.": "call_to_action",
        "Reranking takes roughly half a second at p95.": "claim",
        "Stale-data alerts still page right away.": "claim",
        "Larkspur Freight runs the eval every night.": "claim",
    }


def test_a_comparison_between_two_bound_numbers_needs_a_source_that_compares(evidence) -> None:
    """Each number bound to its own quantity does not make the claim's relation between them
    true (seen in a real post: two numbers of one newsletter joined by an invented "longer than")."""
    assert verdict("It took longer to fill the golden set of 1,240 queries than to run the 14-minute eval.",
                   evidence) != "supported"
    assert verdict("The golden set holds 1,240 queries and the full run takes 14 minutes.", evidence) == "supported"
