"""Which sentences of a post are claims.

Every sentence is a claim, and gets checked, unless it states no fact. Code decides that with
rules, and says which kind each non-claim is, so nothing is skipped silently:

    hashtags         a line of hashtags
    question         a question that states no fact ("What would you measure first?")
    call_to_action   an imperative that states no fact ("Measure your retrieval before you tune it.")
    opinion          a judgement that states no fact ("Evals are underrated.", "I think ...")

A question that states a fact is a claim ("Did you know recall@10 fell from 0.87 to 0.42?"
is checked as "recall@10 fell from 0.87 to 0.42"). A sentence with a number, a date or a
quotation is always a claim, whatever else it says; a name alone does not make a question, an
instruction or a general lesson one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from postgraph.domain import SentenceKind
from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.names import is_proper_name, strip_marker
from postgraph.text import is_hashtag_line, split_sentences, terms

TRAILING_TAGS = re.compile(r"\s+#[A-Za-z]\w*(?:\s+#[A-Za-z]\w*)*\s*$")
# "Did you know ...?", "Guess what: ...": a question whose answer is the fact it carries.
FACTIVE_QUESTION = re.compile(
    r"^(?:did you know(?: that)?|have you heard(?: that)?|would you believe(?: that)?|"
    r"guess what[:,]?|fun fact[:,]?|remember when)\s+", re.I)
# First words of an instruction to the reader.
IMPERATIVES = frozenset(
    "try start stop ship build measure write keep make share comment tell ask join follow read check "
    "add put give treat don't dont do let's lets consider remember go pick plan test track watch learn "
    "drop reach dm subscribe repost save bookmark run invest automate document review label audit "
    "version pin log gate set define benchmark profile".split()
)
OPINION = re.compile(
    r"\b(?:i|we)\s+(?:think|believe|feel|bet|suspect|reckon|would argue|'d argue|love|hate|prefer)\b"
    r"|\bin my (?:view|opinion|experience)\b|\bmy (?:take|two cents|advice)\b|\bimho\b|\bimo\b|\bto me\b"
    r"|\b(?:should|must|ought to|need to|have to)\b|\bworth (?:it|every|the)\b"
    r"|\b(?:underrated|overrated|underappreciated|non-negotiable|table stakes|game[- ]changer)\b"
    r"|\bthe (?:lesson|takeaway|moral|point|real win|real cost|trick)\b"
    r"|\b(?:is|are) (?:key|everything|not optional|the whole game|what matters)\b"
    r"|\b(?:best|worst|cheapest|easiest|hardest|sneakiest|most important|biggest mistake)\b"
    r"|^not every\b|\b(?:worse|better) than (?:no|none|nothing)\b"
    r"|\bmatters?\b|\bbeats?\b|\bhonestly\b",
    re.I,
)
# "Before you rent another GPU, benchmark ...": an instruction after a leading clause.
LATE_IMPERATIVE = re.compile(r"^(?:before|if|when)\b[^,]*,\s*(?:" + "|".join(sorted(IMPERATIVES)) + r")\b", re.I)
# Addressed to the reader: with no fact in it, advice or a judgement.
SECOND_PERSON = re.compile(r"\b(?:you|your|yours|you're|you've)\b", re.I)
# A lesson stated as a general truth ("Cheap evals catch quiet failures."): a present-tense
# sentence whose subject is a bare noun phrase, not a particular team, system or event.
SPECIFIC_OPENERS = frozenset(
    "the our my we i us this that these those their his her its it they he she nobody no none every "
    "each both one last next yesterday today after before when in on at since during we're we've i'm "
    "it's they're there's".split()
)
FIRST_PERSON = re.compile(r"\b(?:we|our|us|ours|we're|we've|i|my|i'm)\b", re.I)
PAST_TENSE = re.compile(
    r"\b(?:\w+ed|was|were|had|did|went|fell|rose|took|made|ran|saw|found|broke|caught|hit|left|lost|"
    r"got|gave|grew|kept|led|paid|said|sent|spent|told|won|wrote|began|became|came|cut|shut|set|put|"
    r"shrank|sank|drove|knew|thought|brought|bought|built|held|met|read|sold|stood|understood)\b", re.I)
# Marks of a statement about a particular system, time or amount, not a general lesson:
# "Reranking takes roughly half a second at p95", "Alerts still page right away".
PARTICULAR = re.compile(
    r"\b(?:now|still|currently|today|anymore|no longer|once|every (?:day|night|week|month|morning)|"
    r"half|third|quarter|double|twice|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"[a-z]+\d[\w@.-]*|\d[\w@.-]*[a-z])\b", re.I)
# Words that carry no content of their own in a short sentence ("Here is how.").
FILLER = frozenset("here how why what this that so now then just there thing things".split())


@dataclass(frozen=True)
class Sentence:
    text: str
    """The sentence as written, without a list marker or trailing hashtags."""
    kind: SentenceKind
    claim: str = ""
    """What gets checked (for a claim): the sentence, or the fact a question states."""


def split_claims(post: str) -> list[Sentence]:
    """Every sentence of a post, in order, with its kind (see the module doc)."""
    found: list[Sentence] = []
    for raw in split_sentences(post):
        if is_hashtag_line(raw):
            found.append(Sentence(raw.strip(), "hashtags"))
            continue
        text = TRAILING_TAGS.sub("", strip_marker(raw).strip()).strip()
        if not text:
            continue
        found.append(classify(text))
    return found


def classify(text: str) -> Sentence:
    """A sentence's kind. Numbers, dates and quotations always make a claim; names alone do not
    (a question or a lesson about "GPUs" or "RAG" states nothing about a source), unless the
    sentence is a statement about something particular."""
    hard = _states_hard_fact(text)
    if text.endswith("?"):
        statement = FACTIVE_QUESTION.sub("", text.rstrip("?").strip()).strip()
        factive = statement != text.rstrip("?").strip()
        if factive or hard:
            return Sentence(text, "claim", _capitalised(statement))
        return Sentence(text, "question")
    if hard:
        return Sentence(text, "claim", text)
    first = (re.findall(r"[A-Za-z']+", text) or [""])[0].lower()
    if first in IMPERATIVES or LATE_IMPERATIVE.search(text):
        return Sentence(text, "call_to_action")
    if OPINION.search(text) or SECOND_PERSON.search(text) or len(set(terms(text)) - FILLER) < 2:
        return Sentence(text, "opinion")
    if first not in SPECIFIC_OPENERS and not PAST_TENSE.search(text) and not FIRST_PERSON.search(text) \
            and not any(map(is_proper_name, facts_in(text).entities)) and not PARTICULAR.search(text):
        return Sentence(text, "opinion")
    return Sentence(text, "claim", text)


def _states_hard_fact(text: str) -> bool:
    facts = facts_in(text)
    return bool(facts.numbers or facts.dates or facts.quotes)


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


# Where a claim joins a second fact to the first: a cause or a consequence. Each part must
# hold on its own ("recall fell from 0.87 to 0.71, so the release shipped anyway").
CONNECTIVE = re.compile(
    r",?\s+(?:so(?: that)?|because(?: of)?|since|thanks to|due to|which (?:led|leads) to|leading to|"
    r"as a result|which is why|and so|therefore)\s+", re.I)


def claim_parts(claim: str) -> list[str]:
    """The facts a claim joins with a cause or consequence, each to be checked on its own;
    a part that states no fact (an opinion, "so we celebrated") is left out."""
    pieces = [p.strip(" ,.;") for p in CONNECTIVE.split(claim) if p.strip(" ,.;")]
    if len(pieces) < 2:
        return [claim]
    parts = [_capitalised(p) for p in pieces if classify(_capitalised(p)).kind == "claim"]
    return parts or [claim]


def extract_claims(post: str) -> list[str]:
    """The statements of a post to check, in order."""
    return [sentence.claim for sentence in split_claims(post) if sentence.kind == "claim"]
