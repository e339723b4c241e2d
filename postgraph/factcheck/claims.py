"""Which sentences of a post are claims: the ones that state checkable facts."""

from __future__ import annotations

import re

from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.names import strip_marker
from postgraph.factcheck.vocabulary import COMPARISON
from postgraph.text import is_hashtag_line, split_sentences, terms


def extract_claims(post: str) -> list[str]:
    """The sentences of a post that state checkable facts, in order.

    A claim carries a number (digits, percentages, money, durations, p95), a date, a name
    (a capitalised name not explained by sentence position, a product with digits or
    CamelCase), a quotation, or a comparison ("from X to Y", "faster than", "3x"). Questions,
    hashtag lines and sentences without any of these (opinions, calls to action, most hooks)
    are not claims. List markers are removed from the returned text.
    """
    claims: list[str] = []
    for sentence in split_sentences(post):
        if is_hashtag_line(sentence):
            continue
        text = strip_marker(sentence).strip()
        text = re.sub(r"\s+#[A-Za-z]\w*(?:\s+#[A-Za-z]\w*)*\s*$", "", text)  # trailing tags
        if not text or text.endswith("?") or len(terms(text)) < 2:
            continue
        facts = facts_in(text)
        if not facts.empty or COMPARISON.search(text.lower()):
            claims.append(text)
    return claims

