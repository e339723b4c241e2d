"""Edits the graph makes to a post in code: clean raw model output, drop sentences, trim to
a word count. None of them adds a word that was not there."""

from __future__ import annotations

import re
from collections.abc import Callable

from postgraph.text import body_and_hashtags, paragraphs, sentence_key, split_sentences, stem, terms, word_count

# Lines a completion model continues with after the post: the next few-shot example.
_TRAILING_SCAFFOLD = re.compile(r"^(?:Notes|Audience|Angle|Length|Post|Earlier draft|Instructions)\s*:", re.M)
_NOTE_LINE = re.compile(r"^\s*\[\d+\]\s")


def clean_model_post(text: str) -> str:
    """The post part of a completion: cut at the first scaffold line, drop note lines, lines
    and sentences said before (small models loop), and a last sentence the token cap cut off."""
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
    post = re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()
    return drop_unfinished_ending(drop_repeated_sentences(post))


NEAR_MIN_TERMS = 4
NEAR_SHARE = 0.7
_LIST_MARKER = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_FINISHED = re.compile(r"[.!?…:;\"'”’)\]]\s*$")


def drop_repeated_sentences(post: str) -> str:
    """The post without any sentence it already said, word for word or nearly (see `repeats`)."""
    said: list[str] = []

    def first_time(sentence: str) -> bool:
        if repeats(sentence, said):
            return False
        said.append(sentence)
        return True

    return keep_sentences(post, first_time)


def repeats(sentence: str, said: list[str]) -> bool:
    """True when `sentence` says again one of `said`: the same words (list markers and case
    aside), or, for sentences of at least NEAR_MIN_TERMS content words, NEAR_SHARE of their
    stems in common ("Training data is rebuilt ..." and "Train data is rebuilt ...")."""
    key = sentence_key(_LIST_MARKER.sub("", sentence))
    if not key:
        return False
    own = _stems(sentence)
    for earlier in said:
        if key == sentence_key(_LIST_MARKER.sub("", earlier)):
            return True
        other = _stems(earlier)
        if min(len(own), len(other)) >= NEAR_MIN_TERMS and len(own & other) >= NEAR_SHARE * len(own | other):
            return True
    return False


def _stems(sentence: str) -> set[str]:
    return {stem(term) for term in terms(sentence)}


def drop_unfinished_ending(post: str) -> str:
    """The post without a last body sentence that stops mid-way (no closing punctuation: the
    completion ran out of tokens); a post of one sentence is left as it is."""
    body, tags = body_and_hashtags(post)
    sentences = split_sentences(body)
    if len(sentences) < 2 or _FINISHED.search(sentences[-1]):
        return post
    trimmed = remove_sentences(body, [sentences[-1]])
    return f"{trimmed}\n\n{' '.join(tags)}" if tags else trimmed


def remove_sentences(post: str, sentences: list[str]) -> str:
    """The post without the given sentences (as fact-check quoted them); lines and paragraphs
    that become empty disappear."""
    if not sentences:
        return post
    targets = {sentence_key(s) for s in sentences}
    # Claims come back from fact-checking without list markers or hashtags: match by containment.
    return keep_sentences(post, lambda sentence: not any(t and t in sentence_key(sentence) for t in targets))


def keep_sentences(post: str, keep: Callable[[str], bool]) -> str:
    """The post with only the sentences `keep` accepts, in order; each line and paragraph keeps
    its place, and those left empty disappear."""
    kept_paragraphs = []
    for paragraph in paragraphs(post):
        kept_lines = []
        for line in paragraph.splitlines():
            kept = [sentence for sentence in split_sentences(line) if keep(sentence)]
            if kept:
                kept_lines.append(" ".join(kept))
        if kept_lines:
            kept_paragraphs.append("\n".join(kept_lines))
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

