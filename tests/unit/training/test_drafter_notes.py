"""The notes of a training example are the notes the draft node builds for its request, so
the drafter trains on the input it gets at run time."""

from __future__ import annotations

from evals.claimset import cached, document_evidence
from postgraph.post.notes import notes_block
from training.drafter.dataset import load_examples
from training.drafter.notes import example_notes, example_plan


def test_the_notes_of_a_single_source_example_are_the_draft_nodes_notes(embeddings) -> None:
    embed = cached(embeddings.embed_documents)
    row = next(r for r in load_examples() if r["kind"] == "single" and r["document"].endswith(".md"))
    evidence = list(document_evidence(row["document"]))
    assert example_notes(dict(row), embed) == notes_block(example_plan(row), evidence, embed, evidence[0].source)


def test_an_image_without_sentences_gets_its_text_blocks_as_notes(embeddings) -> None:
    row = next(r for r in load_examples() if r["document"] == "rag-latency-waterfall.png")
    notes = example_notes(dict(row), cached(embeddings.embed_documents))
    assert notes.startswith("[1] ") and "1,430 ms" in notes


def test_every_committed_example_has_the_notes_the_builder_makes_today(embeddings) -> None:
    """A change to how the draft node builds notes makes the dataset stale: rebuild the notes
    (python -m training.drafter.notes), check the posts, and train again."""
    embed = cached(embeddings.embed_documents)
    stale = [row["id"] for row in load_examples() if example_notes(dict(row), embed) != row["notes"]]
    assert stale == []
