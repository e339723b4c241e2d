"""The gate's DeepEval metrics, offline and without a model: a collage fails, a post in its own
words passes, and DeepEval's own assert_test raises on the failing one."""

from __future__ import annotations

import os

import pytest
from deepeval.test_case import LLMTestCase

from evals.metrics import PostMetric, case_metadata
from postgraph.domain import Citation, ClaimCheck, Evidence
from postgraph.prompts import style_examples
from postgraph.quality.cases import load_cases
from postgraph.quality.metrics import METRIC_NAMES, PostRun

CASE = next(case for case in load_cases() if case.id == "retrieval-regression-readme")
SOURCE = (CASE.main_path().read_text(encoding="utf-8"))
CHUNK = Evidence(chunk_id="r:c1", document_id="r", title="T", source=CASE.main_document,
                 text="On the morning of 29 January the job went red. Recall@10 fell from 0.87 to 0.71, and mean "
                      "reciprocal rank dropped from 0.64 to 0.52.")
OWN_WORDS = ("A bigger chunk size looked harmless in review.\n\n"
             "Our nightly eval disagreed: recall@10 went from 0.87 to 0.71 overnight, and the gate stopped the "
             "release before anyone shipped it.\n\n"
             "We reverted the change the same morning and now report recall per query slice, so one bad slice "
             "cannot hide inside a healthy average.\n\n"
             "The argument for the change was reasonable. Larger chunks keep a table next to its caption and make "
             "the index smaller. What nobody could see in the diff was the cost: short, precise rules now shared a "
             "vector with pages of boilerplate, and their signal faded.\n\n"
             "If a change touches retrieval, measure it every night. It costs minutes and it saves weeks.\n\n"
             "#MLOps #Retrieval #Evals")
COLLAGE = CHUNK.text + " The golden set holds 1,240 queries, each paired with the document passages a dispatcher would accept as a correct answer."
CLAIM = "Our nightly eval disagreed: recall@10 went from 0.87 to 0.71 overnight, and the gate stopped the release before anyone shipped it."


def llm_case(post: str, checks: list[ClaimCheck], embeddings) -> LLMTestCase:
    run = PostRun(post=post, status="done", evidence=[CHUNK],
                  citations=[Citation(claim=CLAIM, chunk_id="r:c1", document_title="T", source=CASE.main_document)])
    documents = [CHUNK, Evidence(chunk_id="r:c0", document_id="r", title="T", source=CASE.main_document, text=SOURCE)]
    metadata = case_metadata(CASE, run, claim_checks=checks, documents=documents, examples=list(style_examples()),
                             embed=embeddings.embed_documents)
    return LLMTestCase(input=CASE.request, actual_output=post, metadata=metadata)


SUPPORTED = [ClaimCheck(claim=CLAIM, verdict="supported", chunk_id="r:c1", decided_by="numbers bound to the same quantity")]


def test_a_post_in_its_own_words_passes_every_metric(embeddings):
    case = llm_case(OWN_WORDS, SUPPORTED, embeddings)
    failed = {}
    for name in METRIC_NAMES:
        metric = PostMetric(name)
        metric.measure(case)
        if not metric.is_successful():
            failed[name] = metric.reason
    assert not failed, failed


def test_a_collage_fails_originality_and_format_and_deepeval_says_so(embeddings):
    os.environ.setdefault("DEEPEVAL_TELEMETRY_OPT_OUT", "YES")
    from deepeval import assert_test

    case = llm_case(COLLAGE, SUPPORTED, embeddings)
    originality, form = PostMetric("originality"), PostMetric("format")
    originality.measure(case)
    form.measure(case)
    assert not originality.is_successful() and originality.details["longest_copied_words"] >= 15
    assert not form.is_successful() and "too_few_hashtags" in form.details["issues"]
    with pytest.raises(AssertionError):
        assert_test(case, [PostMetric("originality")], run_async=False)


def test_an_unknown_metric_is_refused():
    with pytest.raises(ValueError, match="unknown post metric"):
        PostMetric("vibes")


def test_a_metric_that_does_not_gate_is_reported_but_never_fails(embeddings):
    metric = PostMetric("originality", gating=False)
    metric.measure(llm_case(COLLAGE, SUPPORTED, embeddings))
    assert metric.is_successful() and metric.score < 0.5 and "(failed its rule)" in metric.reason
