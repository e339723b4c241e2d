"""Claim extraction, fact normalization and claim checking against hand-written evidence.

No model: checks run on term overlap (embed=None) or on a deterministic bag-of-words
"embedding", so every expected verdict follows from the rules alone.
"""

from __future__ import annotations

import hashlib

import pytest

from postgraph.domain import Evidence
from postgraph.factcheck.claims import extract_claims
from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.passages import evidence_sentences
from postgraph.factcheck.verdicts import EMBEDDING_THRESHOLDS, Thresholds, check_claims
from postgraph.text import stem, terms


def ev(text: str, chunk: str = "c1", document: str = "d1", title: str = "Notes") -> Evidence:
    return Evidence(chunk_id=chunk, document_id=document, title=title, source=f"{document}.md", text=text)


def bag_of_words(texts: list[str]) -> list[list[float]]:
    """A deterministic stand-in for an embedding model: hashed counts of word stems."""
    vectors = []
    for text in texts:
        vector = [0.0] * 256
        for term in terms(text):
            vector[int(hashlib.md5(stem(term).encode()).hexdigest(), 16) % 256] += 1.0
        vectors.append(vector)
    return vectors


def values(text: str) -> list[tuple[float, str | None]]:
    return [(round(n.base, 6), n.unit) for n in facts_in(text).numbers]


def backed(claim_text: str, source_text: str) -> bool:
    claim, source = facts_in(claim_text).numbers, facts_in(source_text).numbers
    return all(any(n.backed_by(m) for m in source) for n in claim)


# -- facts_in: numbers ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("1,200 queries", "1200 queries"),
        ("0.5 of them", ".5 of them"),
        ("12% of claims", "12 percent of claims"),
        ("4.0% in treatment", "4% in treatment"),
        ("$1.2k a month", "$1,200 a month"),
        ("2.3 million chunks", "2.3M chunks"),
        ("a 1.5-second budget", "a budget of 1,500 ms"),
        ("5 hours and 40 minutes", "5 h 40 min"),
        ("4.4 GB", "4,400 MB"),
        ("3x faster", "3 times faster"),
        ("a 64-GPU cluster", "64 GPUs"),
        ("two incidents", "Open incidents: 2"),
        ("a 300-case suite", "a suite of 300 cases"),
    ],
)
def test_numbers_normalize_to_the_same_value(claim, source):
    assert backed(claim, source), (values(claim), values(source))


@pytest.mark.parametrize(
    ("claim", "source"),
    [
        ("2 points", "2 instances"),
        ("four weeks", "4 points"),
        ("12%", "12 ms"),
        ("$310", "310 ms"),
        ("fell from 9 to 6", "6 minutes"),  # a claim without a unit is not backed by a unit
        ("0.61", "0.6"),
        ("14 minutes", "the goal is all 14"),  # in prose a unit must be written
    ],
)
def test_numbers_with_different_units_or_values_do_not_match(claim, source):
    assert not backed(claim, source)


def test_units_and_multipliers():
    assert values("920 ms, 3 weeks, 38 MB, 91.2%, 3 points, $0.012, 10x") == [
        (0.92, "s"), (1814400.0, "s"), (38e6, "B"), (91.2, "%"), (3.0, "pt"), (0.012, "$"), (10.0, "x"),
    ]
    numbers = facts_in("p95 fell from 920 ms to 365 ms; a 7B model; 2e-4; 1.1-billion-parameter").numbers
    assert [(n.value, n.unit, n.role) for n in numbers[:2]] == [(920.0, "s", "from"), (365.0, "s", "to")]
    assert numbers[2].value == 7e9
    assert numbers[3].value == pytest.approx(2e-4)
    assert numbers[4].value == 1.1e9


def test_a_unit_after_the_second_number_serves_both():
    first, second = facts_in("handle time fell from 9.4 to 7.1 minutes").numbers
    assert (first.unit, first.base) == ("s", pytest.approx(564.0))
    assert second.unit == "s"


def test_identifiers_are_names_not_quantities():
    facts = facts_in("INT8 cut Wren-1.1B's p95 and recall@10 with lf-embed-v3, 3.4.0 and units_ordered.")
    assert facts.numbers == ()
    expected = {"INT8", "Wren-1.1B", "p95", "recall@10", "lf-embed-v3", "3.4.0", "units_ordered"}
    assert expected <= set(facts.entities)


def test_percentiles_in_words_are_the_same_identifier():
    assert "p95" in facts_in("the 95th percentile latency").entities
    assert facts_in("the 95th percentile latency").numbers == ()


def test_dates_are_not_counts():
    facts = facts_in("On 14 October 2025, in Q4 2025, in the first quarter and in week 8 we had 2,025 pages.")
    assert {"14 october", "october", "2025", "q4", "q1", "week 8"} <= set(facts.dates)
    assert values("On 14 October 2025 we had 2,025 pages.") == [(2025.0, "~page")]


def test_may_the_verb_is_no_date():
    assert "may" not in facts_in("It may rain. We march on.").dates
    assert {"may", "march"} <= set(facts_in("From 3 March to 16 May 2025.").dates)


def test_spelled_numbers_but_not_one():
    assert values("two weeks and a dozen runs") == [(1209600.0, "s"), (12.0, "~run")]
    assert values("on one CPU node") == []


def test_list_markers_are_not_numbers():
    assert values("Causes: 1. The reindex. 2. The config.") == []


def test_fractions():
    assert (17.0, 18.0) in facts_in("17 of 18 jobs finished").fractions
    assert (18.0, 18.0) in facts_in("All 18 jobs finished").fractions
    assert (0.0, 5.0) in facts_in("none of the 5 runs").fractions


def test_quotes_with_two_words_or_more():
    quoted = facts_in('A lead wrote "search is useless today" in the channel.')
    assert quoted.quotes == ("search is useless today",)
    assert facts_in('The "gate" held.').quotes == ()


# -- facts_in: names --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("Larkspur Freight's platform team shipped 112 models.", ["Larkspur Freight"]),
        ("Tidewater's ML rotation has 7 engineers.", ["Tidewater", "ML"]),
        ("The Vision team used the most GPU time.", ["Vision", "GPU"]),
        ("Draftwell cut handle time.", []),  # one capitalised word opening a sentence
        ("Agents edited 63% of Draftwell drafts.", ["Draftwell"]),
        ("MedWise retires 15% of items at Mossgiel Pharmacy.", ["MedWise", "Mossgiel Pharmacy"]),
        ("In June we met the Bank of Ireland team.", ["Bank of Ireland"]),
        ("Lesson: Measure everything.", []),
        ("I think THIS is NOT fine.", []),
    ],
)
def test_names(sentence, expected):
    names = [e for e in facts_in(sentence).entities if not any(ch.isdigit() for ch in e)]
    assert names == expected


# -- extract_claims ----------------------------------------------------------------------------


POST = """Evals are the cheapest insurance you can buy.

Last month a config change cut recall@10 from 0.87 to 0.71.
Our golden set has 1,240 queries, and the gate held.
Was it luck?
Dispatchers at Larkspur Freight never noticed.
Bigger chunks were slower than small ones.
- The fix shipped within 6 hours #MLOps
I believe every team should do this.

#MLOps #Evaluation"""


def test_extract_claims_keeps_factual_sentences_only():
    assert extract_claims(POST) == [
        "Last month a config change cut recall@10 from 0.87 to 0.71.",
        "Our golden set has 1,240 queries, and the gate held.",
        "Dispatchers at Larkspur Freight never noticed.",
        "Bigger chunks were slower than small ones.",
        "The fix shipped within 6 hours",
    ]


def test_list_markers_arrows_and_emoji_are_not_part_of_a_claim():
    post = "Results\n→ Recall fell to 0.71.\n✅ The gate held at 3 points.\n2. We reverted in 6 hours."
    assert extract_claims(post) == [
        "Recall fell to 0.71.",
        "The gate held at 3 points.",
        "We reverted in 6 hours.",
    ]


def test_a_hook_with_a_number_is_a_claim():
    assert extract_claims("We cut p95 latency by 61% in one week\n\nHere is how.") == [
        "We cut p95 latency by 61% in one week"
    ]


def test_no_claims_in_opinions():
    assert extract_claims("Great teams measure what matters.\n\nDo you?\n\n#Leadership") == []


# -- evidence sentences ------------------------------------------------------------------------


def test_table_rows_are_read_with_their_headers():
    table = "| Metric | Control | Treatment |\n| --- | --- | --- |\n| Reopen rate (7 days) | 3.1% | 4.0% |"
    assert evidence_sentences(table) == [
        "Metric | Control | Treatment",
        "Reopen rate (7 days): Control 3.1%; Treatment 4.0%",
    ]


# -- check_claims (term overlap) ---------------------------------------------------------------

EVAL = ev(
    "Every night a job replays our golden set against a staging index. The golden set holds 1,240 queries. "
    "The full run takes 14 minutes on a single CPU node.\n\n"
    "On 29 January recall@10 fell from 0.87 to 0.71. The gate fails the build if recall@10 drops by more "
    "than 3 points.",
    chunk="eval:c1", document="eval", title="How a nightly eval caught a regression",
)
EVAL_INTRO = ev(
    "At Larkspur Freight our support search tool DockAssist answers dispatcher questions.",
    chunk="eval:c0", document="eval", title="How a nightly eval caught a regression",
)
OTHER = ev("Fernhollow Bank cut its serving cost from $6,300 to $1,850.", chunk="bank:c0", document="bank")


def check(claim: str, evidence=None, embed=None, **options):
    pool = evidence if evidence is not None else [EVAL_INTRO, EVAL, OTHER]
    (result,) = check_claims([claim], pool, embed, **options)
    return result


def test_supported_claim_names_its_chunk_and_passage():
    result = check("The golden set contains 1240 queries.")
    assert result.verdict == "supported"
    assert result.chunk_id == "eval:c1"
    assert 0 < result.score <= 1
    assert "1,240 queries" in result.reason


def test_names_may_come_from_another_chunk_of_the_same_document():
    result = check("Larkspur Freight's golden set holds 1,240 queries.")
    assert result.verdict == "supported" and result.chunk_id == "eval:c1"


def test_names_from_another_document_do_not_count():
    result = check("Fernhollow Bank's golden set holds 1,240 queries.")
    assert result.verdict == "unsupported"
    assert "Fernhollow Bank" in result.reason


def test_unknown_number_is_unsupported_and_named():
    result = check("The nightly job needs 45 GPUs.")
    assert result.verdict == "unsupported"
    assert "45 GPUs" in result.reason


def test_other_number_in_the_same_passage_contradicts():
    result = check("On 29 January recall@10 fell from 0.87 to 0.61.")
    assert result.verdict == "contradicted"
    assert result.chunk_id == "eval:c1"
    assert "0.61" in result.reason and "0.71" in result.reason


def test_opposite_direction_contradicts():
    result = check("On 29 January recall@10 rose from 0.87 to 0.71.")
    assert result.verdict == "contradicted"
    assert "went up" in result.reason and "went down" in result.reason


def test_each_number_must_be_bound_to_its_own_quantity():
    """Facts from two passages of one document join (each number where it is stated); a number
    that the document gives for something else does not back the claim."""
    far = ev("The team has 12 engineers. It likes tea. It ships weekly. It reads papers. It wrote 300 tests.")
    assert check("The team of 12 engineers wrote 300 tests.", [far]).verdict == "supported"
    near = ev("The team has 12 engineers. Together they wrote 300 tests.")
    assert check("The team of 12 engineers wrote 300 tests.", [near]).verdict == "supported"
    other = ev("The team has 12 engineers. The office has 300 chairs.")
    assert check("The team of 12 engineers wrote 300 tests.", [other]).verdict != "supported"


def test_share_conflict():
    card = [ev("Retraining jobs completed: 17 of 18", title="Weekly metrics card")]
    assert check("17 of 18 retraining jobs completed.", card).verdict == "supported"
    result = check("All 18 retraining jobs completed.", card)
    assert result.verdict == "contradicted" and "17 of 18" in result.reason
    minority = [ev("A minority of the on-call pages were about model problems.")]
    assert check("Most of the on-call pages were about model problems.", minority).verdict == "contradicted"


def test_cadence_conflict():
    rotation = [ev("Each quarter, MedWise retires 15% of the golden set items and replaces them.")]
    assert check("MedWise retires 15% of the golden set items each quarter.", rotation).verdict == "supported"
    result = check("MedWise retires 15% of the golden set items every month.", rotation)
    assert result.verdict == "contradicted" and "monthly" in result.reason and "quarterly" in result.reason


def test_rank_conflict():
    usage = [ev("Among the teams, Vision used the most GPU-hours. Research came second with 8,900.")]
    assert check("The Vision team used the most GPU-hours among the teams.", usage).verdict == "supported"
    result = check("The Research team used the most GPU-hours among the teams.", usage)
    assert result.verdict == "contradicted" and "Research" in result.reason


def test_before_value_stated_as_the_current_value_contradicts():
    stages = [ev("Moving query rewriting to a small model cut that stage from 310 ms to 120 ms.")]
    assert check("The query rewriting stage now takes 120 ms.", stages).verdict == "supported"
    result = check("The query rewriting stage now takes 310 ms.", stages)
    assert result.verdict == "contradicted" and "before the change" in result.reason


def test_swapped_start_and_end_contradict():
    users = [ev("Weekly active users grew from 1,900 to 2,600 in six weeks.")]
    assert check("Weekly active users grew from 1,900 to 2,600.", users).verdict == "supported"
    result = check("Weekly active users fell from 2,600 to 1,900.", users)
    assert result.verdict == "contradicted"
    assert "from 2,600 to 1,900" in result.reason and "from 1,900 to 2,600" in result.reason


def test_swapped_nouns_contradict():
    scale = [ev("Tidewater Grocers forecasts demand for roughly 18,000 products across 260 stores.")]
    assert check("Tidewater Grocers forecasts demand for 18,000 products in 260 stores.", scale).verdict == "supported"
    result = check("Tidewater Grocers forecasts demand for 260 products in 18,000 stores.", scale)
    assert result.verdict == "contradicted" and "18,000 products" in result.reason


def test_acronyms_spelled_out_in_the_source_and_everyday_ones_pass():
    metrics = [ev("Mean reciprocal rank dropped from 0.64 to 0.52 on the golden set.")]
    assert check("MRR dropped from 0.64 to 0.52 on the golden set.", metrics).verdict == "supported"
    assert check("Our AI golden set saw MRR drop from 0.64 to 0.52.", metrics).verdict == "supported"
    result = check("MRR dropped from 0.64 to 0.52 on the GPU golden set.", metrics)
    assert result.verdict == "unsupported" and "GPU" in result.reason


def test_weak_numbers_with_nearly_all_words_in_the_passage_need_less_similarity():
    revert = [ev("The chunking change was reverted within 6 hours.")]

    def lukewarm(texts: list[str]) -> list[list[float]]:
        """Every evidence sentence sits at cosine 0.45 from every claim."""
        claims = sum(1 for t in texts if t not in {e.text for e in revert})
        return [[1.0, 0.0]] * claims + [[0.45, (1 - 0.45**2) ** 0.5]] * (len(texts) - claims)

    assert check("We reverted the change in under 6 hours.", revert, lukewarm).verdict == "supported"
    assert check("Our team fixed the outage in 6 hours.", revert, lukewarm).verdict == "unsupported"


def test_counterfactual_passage_backs_nothing():
    hypothetical = [ev("Without the drift alert, the forecast error would have arrived a week late.")]
    claim = "Without the drift alert, the forecast error arrived a week late."
    assert check(claim, hypothetical).verdict != "supported"


def test_table_row_supports_with_header_unit():
    table = ev("| Month | GPU spend (USD) |\n| --- | --- |\n| October 2025 | 41,200 |", title="Q4 review")
    result = check("GPU spend was $41,200 in October 2025.", [table])
    assert result.verdict == "supported"


def test_claim_dates_must_appear_in_the_document():
    dated = [ev("The migration took 11 weeks and ended on 16 May 2025.", title="Feature store")]
    assert check("The migration took 11 weeks and ended in May 2025.", dated).verdict == "supported"
    assert check("The migration took 11 weeks and ended in May 2024.", dated).verdict == "unsupported"


def test_no_evidence_and_no_claims():
    assert check("The golden set holds 1,240 queries.", []).verdict == "unsupported"
    assert check_claims([], [EVAL], None) == []


def test_claims_without_numbers_need_a_near_copy():
    assert check("Every night a job replays our golden set against a staging index.").verdict == "supported"
    assert check("Every night a job rebuilds the production cluster.").verdict == "unsupported"


# -- check_claims (with an embedding function) -------------------------------------------------


def test_embedding_is_called_once_with_claims_and_sentences():
    calls: list[list[str]] = []

    def embed(texts: list[str]) -> list[list[float]]:
        calls.append(list(texts))
        return bag_of_words(texts)

    claims = ["The golden set holds 1,240 queries.", "The full run takes 14 minutes on a single CPU node."]
    results = check_claims(claims, [EVAL_INTRO, EVAL], embed)
    assert [r.verdict for r in results] == ["supported", "supported"]
    assert len(calls) == 1
    assert calls[0][:2] == claims
    assert "The golden set holds 1,240 queries." in calls[0][2:]
    assert results[1].score == pytest.approx(1.0, abs=1e-4)  # the same sentence


def test_thresholds_can_be_tightened():
    claim = "The golden set holds 1,240 queries, each one paired with accepted passages."
    assert check(claim, embed=bag_of_words).verdict == "supported"
    assert check(claim, embed=bag_of_words, similarity_threshold=0.99).verdict == "unsupported"
    strict = Thresholds(support=0.99, weak_support=0.99, plain_support=0.99, contradiction=0.99)
    assert check(claim, embed=bag_of_words, thresholds=strict).verdict == "unsupported"
    limits = EMBEDDING_THRESHOLDS
    assert limits.support < limits.weak_support < limits.plain_support
