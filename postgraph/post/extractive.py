"""Posts and additions built only from sentences of the evidence: the fallback when the
drafter cannot write (budget spent, almost nothing written, no draft passed fact-check), and
the padding that brings a post cut short by fact-checking back to length.

Every sentence is copied verbatim from one document, the one the post is about, so a
composed post adds no fact the sources do not state and argues one source's idea. It reads
as a post: the sentence closest to the topic that fits above the fold is the hook, the rest
follows in the source's own order, and `finish.finish_post` lays it out and adds hashtags.
Headings, questions, list items and table rows are never taken: copied out of their place
they read as statements they are not.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from postgraph.domain import Evidence, Plan
from postgraph.factcheck.passages import chunk_position
from postgraph.post.edits import repeats
from postgraph.post.finish import HOOK_MAX_CHARS, finish_post
from postgraph.search.focus import main_source
from postgraph.text import body_and_hashtags, sentence_key, split_sentences, word_count

HAS_NUMBER = re.compile(r"\d")
# A sentence a reader can take out of its place: it starts like one and ends with a full stop.
READABLE = re.compile(r"^[\"'“(]?[A-Z0-9].*[.!][\"'”)]?$")
Embed = Callable[[list[str]], list[list[float]]]
MIN_KEPT_SENTENCES = 2
"""A post cut to fewer sentences is replaced by a composed one, not padded."""


def candidate_sentences(evidence: list[Evidence], source: str | None = None) -> list[str]:
    """Readable prose sentences of the text evidence (of `source` only, when given), in the
    document's order: no headings, questions, list items or table rows, none twice."""
    items = [e for e in evidence if e.block_kind == "text" and (source is None or e.source == source)]
    items.sort(key=lambda e: (e.source, chunk_position(e.chunk_id) or 0))
    found: dict[str, str] = {}
    for item in items:
        for sentence in split_sentences(item.text):
            if 6 <= len(sentence.split()) <= 40 and READABLE.match(sentence) and not sentence.startswith("|"):
                found.setdefault(sentence_key(sentence), sentence)
    return list(found.values())


def ranked_sentences(topic: str, sentences: list[str], embed: Embed | None) -> list[str]:
    """`sentences`, closest to the topic first; sentences with numbers win ties, since
    concrete facts make better posts."""
    if not sentences:
        return []
    if embed is None:
        return sorted(sentences, key=lambda s: not HAS_NUMBER.search(s))
    vectors = np.array(embed([topic, *sentences]), dtype=np.float32)
    similarity = vectors[1:] @ vectors[0]
    bonus = np.array([0.05 if HAS_NUMBER.search(s) else 0.0 for s in sentences])
    order = np.argsort(-(similarity + bonus), kind="stable")
    return [sentences[i] for i in order]


def composed_post(plan: Plan, evidence: list[Evidence], embed: Embed | None = None, source: str | None = None) -> str:
    """A post made of the focused source's sentences (see the module doc); "" when that
    source has no readable sentence."""
    source = source or main_source(evidence)
    sentences = candidate_sentences(evidence, source)
    ranked = ranked_sentences(plan.angle, sentences, embed)
    hook = next((s for s in ranked if len(s) <= HOOK_MAX_CHARS), None)
    if hook is None:
        return ""
    chosen = {hook}
    words = word_count(hook)
    for sentence in ranked:
        if words >= plan.target_words * 0.9:
            break
        if sentence not in chosen and words + word_count(sentence) <= plan.target_words * 1.1:
            chosen.add(sentence)
            words += word_count(sentence)
    body = [hook, *(s for s in sentences if s in chosen and s != hook)]
    texts = [e.text for e in evidence if e.source == source]
    return finish_post("\n\n".join([body[0], " ".join(body[1:])]), plan.angle, texts)


def expand_with_evidence(post: str, plan: Plan, evidence: list[Evidence], embed: Embed | None = None,
                         source: str | None = None) -> str:
    """Add the focused source's sentences closest to the angle, in paragraphs of two, until
    the post reaches its target length, in the source's order (hashtags stay last); a post cut
    to almost nothing becomes a composed one."""
    body, tags = body_and_hashtags(post)
    if len(split_sentences(body)) < MIN_KEPT_SENTENCES:
        # Too little left to build on (fact-checking took the rest): a composed post has a hook
        # and the source's order, which one leftover sentence plus quotations would not.
        return composed_post(plan, evidence, embed, source)
    present = split_sentences(body)
    words = word_count(body)
    added: list[str] = []
    sentences = candidate_sentences(evidence, source or main_source(evidence))
    for sentence in ranked_sentences(plan.angle, sentences, embed):
        if words >= plan.target_words * 0.9:
            break
        if repeats(sentence, present) or words + word_count(sentence) > plan.target_words * 1.1:
            continue
        added.append(sentence)
        present.append(sentence)
        words += word_count(sentence)
    added.sort(key=sentences.index)  # in the source's order, as its story goes
    paragraphs = [body.strip()] + [" ".join(added[i : i + 2]) for i in range(0, len(added), 2)]
    text = "\n\n".join(p for p in paragraphs if p)
    return f"{text}\n\n{' '.join(tags)}" if tags else text


def quoted_only(post: str, evidence: list[Evidence]) -> bool:
    """True when every sentence of the post's body is a sentence of the evidence, verbatim."""
    body, _ = body_and_hashtags(post)
    sentences = [sentence_key(s) for s in split_sentences(body)]
    quoted = {sentence_key(s) for item in evidence for s in split_sentences(item.text)}
    return bool(sentences) and all(s in quoted for s in sentences)
