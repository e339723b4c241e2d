"""A recorded run scored by the gate's metrics: only what needs no golden case, from what the
run record holds and the whole source documents its claims point at."""

from __future__ import annotations

import pytest

from postgraph.domain import Evidence
from postgraph.monitor.scoring import MONITOR_METRICS, SourceDocuments, cited_chunk_ids, requested_words, score_run

OPENING = ("The feature store migration finished in nine weeks. Online lookups got faster: p99 latency fell from "
           "48 ms to 19 ms after the move to the new key-value backend.")
CLOSING = "Two teams kept their old pipelines for a quarter because their backfills depended on the legacy schema."
CHUNKS = [Evidence(chunk_id="fs:c0000", document_id="fs", title="Feature store", source="corpus/fs.md", text=OPENING),
          Evidence(chunk_id="fs:c0001", document_id="fs", title="Feature store", source="corpus/fs.md", text=CLOSING)]
OWN_POST = ("Nine weeks to move a feature store, and it paid off.\n\n"
            "Our p99 lookup latency dropped from 48 ms to 19 ms once reads hit the new backend.\n\n"
            "Not everyone moved at once, and that was fine.\n\n#MLOps #FeatureStore")
SUPPORTED = [{"claim": "Our p99 lookup latency dropped from 48 ms to 19 ms once reads hit the new backend.",
              "verdict": "supported", "chunk_id": "fs:c0000"}]


def record(post: str, request: str = "a post about our feature store migration, 40 words", checks=SUPPORTED) -> dict:
    return {"_id": "r1", "request": request, "post": post, "status": "done", "claim_checks": checks}


@pytest.mark.parametrize(("request_text", "words"), [
    ("a post about the migration, 60 words", 60),
    ("write a 120-word post on latency", 120),
    ("a post about the migration in 5000 words", None),
    ("a post about the migration", None),
])
def test_requested_words(request_text, words):
    assert requested_words(request_text) == words


def test_an_own_words_post_passes(embeddings):
    scores = score_run(record(OWN_POST), CHUNKS, embeddings.embed_documents)
    assert list(scores) == list(MONITOR_METRICS)
    failing = {name: score.details for name, score in scores.items() if not score.passed}
    assert not failing


def test_length_is_scored_only_when_the_request_names_one(embeddings):
    scores = score_run(record(OWN_POST, request="a post about our feature store migration"), CHUNKS,
                       embeddings.embed_documents)
    assert "length" not in scores and "format" in scores
    too_long = score_run(record(OWN_POST, request="a post about our feature store migration, 20 words"), CHUNKS,
                         embeddings.embed_documents)
    assert not too_long["length"].passed and too_long["length"].details["target"] == 30  # the plan's floor


def test_a_copied_unsupported_post_without_hashtags_fails(embeddings):
    copied = f"{OPENING} {CLOSING} It also cut our cloud bill by 40%."
    checks = [*SUPPORTED, {"claim": "It also cut our cloud bill by 40%.", "verdict": "unsupported", "chunk_id": None}]
    scores = score_run(record(copied, checks=checks), CHUNKS, embeddings.embed_documents)
    assert not scores["format"].passed and "too_few_hashtags" in scores["format"].details["issues"]
    assert not scores["grounding"].passed and scores["grounding"].value == 0.5
    assert not scores["originality"].passed and scores["originality"].details["copied"]


def test_an_off_topic_post_is_not_relevant(embeddings):
    post = "Sourdough needs patience.\n\nFeed the starter twice a day and keep it warm.\n\n#Baking"
    scores = score_run(record(post, checks=[]), CHUNKS, embeddings.embed_documents)
    assert not scores["relevance"].passed and not scores["grounding"].passed


def test_a_run_reads_the_whole_documents_its_claims_and_evidence_point_at():
    other = Evidence(chunk_id="gpu:c0000", document_id="gpu", title="GPU", source="corpus/gpu.md", text="GPU hours.")
    sources = SourceDocuments({"fs": CHUNKS, "gpu": [other]})
    assert sources.of_run(record(OWN_POST)) == CHUNKS  # one claim on the first chunk: the whole document
    with_evidence = {**record(OWN_POST), "evidence": [{"chunk_id": "gpu:c0000", "score": 0.4}]}
    assert cited_chunk_ids([with_evidence]) == {"fs:c0000", "gpu:c0000"}
    assert sources.of_run(with_evidence) == [*CHUNKS, other]
    assert sources.of_run(record(OWN_POST, checks=[{"claim": "x", "verdict": "supported", "chunk_id": "gone:c0"}])) == []
