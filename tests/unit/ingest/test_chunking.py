"""Block-aware chunking, with a word counter and with the embedding model's own word pieces."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from itertools import pairwise

import pytest

from postgraph.ingest.chunking import Chunk, chunk_blocks, split_sentences
from postgraph.ingest.documents import Block, BlockKind, ImageInfo
from postgraph.search.embeddings import count_tokens as wordpieces


def words(text: str) -> int:
    return len(text.split())


COUNTERS = [pytest.param(words, id="words"), pytest.param(wordpieces, id="wordpieces")]
TOPICS = ["latency", "drift", "recall", "budget", "rollback", "labels", "quantization", "eval"]


def sentence(i: int) -> str:
    return f"Point {i} explains why the {TOPICS[i % len(TOPICS)]} figure matters."


def paragraph(start: int, count: int) -> str:
    return " ".join(sentence(i) for i in range(start, start + count))


def text(body: str, section: str | None = None) -> Block:
    return Block(kind=BlockKind.TEXT, text=body, section=section)


def table(rows: list[list[str]], section: str | None = None) -> Block:
    markdown = "\n".join("| " + " | ".join(row) + " |" for row in rows)
    return Block(kind=BlockKind.TABLE, text=markdown, rows=rows, section=section)


def image(body: str, section: str | None = None) -> Block:
    return Block(kind=BlockKind.IMAGE, text=body, section=section, image=ImageInfo(src="chart.png"))


def chunk(blocks: list[Block], count: Callable[[str], int], max_tokens: int = 40, overlap: int = 12) -> list[Chunk]:
    return chunk_blocks(blocks, max_tokens=max_tokens, overlap_tokens=overlap, count_tokens=count)


def sentences_of(c: Chunk) -> list[str]:
    return split_sentences(c.text)


def check_invariants(blocks: list[Block], chunks: list[Chunk], count: Callable[[str], int], max_tokens: int) -> None:
    """What every chunking must satisfy, whatever the input."""
    assert [c.order for c in chunks] == list(range(len(chunks)))
    for c in chunks:
        assert c.block_orders == sorted(set(c.block_orders))
        assert all(0 <= o < len(blocks) for o in c.block_orders)
        if c.kind is BlockKind.TEXT:
            assert all(blocks[o].kind is BlockKind.TEXT for o in c.block_orders)
            assert count(c.text) <= max_tokens
            # Every sentence of the chunk comes from one of the blocks it points at.
            for s in sentences_of(c):
                assert any(s in blocks[o].text for o in c.block_orders), s
            # A chunk never mixes sections.
            assert {blocks[o].section for o in c.block_orders} == {c.section}
        else:
            assert len(c.block_orders) == 1
            block = blocks[c.block_orders[0]]
            assert (block.kind, block.text, block.section) == (c.kind, c.text, c.section)
    # Nothing lost: every sentence of every text block is in a chunk pointing at that block.
    for order, block in enumerate(blocks):
        if block.kind is not BlockKind.TEXT:
            continue
        mine = [c for c in chunks if order in c.block_orders]
        for s in split_sentences(block.text):
            if count(s) <= max_tokens:
                assert any(s in c.text for c in mine), s
            else:  # cut at word boundaries: its words, in order, across consecutive chunks
                pieces = " ".join(c.text for c in mine)
                assert not Counter(s.split()) - Counter(pieces.split()), s


# -- tables and images ---------------------------------------------------------------------


@pytest.mark.parametrize("count", COUNTERS)
def test_table_and_image_are_never_split_even_when_larger_than_a_chunk(count):
    rows = [["team", "gpu hours", "cost"]] + [[f"team {i}", str(100 * i), f"{i},200 EUR"] for i in range(40)]
    big_table = table(rows, section="Costs")
    big_image = image(" ".join(f"Label{i} value {i}.5" for i in range(60)), section="Costs")
    blocks = [text(paragraph(0, 2), "Costs"), big_table, text(paragraph(2, 2), "Costs"), big_image]
    assert count(big_table.text) > 40 and count(big_image.text) > 40

    chunks = chunk(blocks, count)

    assert [c.kind for c in chunks] == [BlockKind.TEXT, BlockKind.TABLE, BlockKind.TEXT, BlockKind.IMAGE]
    assert chunks[1].text == big_table.text and chunks[1].block_orders == [1]
    assert chunks[3].text == big_image.text and chunks[3].block_orders == [3]
    check_invariants(blocks, chunks, count, 40)


@pytest.mark.parametrize("count", COUNTERS)
def test_small_table_is_its_own_chunk_between_small_paragraphs(count):
    blocks = [text(sentence(0)), table([["a", "b"], ["1", "2"]]), text(sentence(1))]
    chunks = chunk(blocks, count, max_tokens=200, overlap=20)
    assert [(c.kind, c.block_orders) for c in chunks] == [
        (BlockKind.TEXT, [0]), (BlockKind.TABLE, [1]), (BlockKind.TEXT, [2])
    ]


# -- merging and splitting -----------------------------------------------------------------


@pytest.mark.parametrize("count", COUNTERS)
def test_short_text_blocks_merge_up_to_max_tokens(count):
    blocks = [text(sentence(i), "Intro") for i in range(12)]
    chunks = chunk(blocks, count, max_tokens=40, overlap=0)

    assert len(chunks) > 1
    assert all(len(c.block_orders) > 1 for c in chunks[:-1])
    # Merged greedily: adding the next chunk's first sentence would have overflowed.
    for current, following in pairwise(chunks):
        first_next = sentences_of(following)[0]
        assert count(current.text) + count(first_next) > 40
    # Paragraphs stay paragraphs inside a chunk.
    assert chunks[0].text == "\n\n".join(sentence(i) for i in chunks[0].block_orders)
    check_invariants(blocks, chunks, count, 40)


@pytest.mark.parametrize("count", COUNTERS)
def test_everything_fits_in_one_chunk_when_small(count):
    blocks = [text(paragraph(0, 2), "A"), text(paragraph(2, 1), "A")]
    chunks = chunk(blocks, count, max_tokens=200, overlap=20)
    assert len(chunks) == 1
    assert chunks[0].block_orders == [0, 1]
    assert chunks[0].text == paragraph(0, 2) + "\n\n" + paragraph(2, 1)


@pytest.mark.parametrize("count", COUNTERS)
def test_long_paragraph_splits_at_sentence_boundaries(count):
    body = paragraph(0, 20)
    blocks = [text(body, "Findings")]
    chunks = chunk(blocks, count, max_tokens=40, overlap=0)

    assert len(chunks) > 2
    all_sentences = split_sentences(body)
    for c in chunks:
        assert c.block_orders == [0]
        assert all(s in all_sentences for s in sentences_of(c)), "a sentence was cut"
    # Without overlap every sentence is in exactly one chunk, in order.
    assert [s for c in chunks for s in sentences_of(c)] == all_sentences
    check_invariants(blocks, chunks, count, 40)


@pytest.mark.parametrize("count", COUNTERS)
def test_sentence_longer_than_a_chunk_is_cut_at_word_boundaries(count):
    giant = "The " + " ".join(f"metric{i} rose" for i in range(80)) + " overnight."
    blocks = [text(sentence(0) + " " + giant + " " + sentence(1), "Spike")]
    assert count(giant) > 40

    chunks = chunk(blocks, count, max_tokens=40, overlap=10)

    assert all(count(c.text) <= 40 for c in chunks)
    all_words = Counter(blocks[0].text.split())
    seen = Counter(w for c in chunks for w in c.text.split())
    assert not all_words - seen, "some words were lost"
    # Cuts fall between words: every chunk's words are words of the paragraph.
    assert set(seen) <= set(all_words)
    # The pieces of the giant sentence keep their order.
    positions = [blocks[0].text.find(f"metric{i} rose") for i in range(80)]
    assert positions == sorted(positions)
    check_invariants(blocks, chunks, count, 40)


# -- overlap -------------------------------------------------------------------------------


def shared_sentences(a: Chunk, b: Chunk) -> list[str]:
    """The longest run of a's trailing sentences that b starts with."""
    sa, sb = sentences_of(a), sentences_of(b)
    for n in range(min(len(sa), len(sb)), 0, -1):
        if sa[-n:] == sb[:n]:
            return sb[:n]
    return []


@pytest.mark.parametrize("count", COUNTERS)
def test_consecutive_chunks_of_a_section_share_sentences_within_the_overlap(count):
    blocks = [text(paragraph(0, 10), "Method"), text(paragraph(10, 10), "Method")]
    overlap = 20
    chunks = chunk(blocks, count, max_tokens=40, overlap=overlap)

    assert len(chunks) >= 3
    for a, b in pairwise(chunks):
        shared = shared_sentences(a, b)
        assert shared, f"chunks {a.order} and {b.order} share nothing"
        assert sum(count(s) for s in shared) <= overlap
        # The overlap is as large as the budget allows: one more sentence would not fit.
        before = sentences_of(a)[: len(sentences_of(a)) - len(shared)]
        if before:
            assert sum(count(s) for s in [before[-1], *shared]) > overlap or (
                sum(count(s) for s in [before[-1], *shared, sentences_of(b)[len(shared)]]) > 40
            )
        # Each chunk still brings something new.
        assert len(sentences_of(b)) > len(shared)
    check_invariants(blocks, chunks, count, 40)


@pytest.mark.parametrize("count", COUNTERS)
def test_overlap_crosses_paragraphs_and_keeps_block_orders(count):
    blocks = [text(paragraph(0, 4), "Method"), text(paragraph(4, 4), "Method")]
    chunks = chunk(blocks, count, max_tokens=40, overlap=12)
    straddling = [c for c in chunks if c.block_orders == [0, 1]]
    assert straddling, [c.block_orders for c in chunks]
    for c in straddling:
        first, second = c.text.split("\n\n")
        assert first in blocks[0].text and second in blocks[1].text


@pytest.mark.parametrize("count", COUNTERS)
def test_no_overlap_across_a_section_change(count):
    blocks = [text(paragraph(0, 9), "One"), text(paragraph(9, 9), "Two")]
    chunks = chunk(blocks, count, max_tokens=40, overlap=20)
    sections = [c.section for c in chunks]
    switch = sections.index("Two")
    assert set(sections[:switch]) == {"One"} and set(sections[switch:]) == {"Two"}
    assert shared_sentences(chunks[switch - 1], chunks[switch]) == []
    assert sentences_of(chunks[switch])[0] == sentence(9)
    assert chunks[switch].block_orders == [1]
    check_invariants(blocks, chunks, count, 40)


@pytest.mark.parametrize("count", COUNTERS)
def test_no_overlap_across_a_table(count):
    blocks = [text(paragraph(0, 6), "Data"), table([["k", "v"], ["x", "1"]], "Data"), text(paragraph(6, 6), "Data")]
    chunks = chunk(blocks, count, max_tokens=40, overlap=20)
    at = next(i for i, c in enumerate(chunks) if c.kind is BlockKind.TABLE)
    after = chunks[at + 1]
    assert sentences_of(after)[0] == sentence(6)
    assert after.block_orders == [2]
    assert not set(sentences_of(chunks[at - 1])) & set(sentences_of(after))
    check_invariants(blocks, chunks, count, 40)


@pytest.mark.parametrize("count", COUNTERS)
def test_zero_overlap_repeats_nothing(count):
    blocks = [text(paragraph(0, 15), "S")]
    chunks = chunk(blocks, count, max_tokens=40, overlap=0)
    every = [s for c in chunks for s in sentences_of(c)]
    assert len(every) == len(set(every)) == 15


@pytest.mark.parametrize("overlap", [40, 41, 100])
def test_overlap_not_smaller_than_max_raises(overlap):
    with pytest.raises(ValueError, match="overlap"):
        chunk_blocks([text("Hello there.")], max_tokens=40, overlap_tokens=overlap, count_tokens=words)


# -- mixed document, block orders and embed text -------------------------------------------


@pytest.mark.parametrize("count", COUNTERS)
def test_mixed_document_keeps_order_and_points_at_the_right_blocks(count):
    blocks = [
        text(paragraph(0, 3), None),
        text(paragraph(3, 7), "Setup"),
        image("Waterfall chart: retrieval 120 ms, rerank 45 ms.", "Setup"),
        text(paragraph(10, 2), "Setup"),
        table([["stage", "p95"], ["retrieval", "120 ms"]], "Results"),
        text(paragraph(12, 12), "Results"),
        text(sentence(24), "Wrap-up"),
    ]
    chunks = chunk(blocks, count, max_tokens=40, overlap=12)
    check_invariants(blocks, chunks, count, 40)
    # Chunks follow the document: block orders never go back (overlap may repeat the last one).
    firsts = [c.block_orders[0] for c in chunks]
    assert firsts == sorted(firsts)
    assert chunks[-1].block_orders == [6] and chunks[-1].section == "Wrap-up"
    kinds = [(c.kind, c.block_orders) for c in chunks if c.kind is not BlockKind.TEXT]
    assert kinds == [(BlockKind.IMAGE, [2]), (BlockKind.TABLE, [4])]


def test_embed_text_carries_the_section():
    chunks = chunk([text("Alpha is here.", "Latency budget"), text("Beta is here.")], words)
    assert chunks[0].section == "Latency budget"
    assert chunks[0].embed_text == "Latency budget\nAlpha is here."
    assert chunks[1].section is None
    assert chunks[1].embed_text == "Beta is here."


def test_table_chunk_embed_text_carries_the_section():
    chunks = chunk([table([["a", "b"]], "Costs")], words)
    assert chunks[0].embed_text == "Costs\n| a | b |"


def test_no_blocks_no_chunks():
    assert chunk_blocks([], max_tokens=40, overlap_tokens=0, count_tokens=words) == []
