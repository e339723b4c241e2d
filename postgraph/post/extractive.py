"""Posts and additions built only from sentences of the evidence. Used when the drafter
cannot be (budget spent) or writes almost nothing, and by the reviser to bring a post that
fact-checking cut short back to length. Every sentence is copied verbatim from a source, so
it passes fact-check and adds no fact the sources do not state."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np

from postgraph.domain import Evidence, Plan
from postgraph.text import body_and_hashtags, split_sentences, word_count

HAS_NUMBER = re.compile(r"\d")
Embed = Callable[[list[str]], list[list[float]]]


def candidate_sentences(evidence: list[Evidence]) -> list[str]:
    """Readable prose sentences of the text evidence (no table rows, headings or bullets)."""
    found: list[str] = []
    for item in evidence:
        if item.block_kind != "text":
            continue
        for sentence in split_sentences(item.text):
            if 6 <= len(sentence.split()) <= 40 and not sentence.startswith(("|", "#", "-")) and sentence not in found:
                found.append(sentence)
    return found


def ranked_sentences(topic: str, evidence: list[Evidence], embed: Embed | None) -> list[str]:
    """Candidate sentences, closest to the topic first; sentences with numbers win ties,
    since concrete facts make better posts."""
    sentences = candidate_sentences(evidence)
    if not sentences:
        return []
    if embed is None:
        return sorted(sentences, key=lambda s: not HAS_NUMBER.search(s))
    vectors = np.array(embed([topic, *sentences]), dtype=np.float32)
    similarity = vectors[1:] @ vectors[0]
    bonus = np.array([0.05 if HAS_NUMBER.search(s) else 0.0 for s in sentences])
    order = np.argsort(-(similarity + bonus))
    return [sentences[i] for i in order]


def extractive_post(plan: Plan, evidence: list[Evidence], embed: Embed | None = None) -> str:
    hook = plan.angle.strip().rstrip(".") + "."
    hook = hook[0].upper() + hook[1:]
    return expand_with_evidence(hook, plan, evidence, embed)


def expand_with_evidence(post: str, plan: Plan, evidence: list[Evidence], embed: Embed | None = None) -> str:
    """Add the evidence sentences closest to the angle, in paragraphs of two, until the post
    reaches its target length (hashtags stay last)."""
    body, tags = body_and_hashtags(post)
    present = {" ".join(s.split()).lower() for s in split_sentences(body)}
    words = word_count(body)
    added: list[str] = []
    for sentence in ranked_sentences(plan.angle, evidence, embed):
        if words >= plan.target_words * 0.9:
            break
        if " ".join(sentence.split()).lower() in present or words + word_count(sentence) > plan.target_words * 1.1:
            continue
        added.append(sentence)
        words += word_count(sentence)
    paragraphs = [body.strip()] + [" ".join(added[i : i + 2]) for i in range(0, len(added), 2)]
    text = "\n\n".join(p for p in paragraphs if p)
    return f"{text}\n\n{' '.join(tags)}" if tags else text
