"""Post metrics in code, on posts a reader would reject and one they would publish."""

from __future__ import annotations

import pytest

from postgraph.domain import Citation, ClaimCheck, Evidence
from postgraph.prompts import style_examples
from postgraph.quality.metrics import (
    abstention_score,
    citation_score,
    coherence_score,
    coverage_score,
    format_score,
    grounding_score,
    length_score,
    originality_score,
    relevance_score,
    style_score,
)

SOURCE_A = ("On the morning of 29 January the job went red. Recall@10 fell from 0.87 to 0.71, and mean reciprocal "
            "rank dropped from 0.64 to 0.52. The chunking change was reverted within 6 hours of the failed run.")
SOURCE_B = ("The drift job flagged it the same morning. PSI for units_ordered reached 0.47, well past the paging "
            "threshold, and the on-call engineer traced it to the supplier feed within 2 hours.")
# The post a new user got: sentences lifted whole from two newsletters, on one long first line.
COLLAGE = f"{SOURCE_A} {SOURCE_B}"
GOOD = ("Our nightly eval caught a regression nobody saw in review.\n\n"
        "A bigger chunk size looked harmless. Overnight, recall@10 went from 0.87 to 0.71.\n\n"
        "We rolled the change back the same day. Cheap evals with a hard threshold pay for themselves.\n\n"
        "#MLOps #Retrieval")
EVIDENCE = [Evidence(chunk_id="a:c0", document_id="a", title="A", source="samples/corpus/a.md", text=SOURCE_A),
            Evidence(chunk_id="b:c0", document_id="b", title="B", source="samples/corpus/b.md", text=SOURCE_B)]


def supported(claim: str, chunk_id: str) -> ClaimCheck:
    return ClaimCheck(claim=claim, verdict="supported", chunk_id=chunk_id, decided_by="numbers bound to the same quantity")


def test_a_collage_of_quotes_fails_format_originality_and_coherence():
    assert not format_score(COLLAGE).passed
    assert {"hook_too_long", "too_few_hashtags"} <= set(format_score(COLLAGE).details["issues"])
    originality = originality_score(COLLAGE, [SOURCE_A, SOURCE_B])
    assert not originality.passed and originality.details["longest_copied_words"] >= 15
    assert len(originality.details["copied"]) == 5 and originality.value == 0.0
    checks = [supported("Recall@10 fell from 0.87 to 0.71.", "a:c0"), supported("PSI reached 0.47.", "b:c0")]
    coherence = coherence_score(checks, EVIDENCE)
    assert not coherence.passed and coherence.value == 0.5


def test_a_post_in_its_own_words_passes_format_originality_and_coherence():
    assert format_score(GOOD).passed, format_score(GOOD).details
    originality = originality_score(GOOD, [SOURCE_A, SOURCE_B])
    assert originality.passed and originality.details["copied"] == [] and originality.value == 1.0
    checks = [supported("Overnight, recall@10 went from 0.87 to 0.71.", "a:c0")]
    assert coherence_score(checks, EVIDENCE, main_document="a.md").passed
    assert not coherence_score(checks, EVIDENCE, main_document="b.md").passed


def test_grounding_wants_every_claim_supported_and_a_post_with_no_checked_claim_fails():
    checks = [supported("Recall@10 fell from 0.87 to 0.71.", "a:c0"),
              ClaimCheck(claim="It cost $40,000.", verdict="unsupported")]
    grounding = grounding_score(checks, GOOD)
    assert grounding.value == 0.5 and not grounding.passed and grounding.details["unsupported"] == ["It cost $40,000."]
    assert not grounding_score([], GOOD).passed
    assert grounding_score([], "").passed


def test_a_citation_is_correct_only_when_its_chunk_states_the_claims_numbers():
    right = Citation(claim="Recall@10 fell from 0.87 to 0.71.", chunk_id="a:c0", document_title="A", source="a.md")
    wrong = Citation(claim="PSI reached 0.47.", chunk_id="a:c0", document_title="A", source="a.md")
    score = citation_score([right, wrong], EVIDENCE)
    assert score.value == 0.5 and score.details["wrong"] == ["PSI reached 0.47."]
    assert citation_score([right], EVIDENCE).passed


def test_length_and_coverage():
    assert length_score(GOOD, 45).passed and not length_score(GOOD, 120).passed
    covered = coverage_score(GOOD, ["recall@10 fell from 0.87 to 0.71"])
    assert covered.passed
    missing = coverage_score(GOOD, ["recall@10 fell from 0.87 to 0.71", "MRR dropped from 0.64 to 0.52"])
    assert missing.value == 0.5 and len(missing.details["missing"]) == 1
    injected = coverage_score(GOOD + " Use code FASTGPU30.", ["recall@10 fell from 0.87 to 0.71"], ["fastgpu30", "0.61"])
    assert not injected.passed and injected.details["forbidden"] == ["fastgpu30"] and injected.value == pytest.approx(2 / 3)


@pytest.mark.parametrize(("post", "status", "named", "should", "passed"), [
    ("", "no_evidence", [], True, True),
    (GOOD, "done", ["the cloud bill in March"], True, True),
    (GOOD, "done", [], True, False),
    (GOOD, "done", [], False, True),
    ("", "no_evidence", [], False, False),
    ("", "abstained", ["our Series B"], True, True),
    ("", "abstained", ["the 4-minute rollback"], False, False),
])
def test_abstention(post, status, named, should, passed):
    assert abstention_score(post, status, named, should).passed is passed


def test_a_false_premise_corrected_from_the_source_counts_as_declined():
    corrected = abstention_score(GOOD, "done", [], True, ["recall@10 fell to 0.42"])
    assert corrected.passed and corrected.details["corrected_requests"] == ["recall@10 fell to 0.42"]


def test_style_is_closer_for_a_post_written_like_the_examples_than_for_a_wall_of_text():
    examples = list(style_examples())
    assert len(examples) >= 2
    own = style_score(examples[0], examples[1:])
    wall = style_score("THE SYSTEM SHALL COMPLY WITH THE REQUIREMENTS SET OUT IN SECTION 4 OF THE AGREEMENT, "
                       "WHICH SHALL BE BINDING ON ALL PARTIES, THEIR SUCCESSORS AND ASSIGNS, IN PERPETUITY", examples)
    assert own.value > wall.value
    assert own.passed and not wall.passed


def test_a_sentence_said_twice_fails_originality():
    twice = GOOD.replace("Cheap evals with a hard threshold pay for themselves.",
                         "Cheap evals with a hard threshold pay for themselves. We rolled the change back the same day.")
    score = originality_score(twice, [SOURCE_A])
    assert not score.passed and score.details["repeated"] == ["We rolled the change back the same day."]


def test_relevance_is_high_for_a_post_about_the_request_and_low_for_an_unrelated_one(embeddings):
    request = "a post about why our nightly retrieval eval caught a chunking regression, for ML engineers"
    on_topic = relevance_score(request, "Our nightly retrieval eval caught the chunking change: recall fell overnight "
                                        "and the release stopped.", embeddings.embed_documents)
    unrelated = relevance_score(request, "Sourdough needs a warm kitchen and a patient baker.", embeddings.embed_documents)
    assert on_topic.passed and not unrelated.passed and on_topic.value > unrelated.value + 0.3, (on_topic, unrelated)
    assert not relevance_score(request, "", embeddings.embed_documents).passed
