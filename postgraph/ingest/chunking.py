"""Block-aware chunking: text blocks merge and split with overlap; tables and images never split.

Blocks and chunks are named after their document and position (`block_id`, `chunk_id`), so an
id alone says where a citation comes from and re-indexing a chunk overwrites it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from postgraph.ingest.documents import Block, BlockKind

SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(\[])")


def block_id(document_id: str, order: int) -> str:
    return f"{document_id}:b{order:04d}"


def chunk_id(document_id: str, order: int) -> str:
    return f"{document_id}:c{order:04d}"


@dataclass
class Chunk:
    order: int
    kind: BlockKind
    text: str
    block_orders: list[int] = field(default_factory=list)
    section: str | None = None

    @property
    def embed_text(self) -> str:
        """What the embedding model reads: the section heading gives a paragraph its topic."""
        return f"{self.section}\n{self.text}" if self.section else self.text


def split_sentences(text: str) -> list[str]:
    return [s for s in SENTENCE_END.split(text.strip()) if s]


def chunk_blocks(
    blocks: list[Block],
    *,
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: Callable[[str], int],
) -> list[Chunk]:
    if overlap_tokens >= max_tokens:
        raise ValueError("chunk overlap must be smaller than the chunk size")
    chunks: list[Chunk] = []
    # Pending text: (sentence, block order, tokens), all from one section.
    pending: list[tuple[str, int, int]] = []
    pending_section: str | None = None
    fresh = 0  # sentences in `pending` that no earlier chunk carried

    def emit(kind: BlockKind, text: str, orders: list[int], section: str | None) -> None:
        chunks.append(Chunk(len(chunks), kind, text, sorted(set(orders)), section))

    def flush(keep_overlap: bool) -> None:
        nonlocal pending, fresh
        if fresh:
            emit(BlockKind.TEXT, _join(pending), [o for _, o, _ in pending], pending_section)
        carried: list[tuple[str, int, int]] = []
        if keep_overlap and fresh:
            budget = overlap_tokens
            for sentence in reversed(pending):
                if sentence[2] > budget:
                    break
                carried.insert(0, sentence)
                budget -= sentence[2]
        pending, fresh = carried, 0

    for order, block in enumerate(blocks):
        if block.kind is not BlockKind.TEXT:
            flush(keep_overlap=False)
            emit(block.kind, block.text, [order], block.section)
            continue
        if block.section != pending_section:
            flush(keep_overlap=False)
            pending_section = block.section
        for sentence in _pieces(block.text, max_tokens, count_tokens):
            tokens = count_tokens(sentence)
            if fresh and sum(t for _, _, t in pending) + tokens > max_tokens:
                flush(keep_overlap=True)
                while pending and sum(t for _, _, t in pending) + tokens > max_tokens:
                    pending.pop(0)
            pending.append((sentence, order, tokens))
            fresh += 1
    flush(keep_overlap=False)
    return chunks


def _pieces(text: str, max_tokens: int, count_tokens: Callable[[str], int]) -> list[str]:
    """Sentences of a paragraph; a sentence longer than a chunk is cut at word boundaries."""
    pieces: list[str] = []
    for sentence in split_sentences(text):
        if count_tokens(sentence) <= max_tokens:
            pieces.append(sentence)
            continue
        words, current = sentence.split(), []
        for word in words:
            if current and count_tokens(" ".join([*current, word])) > max_tokens:
                pieces.append(" ".join(current))
                current = []
            current.append(word)
        if current:
            pieces.append(" ".join(current))
    return pieces


def _join(sentences: list[tuple[str, int, int]]) -> str:
    """Sentences of one block join with a space, blocks with a blank line (paragraphs stay)."""
    parts: list[str] = []
    previous = None
    for sentence, order, _ in sentences:
        if parts:
            parts.append("\n\n" if order != previous else " ")
        parts.append(sentence)
        previous = order
    return "".join(parts)
