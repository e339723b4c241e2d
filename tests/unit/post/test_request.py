"""What code reads from a request: the topic without the asking around it, and the premises:
the clauses that take a checkable fact for granted, and nothing else."""

from __future__ import annotations

import pytest

from postgraph.post.request import read_request, request_clauses, request_premises, topic_of


@pytest.mark.parametrize(("request_text", "premises"), [
    ("Write a post announcing that our company raised 48 million dollars from Sequoia last Tuesday.",
     ["our company raised 48 million dollars from Sequoia last Tuesday"]),
    ("a post about how recall@10 fell to 0.42 after the chunking change, 100 words",
     ["recall@10 fell to 0.42 after the chunking change"]),
    ("a post announcing how many ML engineers we hired in Q1 2026 and their salaries, 100 words",
     ["ML engineers we hired in Q1 2026"]),
    ("a post on how much our Kubernetes migration cost and the vendor we chose, 100 words",
     ["our Kubernetes migration cost"]),
    ("a post about why our retrieval evals caught a regression, for ML engineers, 50 words, "
     "mention the 73% cost cut at Brightline Shipping", ["the 73% cost cut at Brightline Shipping"]),
    # A subject, a question, the trade's own terms and a source reference state nothing to check.
    ("a post about why our nightly retrieval eval caught a chunking regression, for ML engineers, 120 words", []),
    ("a post about MLOps", []),
    ("a post about moving our triage model from GPUs to CPUs with INT8, for platform engineers", []),
    ("from Marisol Quenby's newsletter about the chunking regression: what the revert taught us, 90 words", []),
    ("A short LinkedIn post for ML engineers about the most important lesson in these newsletters, "
     "with one concrete number.", []),
])
def test_premises_are_the_clauses_that_take_a_fact_for_granted(request_text, premises):
    assert request_premises(request_text) == premises


def test_the_topic_loses_the_asking_and_the_audience_but_not_a_for_that_is_the_topic():
    assert topic_of("write about the 3-point gate that blocked our release train, for engineering managers, "
                    "100 words") == "the 3-point gate that blocked our release train"
    assert topic_of("a post about how we chose an inference server for the fraud model, 100 words") == \
        "how we chose an inference server for the fraud model"
    parsed = read_request("a post about how we chose an inference server for the fraud model, for SREs, 90 words", 150)
    assert parsed["audience"] == "SREs" and parsed["target_words"] == 90


def test_clauses_split_where_a_new_subject_starts():
    assert request_clauses("a post on how much our Kubernetes migration cost and the vendor we chose") == [
        "our Kubernetes migration cost", "the vendor we chose"]
    assert request_clauses("a post on treating prompt versions as releases, with our 4-minute rollback") == [
        "treating prompt versions as releases", "with our 4-minute rollback"]
