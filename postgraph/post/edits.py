"""Edits the graph makes to a post in code: clean raw model output, drop sentences, trim to
a word count. None of them adds a word that was not there."""

from __future__ import annotations

import re

from postgraph.text import body_and_hashtags, paragraphs, split_sentences, word_count

# Lines a completion model continues with after the post: the next few-shot example.
_TRAILING_SCAFFOLD = re.compile(r"^(?:Notes|Audience|Angle|Length|Post|Earlier draft|Instructions)\s*:", re.M)
_NOTE_LINE = re.compile(r"^\s*\[\d+\]\s")


def clean_model_post(text: str) -> str:
    """The post part of a completion: cut at the first scaffold line, drop note lines and
    lines repeated verbatim (small models loop)."""
    match = _TRAILING_SCAFFOLD.search(text)
    text = text[: match.start()] if match else text
    kept: list[str] = []
    seen: set[str] = set()
    for line in text.splitlines():
        key = line.strip().lower()
        if _NOTE_LINE.match(line) or (key and key in seen):
            continue
        seen.add(key)
        kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def remove_sentences(post: str, sentences: list[str]) -> str:
    """The post without the given sentences (as fact-check quoted them); paragraphs that
    become empty disappear."""
    if not sentences:
        return post
    targets = {_key(s) for s in sentences}
    kept_paragraphs = []
    for paragraph in paragraphs(post):
        # Claims come back from fact-checking without list markers or hashtags: match by containment.
        kept = [s for s in split_sentences(paragraph) if not any(t and t in _key(s) for t in targets)]
        if kept:
            kept_paragraphs.append("\n".join(kept) if "\n" in paragraph else " ".join(kept))
    return "\n\n".join(kept_paragraphs)


def trim_to_words(post: str, max_words: int) -> str:
    """Drop whole sentences from the end of the body (hashtags kept) until the post fits."""
    body, tags = body_and_hashtags(post)
    if word_count(body) <= max_words:
        return post
    blocks = [split_sentences(p) for p in paragraphs(body)]
    while blocks and word_count(" ".join(s for b in blocks for s in b)) > max_words:
        blocks[-1].pop()
        if not blocks[-1]:
            blocks.pop()
    trimmed = "\n\n".join(" ".join(b) for b in blocks)
    return f"{trimmed}\n\n{' '.join(tags)}" if tags else trimmed


def _key(sentence: str) -> str:
    return " ".join(sentence.split()).strip().lower()
