"""A request's premises against evidence: a premise fails only on a fact no source states, and
a contradicted one comes back with the source's passage."""

from __future__ import annotations

from postgraph.domain import Evidence
from postgraph.factcheck.premises import check_premises, covered, missing_facts


def evidence(text: str, chunk: str = "doc_a:c0001") -> Evidence:
    return Evidence(chunk_id=chunk, document_id=chunk.split(":")[0], title="Notes", source="notes.md", text=text)


RETRIEVAL = evidence("On 29 January recall@10 fell from 0.87 to 0.71 after we doubled the chunk size. "
                     "The gate fails the build if recall@10 drops by more than 3 points.")
REVIEW = evidence("Goals for Q1 2026: cut deploy time below 15 minutes and retire two legacy models. "
                  "GPU spend fell from $41,200 in October to $33,500 in December.", "doc_r:c0002")
LORA = evidence("The final LoRA run took 5 hours on one rented GPU at $1.90 per hour; the total was $168.", "doc_l:c0000")


def test_a_raise_no_source_mentions_is_unsupported_and_names_what_is_missing():
    [check] = check_premises(["our company raised 48 million dollars from Sequoia last Tuesday"],
                             [RETRIEVAL, REVIEW], None)
    assert check.verdict == "unsupported" and check.failed
    assert "Sequoia" in check.missing and any("48" in fact for fact in check.missing)


def test_an_announced_event_the_sources_never_state_is_unsupported_even_when_its_date_is_there():
    assert missing_facts("ML engineers we hired in Q1 2026", [REVIEW]) == ["hired"]


def test_a_wrong_value_comes_back_corrected_with_the_source_passage():
    [check] = check_premises(["recall@10 fell to 0.42 after the chunking change"], [RETRIEVAL], None)
    assert check.verdict == "contradicted" and check.missing == ("0.42",)
    assert "0.71" in check.passage


def test_premises_the_sources_state_or_hedge_do_not_fail():
    checks = check_premises(["GPU spend fell from $41,200 in October to $33,500 in December",
                             "fine-tuning a LoRA run on one rented GPU for under $200",
                             "the 3-point gate that blocked our release train"], [RETRIEVAL, REVIEW, LORA], None)
    assert [c.failed for c in checks] == [False, False, False], checks


def test_a_clause_is_covered_when_most_of_its_words_are_the_sources():
    assert covered("the chunk size and recall", [RETRIEVAL])
    assert not covered("their salaries", [RETRIEVAL, REVIEW])


def test_a_number_counts_as_stated_only_for_the_same_kind_of_quantity():
    labels = evidence("Pre-labeling cut the cost per label from $0.42 to $0.31.", "doc_x:c0000")
    assert missing_facts("recall@10 fell to 0.42 after the chunking change", [RETRIEVAL, labels]) == ["0.42"]
