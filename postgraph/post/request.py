"""What code can read from a request before any model does: the length, the audience, the
facts the user insists on, the topic, and the request's premises.

A premise is a factual statement the request takes for granted: "how recall@10 fell to 0.42
after the chunking change" assumes recall fell to 0.42; "announcing that we raised 48 million
dollars from Sequoia" assumes the raise. A clause is a premise when it states something code
can check (a number, a name, a date); a clause that only names a subject ("the vendor we
chose", "why evals matter") is not. A reference to a source ("from Marisol Quenby's
newsletter") picks the source and is no premise. Premises are checked against the sources like
claims in a post (nodes/check_request.py).
"""

from __future__ import annotations

import re

from postgraph.factcheck.facts import facts_in
from postgraph.text import unique_ignoring_case

WORDS = re.compile(r"\b(\d{2,3})\s*(?:-| )?words?\b", re.I)
AUDIENCE = re.compile(r"\bfor\s+(?!(?:the|a|an|our|my|their|its|under|over|every|each|one|two|drift)\b)([A-Za-z][\w-]*(?:\s+[A-Za-z][\w-]*){0,3}?)(?=\s*[,.;:]|\s+(?:about|with|in|on|that|who|\d)|\s*$)", re.I)
# "include one number", "mention the 40% drop", "say that X": what the user insists on.
REQUESTED = re.compile(r"\b(?:include|mention|cite|quote|say that|state that)\s+([^,.;]+)", re.I)
# "include one number" asks for a kind of content, not for a particular fact.
GENERIC_REQUEST = re.compile(
    r"^(?:a|an|one|two|three|some|\d+)\s+(?:concrete\s+|real\s+|specific\s+)?"
    r"(?:numbers?|statistics?|stats?|figures?|data points?|examples?|metrics?|facts?)$", re.I)
# The asking around the topic: "write a short LinkedIn post about", "explain", "walk through".
TOPIC = re.compile(r"^\s*(?:(?:write|explain|describe|share|walk\s+through|summari[sz]e)\s+)?(?:about\s+)?"
                   r"(?:(?:a|an|one)?\s*(?:short\s+|brief\s+|quick\s+)?(?:linkedin\s+)?post\s+"
                   r"(?:(?:about|on|with|announcing|celebrating|explaining|saying|summari[sz]ing|walking\s+through)\s+)?)?"
                   r"(?:that\s+)?", re.I)
# Terms of the trade, not names: a clause naming only these states nothing checkable.
COMMON_TERMS = frozenset("ml ai llm llms gpu gpus cpu cpus api apis rag mlops int8 int4 fp16 sql json ci linkedin".split())
# Where one premise ends and the next begins: ";", ":", a comma, or "and" before a new subject.
CLAUSE_BREAK = re.compile(r"\s*(?:[;:]|,\s*(?:and\s+)?|\s+and\s+(?=(?:how|why|what|when|the|our|we|their|its|it)\b))\s*",
                          re.I)
# The words that make a clause a question about the premise rather than the premise itself.
QUESTION_LEAD = re.compile(r"^(?:how\s+(?:much|many|long|often|far)|how|why|what|when|where|whether|that)\s+", re.I)
SOURCE_REFERENCE = re.compile(r"^(?:from|in|according to)\b.*\b(?:newsletter|issue|post|note|notes|article|review|"
                              r"report|memo|writeup|write-up|card)\b", re.I)


def topic_of(request: str) -> str:
    topic = request.strip()
    for pattern in (WORDS, REQUESTED, AUDIENCE):
        topic = pattern.sub("", topic)
    topic = TOPIC.sub("", re.sub(r"\s{2,}", " ", topic).strip(" ,.;:")).strip(" ,.;:")
    # Removing "in 120 words" or "for SREs" can leave a dangling preposition behind.
    topic = re.sub(r"(?:\s+\b(?:in|for|with|about|on|of)\b)+$", "", topic, flags=re.I)
    return topic or request.strip()


def requested_facts(request: str) -> list[str]:
    return [fact for m in REQUESTED.finditer(request) if not GENERIC_REQUEST.match(fact := m.group(1).strip())]


def request_clauses(request: str) -> list[str]:
    """The topic's clauses, question words removed ("how much our migration cost" -> "our
    migration cost"), references to a source left out."""
    clauses = [QUESTION_LEAD.sub("", clause).strip(" ,.;:?") for clause in CLAUSE_BREAK.split(topic_of(request))]
    return [c for c in clauses if c and not SOURCE_REFERENCE.match(c)]


def is_premise(clause: str) -> bool:
    return len(clause.split()) >= 3 and _checkable(clause)


def request_premises(request: str) -> list[str]:
    """The request's premises (see the module doc), the facts it asks to include first."""
    return unique_ignoring_case([*requested_facts(request), *filter(is_premise, request_clauses(request))])


def read_request(request: str, default_words: int) -> dict:
    words = WORDS.search(request)
    audience = AUDIENCE.search(request)
    return {
        "target_words": max(30, min(500, int(words.group(1)))) if words else default_words,
        "audience": audience.group(1).strip() if audience else "professionals on LinkedIn",
        "requested_facts": requested_facts(request),
        "premises": request_premises(request),
        "topic": topic_of(request),
    }


def _checkable(clause: str) -> bool:
    facts = facts_in(clause)
    return bool(facts.numbers or facts.dates or any(e.lower() not in COMMON_TERMS for e in facts.entities))
