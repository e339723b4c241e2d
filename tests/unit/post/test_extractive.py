"""Composed posts: only the focused source's readable sentences, the hook first, the rest in
the source's order, and a post's shape (finish.py)."""

from __future__ import annotations

from postgraph.domain import Evidence, Plan
from postgraph.post.extractive import candidate_sentences, composed_post, main_source, quoted_only
from postgraph.text import body_and_hashtags, split_sentences

RETRIEVAL = [
    Evidence(chunk_id="doc_r:c0001", document_id="doc_r", title="Retrieval", source="retrieval.md", score=0.9,
             text="## What we changed\nWe raised the chunk size from 512 to 1,024 tokens in late January. "
                  "Recall@10 fell from 0.87 to 0.71 on the nightly eval the same night."),
    Evidence(chunk_id="doc_r:c0000", document_id="doc_r", title="Retrieval", source="retrieval.md", score=0.8,
             text="Retrieval changes fail quietly, and answers still read fluently. "
                  "Why did nobody notice for a week?\n- a bullet that is not a sentence of prose at all here\n"
                  "| metric | before | after |"),
    Evidence(chunk_id="doc_c:c0000", document_id="doc_c", title="Costs", source="costs.md", score=0.5,
             text="Our GPU bill doubled in March because notebooks kept whole cards reserved all day."),
]
PLAN = Plan(angle="why the nightly retrieval eval caught the chunking regression", audience="ML engineers",
            queries=["nightly retrieval eval chunking regression"], target_words=40)


def test_only_readable_sentences_of_one_source_in_its_order():
    assert main_source(RETRIEVAL) == "retrieval.md"
    assert candidate_sentences(RETRIEVAL, "retrieval.md") == [
        "Retrieval changes fail quietly, and answers still read fluently.",
        "We raised the chunk size from 512 to 1,024 tokens in late January.",
        "Recall@10 fell from 0.87 to 0.71 on the nightly eval the same night.",
    ]


def test_a_composed_post_is_quoted_from_the_focused_source_and_reads_as_a_post():
    post = composed_post(PLAN, RETRIEVAL)
    body, tags = body_and_hashtags(post)
    assert "GPU" not in post and "?" not in body and "bullet" not in body and "|" not in body
    assert 1 <= len(tags) <= 3
    assert quoted_only(post, RETRIEVAL)
    hook, rest = post.split("\n\n", 1)
    assert hook == "We raised the chunk size from 512 to 1,024 tokens in late January."  # numbers win the tie
    assert rest.startswith("Retrieval changes fail quietly")  # then the source's own order


def test_a_focus_the_evidence_cannot_quote_gives_no_post():
    assert composed_post(PLAN, RETRIEVAL, source="missing.md") == ""


def test_a_model_sentence_makes_a_post_not_quoted():
    assert not quoted_only("Recall fell hard and we caught it.\n\n#MLOps", RETRIEVAL)
    assert not quoted_only("", RETRIEVAL)
    assert split_sentences(composed_post(PLAN, RETRIEVAL))
