"""What a number measures: binding, not co-occurrence.

A number in a claim is backed only by the same value stated for the same quantity. Each number
is read with its descriptor: the words of its clause that say what it counts and when ("recall@10
... after the revert", a table row's label and its column header, an OCR line's label). A
claim number is *bound* to a source number of the same value when their descriptors share the
claim's anchors (names, identifiers and acronyms weigh most, an acronym matches its spelled-out
words); it is *contradicted* when a different value of the same kind binds more tightly than
any equal one ("MRR fell from 0.87 to 0.71" against "mean reciprocal rank dropped from 0.64",
when 0.87 belongs to recall@10).

Tolerances a reader accepts: a hedged number ("about", "roughly", "nearly", "over") matches
within 5%, and a percentage or a change in points may be derived from the source's own pair
of values for the same quantity (0.87 -> 0.71 is an 18% or a 16-point fall).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from postgraph.factcheck.facts import Facts, facts_in
from postgraph.factcheck.names import is_proper_name
from postgraph.factcheck.numbers import Number, numbers_equal
from postgraph.factcheck.vocabulary import ACRONYM, DOWN, FUNCTION_WORDS, UNITS, UP

# Where one clause of a sentence ends and the next, about another quantity, begins.
CLAUSE_BREAK = re.compile(
    r";|,\s*(?:and|but|while|whereas|compared with|compared to|versus|vs\.?|against)\s|"
    r"\s(?:and|but|while|whereas|versus|vs\.?)\s|\scompared (?:with|to)\s|\(|\)",
    re.I,
)
# Words before a number that say it is approximate, and which way the true value may lie.
HEDGE = re.compile(
    r"(?:\b(?P<near>about|around|roughly|approximately|close to|some|circa|~)"
    r"|\b(?P<below>nearly|almost|just (?:under|below)|under|less than|below|fewer than)"
    r"|\b(?P<above>just (?:over|above)|(?:a bit|slightly|a little) (?:above|over|more than)|over|more than|above|"
    r"upwards of|at least))\s*[$€£]?\s*$", re.I)
HEDGE_TOLERANCE = 0.05
ARITHMETIC = re.compile(
    r"\b(?:total|combined|together|between them|in all|altogether|sum|left|remaining|rest|difference|gap|"
    r"more than|fewer than|less than|on top of|plus|minus)\b", re.I)
BOUNDED_TOLERANCE = 0.2  # "under 10 ms" for 9 ms; "over 1,200" for 1,240
# Words that say how a value changed or what kind of word it is, not what it measures.
NOT_ANCHORS = FUNCTION_WORDS | UP | DOWN | frozenset(
    "improved improve improves improving recovered recover regressed regress worsened worsen worse better "
    "went go goes going came come got get gets became become moved move moves stayed stay remained "
    "changed change reached hit stood stands hold holds held take takes took has had have show shows showed "
    "showing shown total whole new now just only also even still all".split()
) | frozenset(w for w in UNITS if w.isalpha())
ENTITY_WEIGHT, NUMBER_WEIGHT, CAPITALISED_WEIGHT, WORD_WEIGHT = 3.0, 2.0, 2.0, 1.0
FOREIGN_NAME_PENALTY = 1.5
RIVAL_MARGIN = 1.0  # a rival value must name the claim's quantity by a whole word more than any equal one


@dataclass(frozen=True)
class Occurrence:
    """One number in one sentence, with the words that say what it measures."""

    number: Number
    anchors: dict[str, float]
    sentence: str
    location: tuple[int, int] = (0, 0)
    """(chunk, sentence) of a source occurrence."""
    siblings: tuple[Number, ...] = ()
    """The other numbers of its sentence (or table row)."""
    initials: str = ""
    slot: str = ""
    """A table cell's column header (see `slot`); empty in prose."""
    names: frozenset[str] = frozenset()
    """Keys of the proper names in its descriptor (not acronyms or identifiers)."""


@dataclass
class NumberBinding:
    number: Number
    supported_by: list[Occurrence] = field(default_factory=list)
    rival: Occurrence | None = None
    """A different value bound more tightly than any equal one: a contradiction."""
    derived_from: tuple[Occurrence, Occurrence] | None = None
    same_score: float = 0.0
    rival_score: float = 0.0

    @property
    def bound(self) -> bool:
        return bool(self.supported_by) or self.derived_from is not None


def descriptor(own: str, earlier: str, facts: Facts, number: Number) -> dict[str, float]:
    """The anchor words of `number` (its own words and the earlier clauses of its sentence,
    see `_pieces`), weighted: names and identifiers, other numbers, capitalised words, then
    plain words. Earlier clauses count half: a coordinated clause often leaves its subject out
    ("X started with 38 examples and ended at 0.55")."""
    others = [n for n in facts.numbers if n is not number]
    entities = {e.lower() for e in facts.entities}
    anchors: dict[str, float] = {}
    for piece, factor in ((earlier, 0.5), (own, 1.0)):
        for other in others:  # another number and its unit say nothing about this one
            piece = piece.replace(other.raw, " ")
        for raw in re.findall(r"[A-Za-z][\w@.&'-]*[\w@]|[A-Za-z]|\d[\d,.]*\w*", piece):
            for key, weight in _anchor_words(raw, entities):
                anchors[key] = max(anchors.get(key, 0.0), weight * factor)
    return anchors


SUFFIX = re.compile(r"(?:ments?|ations?|ings?|edly|ed|es|s|ly|ers?)$")


def key(word: str) -> str:
    """A word's key for matching descriptors: common endings and a final e off, then five
    letters (testing ~ test, labeled ~ labels, agreed ~ agreement); identifiers and numbers
    stay whole."""
    if any(ch.isdigit() for ch in word) or len(word) <= 3:
        return word
    root = SUFFIX.sub("", word) if len(word) > 4 else word
    root = root.rstrip("e") if len(root) > 3 else root
    return (root or word)[:5]


def _anchor_words(raw: str, entities: set[str]) -> list[tuple[str, float]]:
    word = raw.lower().rstrip(".,'")
    if word in NOT_ANCHORS or len(word) < 2 and not word.isdigit():
        return []
    if word[0].isdigit():
        return [("#" + word.replace(",", ""), NUMBER_WEIGHT)]
    if word in entities or ACRONYM.fullmatch(raw) or any(ch.isdigit() for ch in word):
        return [(key(word), ENTITY_WEIGHT)]
    if "-" in word:  # "limitation-of-liability" is "limitation of liability"
        found: list[tuple[str, float]] = []
        for part in word.split("-"):
            found.extend(_anchor_words(part, entities))
        return found
    if raw[0].isupper():
        return [(key(word), CAPITALISED_WEIGHT)]  # "Research came second": maybe a name
    return [(key(word), WORD_WEIGHT)]


def _pieces(text: str, number: Number, tabular: bool) -> tuple[str, str]:
    """The text that describes `number`, and the sentence before it: a table row's label and
    the cell's header; or, in prose, the subject of its clause (the words before the clause's
    first number of this kind) and what follows the number up to the next one of its kind
    ("skew incidents dropped from 7 in Q1 to 1 in Q2": 7 is "in Q1", 1 is "in Q2")."""
    if tabular and ":" in text[: number.start]:
        label, _, cells = text.partition(":")
        cell_start = len(label) + 1 + cells[: number.start - len(label) - 1].rfind(";") + 1
        return f"{label} {text[cell_start: number.start]}", ""
    start, end = _clause(text, number)
    kind = [n for n in facts_in(text).numbers if start <= n.start < end and n.unit == number.unit]
    first = min((n.start for n in kind), default=number.start)
    after = min((n.start for n in kind if n.start > number.start), default=end)
    subject = text[start:first] if first < number.start else text[start: number.start]
    return f"{subject} {text[number.end: after]}", text[:start]


def slot(text: str, number: Number, tabular: bool) -> str:
    """What a table cell is the value of, apart from when: its column header; two cells of one
    column can be compared. Empty for a number in prose."""
    if tabular and ":" in text[: number.start]:
        cells = text[: number.start].rsplit(";", 1)[-1].split(":")[-1]
        return " ".join(key(w) for w in re.findall(r"[a-z0-9@]+", cells.lower()) if w not in NOT_ANCHORS)
    return ""


def _clause(text: str, number: Number) -> tuple[int, int]:
    start, end = 0, len(text)
    for match in CLAUSE_BREAK.finditer(text):
        if match.end() <= number.start:
            start = match.end()
        elif match.start() >= number.end:
            end = match.start()
            break
    return start, end


def occurrences_in(text: str, facts: Facts, *, tabular: bool = False,
                   location: tuple[int, int] = (0, 0)) -> list[Occurrence]:
    found = []
    for number in facts.numbers:
        own, earlier = _pieces(text, number, tabular)
        anchors = descriptor(own, earlier, facts, number)
        # First letters of the words that describe the number: "mean reciprocal rank" -> "mrr".
        initials = "".join(w[0] for w in re.findall(r"[a-z0-9]+", own.lower()))
        found.append(Occurrence(number, anchors, text, location, tuple(n for n in facts.numbers if n is not number),
                                initials, slot(text, number, tabular), _proper_names(facts, anchors)))
    return found


def _matches(word: str, weight: float, source: Occurrence) -> bool:
    """A claim anchor is in the source's descriptor, or is an acronym of its words."""
    return word in source.anchors or (weight == ENTITY_WEIGHT and word.isalpha() and len(word) >= 3
                                      and word in source.initials)


def bind_score(claim: Occurrence, source: Occurrence) -> float:
    """How much of what the claim number measures the source number's descriptor names, less
    the names the source gives that the claim does not (it is about someone else's number)."""
    score = sum(weight for word, weight in claim.anchors.items() if _matches(word, weight, source))
    if any(weight >= CAPITALISED_WEIGHT for weight in claim.anchors.values()):
        score -= FOREIGN_NAME_PENALTY * len(source.names - set(claim.anchors))
    return score


def hedge(claim_text: str, number: Number) -> str | None:
    """"near", "below" (the true value is under the claim's) or "above", or None."""
    match = HEDGE.search(claim_text[: number.start])
    return next((kind for kind in ("near", "below", "above") if match and match.group(kind)), None)


def hedged(claim_text: str, number: Number) -> bool:
    return hedge(claim_text, number) is not None


def close_enough(claim: Number, source: Number, how: str | None) -> bool:
    """`source` states `claim`, exactly or within what the claim's hedge allows."""
    if claim.backed_by(source):
        return True
    if how is None or not same_kind(claim, source):
        return False
    a, b = (claim.base, source.base) if claim.known_unit and source.known_unit else (claim.value, source.value)
    if b == 0:
        return False
    if how == "near":
        return abs(a - b) / abs(b) <= HEDGE_TOLERANCE
    if how == "below":
        return b <= a and (a - b) / a <= BOUNDED_TOLERANCE
    return b >= a and (b - a) / a <= BOUNDED_TOLERANCE


def same_kind(claim: Number, source: Number) -> bool:
    """Both count the same kind of thing: the same unit, or a unitless table cell."""
    if claim.unit == source.unit:
        return True
    return source.unit is None and source.tabular


def bind_numbers(claim_text: str, claim_facts: Facts, sources: Sequence[Occurrence]) -> list[NumberBinding]:
    """A binding for every number of the claim against every number occurrence of the evidence."""
    bindings = []
    for occurrence in occurrences_in(claim_text, claim_facts):
        number = occurrence.number
        how = hedge(claim_text, number)
        binding = NumberBinding(number)
        same = [(bind_score(occurrence, s), s) for s in sources if close_enough(number, s.number, how)]
        same_in: dict[str, float] = {}
        for score, s in same:
            same_in[s.sentence] = max(same_in.get(s.sentence, 0.0), score)
        # A rival is another value in the same slot: the same kind, the same place in "from X to
        # Y" when both have one, bound more tightly than the claim's value in its own sentence.
        rivals = [(score, s) for score, s in ((bind_score(occurrence, s), s) for s in sources
                  if same_kind(number, s.number) and _header_fits(number, s) and not close_enough(number, s.number, how)
                  and not numbers_equal(s.number.value, number.value) and _same_place(number, s.number)
                  # the claim's own other value ("from 920 ms to 365 ms") is no rival of 920
                  and not any(close_enough(other, s.number, hedge(claim_text, other)) for other in occurrence.siblings))
                  if score >= same_in.get(s.sentence, -RIVAL_MARGIN) + RIVAL_MARGIN]
        best_same = max((score for score, _ in same), default=0.0)
        anchored = any(w >= ENTITY_WEIGHT for w in occurrence.anchors.values()) or len(occurrence.anchors) >= 2
        if same and (best_same > 0 or (not occurrence.anchors and best_same == 0)):
            binding.supported_by = [s for score, s in same if score == best_same]
            binding.same_score = best_same
        elif same:
            # The clause names nothing of the claim's, but the sentence does: "We held out 600
            # of them for testing" after "4,800 clauses" backs "600 held-out clauses".
            words = [(s, _sentence_overlap(occurrence, s.sentence)) for _, s in same]
            binding.supported_by = [s for s, shared in words if shared]
        # A rival must name at least what the best equal value names of the claim (else it is
        # about something else), unless that equal value belongs to another named subject.
        named = set()
        for score, s in same:
            if score == best_same and not _foreign(occurrence, s):
                named = _matched(occurrence, s)
                break
        rivals = [(score, s) for score, s in rivals if named <= _matched(occurrence, s)]
        best_rival = max(rivals, key=lambda r: r[0], default=None)
        if (best_rival is not None and anchored and best_rival[0] >= best_same + RIVAL_MARGIN
                and _strong(occurrence, best_rival[1])):
            binding.rival, binding.rival_score = best_rival[1], best_rival[0]
        if not binding.bound and binding.rival is None:
            binding.derived_from = derived(claim_text, occurrence, sources)
        bindings.append(binding)
    return bindings


def _matched(claim: Occurrence, source: Occurrence) -> set[str]:
    return {word for word, weight in claim.anchors.items() if _matches(word, weight, source)}


def _foreign(claim: Occurrence, source: Occurrence) -> bool:
    """The source names someone the claim does not (its number is about them)."""
    return bool(source.names - set(claim.anchors))


def _proper_names(facts: Facts, anchors: dict[str, float]) -> frozenset[str]:
    names = set()
    for entity in filter(is_proper_name, facts.entities):
        for word in re.findall(r"[A-Za-z]+", entity):
            if key(word.lower()) in anchors:
                names.add(key(word.lower()))
    return frozenset(names)


def _same_place(claim: Number, source: Number) -> bool:
    """A claim's "from" value is rivalled only by a "from" value (or a table cell), its "to"
    value only by a "to" value: "returned to 11.9%" is not the start of "from 11.3% to 19.8%"."""
    if claim.role is None or source.tabular:
        return True
    return source.role == claim.role


def _sentence_overlap(claim: Occurrence, sentence: str) -> int:
    words = {key(w) for w in re.findall(r"[a-z0-9@]+", sentence.lower()) if w not in NOT_ANCHORS}
    return sum(1 for anchor in claim.anchors if anchor in words)


# Header words that give a table column's unit.
HEADER_UNITS = {"usd": "$", "cost": "$", "eur": "€", "%": "%", "share": "%", "rate": "%", "ms": "s",
                "seconds": "s", "minutes": "s", "hours": "s"}


def _header_fits(claim: Number, source: Occurrence) -> bool:
    """A unitless table cell rivals a claim number only when its row or column names the
    claim's unit ("Cost (USD)" for dollars); a cell of 0.87 is no rival of 18%."""
    if not (source.number.tabular and source.number.unit is None) or claim.unit is None:
        return True
    words = re.findall(r"[a-z%]+", f"{source.slot} {source.sentence.lower().split(':')[0]}")
    if claim.unit.startswith("~"):  # "219,000 chunks" and a column or row "Index size (chunks)"
        return key(claim.unit[1:].split("-")[0]) in {key(w) for w in words}
    return claim.unit in {HEADER_UNITS[w] for w in words if w in HEADER_UNITS}


def _strong(claim: Occurrence, source: Occurrence) -> bool:
    """The rival names what the claim measures: a shared name or identifier, or two words."""
    shared = _matched(claim, source)
    return any(claim.anchors[w] >= ENTITY_WEIGHT for w in shared) or len(shared) >= 2


def derived(claim_text: str, claim: Occurrence, sources: Sequence[Occurrence]) -> tuple[Occurrence, Occurrence] | None:
    """Two source values of the claim's quantity from which the claim's number follows: a
    relative change or a share in % ("dropped by about 18%" from 0.87 -> 0.71; 17 of 18 is
    94%), a change in points, a ratio, a sum or a difference."""
    number = claim.number
    how = hedge(claim_text, number)
    tolerance = HEDGE_TOLERANCE if how else 0.0
    bound = [s for s in sources if _strong(claim, s)]
    for first in bound:
        for second in bound:
            if first is second or first.location[0] != second.location[0]:
                continue
            # One quantity at two moments or two parts: a "from X to Y" pair, one column of a
            # table, or two values of one paragraph.
            if not ((first.sentence == second.sentence and {first.number.role, second.number.role} == {"from", "to"})
                    or (first.slot and first.slot == second.slot)
                    or (not first.slot and not second.slot)):
                continue
            a, b = first.number, second.number
            if a.unit != b.unit or a.value == 0:
                continue
            candidates: list[float] = []
            if number.unit == "%":
                candidates += [abs(b.value - a.value) / abs(a.value) * 100]
                if b.value and a.value <= b.value and a.unit is None:
                    candidates.append(a.value / b.value * 100)
            if number.unit in ("pt", "%") and a.unit in (None, "%"):
                scale = 100 if max(abs(a.value), abs(b.value)) <= 1 else 1
                candidates.append(abs(b.value - a.value) * scale)
            if number.unit == "x" and min(a.value, b.value) > 0:
                candidates.append(max(a.value, b.value) / min(a.value, b.value))
            for value in candidates:
                slack = max(tolerance * number.value, 0.5 if number.unit in ("%", "pt") else 0.0)
                if abs(value - number.value) <= slack or numbers_equal(value, number.value):
                    return first, second
            # Sums and differences, in base units (3 h + 20 min is no 23), only where the claim
            # says it adds or subtracts: small numbers add up to each other by chance.
            if same_kind(number, a) and ARITHMETIC.search(claim_text):
                for value in (a.base + b.base, abs(a.base - b.base)):
                    if abs(value - number.base) <= tolerance * number.base or numbers_equal(value, number.base):
                        return first, second
    return None
