"""Which source a post is about. A post argues one idea from one newsletter: the one the
request names (its title, else its author), else the one the retrieved evidence comes from most,
by summed score. A request for a comparison or a roundup has no single focus: its evidence
is grouped by source, so each source's notes read as their own point.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Sequence

from postgraph.domain import Evidence
from postgraph.text import terms

ROUNDUP = re.compile(
    r"\b(?:compar(?:e|es|ed|ing|ison)|versus|vs\.?|round-?up|contrast|"
    r"across\s+(?:the|these|our|all|my)\s+(?:\w+\s+)?(?:newsletters|issues|sources|posts|notes)|"
    r"each\s+(?:of\s+the\s+)?(?:newsletters?|issues?|sources?)|"
    r"all\s+(?:of\s+)?(?:the\s+|these\s+|our\s+|my\s+)?(?:newsletters|issues|sources))\b", re.I)
TITLE_MATCH = 0.8
"""Share of a title's content words the request must contain for the title to count as named."""


def is_roundup(request: str) -> bool:
    return bool(ROUNDUP.search(request))


def main_source(evidence: Sequence[Evidence]) -> str | None:
    """The source most of the evidence comes from, by summed retrieval score (first on ties)."""
    totals: dict[str, float] = defaultdict(float)
    for item in evidence:
        totals[item.source] += max(item.score, 1e-6)
    return max(totals, key=lambda source: totals[source]) if totals else None


def named_sources(request: str, evidence: Sequence[Evidence]) -> list[str]:
    """Sources whose title the request names, else those whose author (full or last name) it
    names, in evidence order."""
    lowered = request.lower()
    wanted = set(terms(request))
    by_title, by_author = [], []
    for item in evidence:
        title_terms = set(terms(item.title))
        if title_terms and len(title_terms & wanted) >= TITLE_MATCH * len(title_terms):
            by_title.append(item.source)
        author = (item.author or "").strip()
        if author and (author.lower() in lowered or _last_name_in(author, lowered)):
            by_author.append(item.source)
    return list(dict.fromkeys(by_title or by_author))


def focus_source(request: str, evidence: Sequence[Evidence]) -> str | None:
    """The source the post is about (see the module doc); None for a roundup or no evidence."""
    if is_roundup(request) or not evidence:
        return None
    named = named_sources(request, evidence)
    return main_source([item for item in evidence if item.source in named] if named else evidence)


def grouped_by_source(evidence: Sequence[Evidence]) -> list[Evidence]:
    """The evidence with each source's chunks together, sources in order of first appearance."""
    order: dict[str, int] = {}
    for item in evidence:
        order.setdefault(item.source, len(order))
    return sorted(evidence, key=lambda item: order[item.source])


def _last_name_in(author: str, lowered_request: str) -> bool:
    last = author.split()[-1].lower()
    return len(last) >= 3 and re.search(rf"\b{re.escape(last)}\b", lowered_request) is not None
