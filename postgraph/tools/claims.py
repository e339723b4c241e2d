"""Deterministic claim checking: which sentences of a post state facts, which numbers and names
they carry, and whether the evidence chunks back them.

The checker trusts code for what code can see and uses the embedding model only to decide
whether a passage talks about the same thing:

* every number of a claim must appear in the supporting chunk, compared as normalized values
  (1,200 == 1200, 12% == 12 percent, .5 == 0.5, $1.2k == $1,200, 1.5 seconds == 1,500 ms),
  and all of them inside one passage of at most three consecutive sentences (or one table
  row read with its header), so numbers picked from unrelated paragraphs do not add up to a
  fact;
* every name (people, companies, products, identifiers such as p95, INT8, lf-embed-v3) and
  every date (years, months, quarters) must appear in the chunk or elsewhere in the same
  document (its title and its other evidence chunks): a paragraph about "the bank" belongs
  to the document that names Fernhollow Bank;
* that passage must be close in meaning to the claim (embedding cosine similarity, or
  term overlap when no embedding model is given);
* a close passage about the same subject that gives other numbers, moves the other way
  (rose / fell), ranks differently (largest / second), states another cadence (monthly /
  each quarter), another share (all 18 / 17 of 18; most / a minority) or gives the claim's
  "after" number as its "before" number, contradicts the claim.

Nothing here loads a model: the caller passes `embed` (a batch function), or None.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from itertools import pairwise

import numpy as np

from postgraph.graph.state import ClaimCheck, Evidence
from postgraph.tools.post_text import is_hashtag_line, split_sentences, stem, unique_ignoring_case
from postgraph.tools.sparse_embeddings import terms

Embed = Callable[[list[str]], list[list[float]]]

# -- calibration ------------------------------------------------------------------------------
#
# Measured on the 17 sample files and the 106 claims of samples/facts.json (74 true, 32
# false; tests/integration/tools/test_claims_on_samples.py), chunks of 200 word pieces as
# ingestion makes them, the whole corpus as evidence, all-MiniLM-L6-v2 int8 (cosine). Best
# passage that passes every code check (numbers, names, dates, conflicts):
#
#   claim rests on                        true claims        false claims
#   specific numbers (1,240; 0.87; $168)  0.47 - 0.97        0.29 (1 claim; 19 fail on numbers)
#   only weak numbers (4 minutes, two)    0.60 - 0.93        up to 0.49 (2 fail on numbers)
#   no numbers                            (none in the set)  0.41 - 0.67
#
# Hence 0.40 for specific numbers (the numbers do the work; the bar only rejects passages
# about something else), 0.55 for weak numbers (between 0.49 and 0.60), 0.70 for claims
# without numbers (above every false one), 0.55 for a passage close enough to contradict.
# The false claims that pass every number and name check ("GPU spend rose", "most pages were
# about model quality", "the Research team was the largest") are caught by the direction,
# share and rank checks, not by the thresholds. Without a model the share of the claim's
# content words found in the passage and its document title stands in: true 0.56-1.0 /
# false <= 0.33 with specific numbers, true 0.70-1.0 / false <= 0.57 with weak numbers,
# false <= 0.75 without numbers; hence 0.50 / 0.65 / 0.80.


@dataclass(frozen=True)
class Thresholds:
    """How close a passage must be: to back a claim with specific numbers (or a quote), one
    resting only on weak numbers (small or spelled out), one with no numbers at all; and to
    contradict a claim."""

    support: float
    weak_support: float
    plain_support: float
    contradiction: float


EMBEDDING_THRESHOLDS = Thresholds(support=0.40, weak_support=0.55, plain_support=0.70, contradiction=0.55)
OVERLAP_THRESHOLDS = Thresholds(support=0.50, weak_support=0.65, plain_support=0.80, contradiction=0.60)
MAX_WINDOW = 3  # sentences in one evidence passage
# A claim with numbers whose content words are (nearly) all in the passage needs only the
# lowest similarity bar: false claims with numbers in the sample set reach 0.57 overlap.
STRONG_OVERLAP = 0.75

# -- vocabularies -----------------------------------------------------------------------------

NUMBER_WORDS = {
    "zero": 0, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90, "hundred": 100, "dozen": 12,
}
# "one" is left out on purpose: "one of", "one CPU node" == "a single CPU node".
MULTIPLIERS = {
    "k": 1e3, "thousand": 1e3, "m": 1e6, "mn": 1e6, "million": 1e6, "b": 1e9, "bn": 1e9,
    "billion": 1e9, "trillion": 1e12,
}
CURRENCY_SYMBOLS = {"$": "$", "€": "€", "£": "£"}
# unit word -> (canonical unit, factor to the base unit)
UNITS: dict[str, tuple[str, float]] = {
    "%": ("%", 1), "percent": ("%", 1), "pct": ("%", 1),
    "point": ("pt", 1), "points": ("pt", 1), "pts": ("pt", 1), "pp": ("pt", 1),
    "ms": ("s", 1e-3), "millisecond": ("s", 1e-3), "milliseconds": ("s", 1e-3),
    "s": ("s", 1), "sec": ("s", 1), "secs": ("s", 1), "second": ("s", 1), "seconds": ("s", 1),
    "min": ("s", 60), "mins": ("s", 60), "minute": ("s", 60), "minutes": ("s", 60),
    "h": ("s", 3600), "hr": ("s", 3600), "hrs": ("s", 3600), "hour": ("s", 3600),
    "hours": ("s", 3600), "day": ("s", 86400), "days": ("s", 86400),
    "week": ("s", 604800), "weeks": ("s", 604800),
    "month": ("month", 1), "months": ("month", 1), "year": ("year", 1), "years": ("year", 1),
    "yr": ("year", 1), "yrs": ("year", 1),
    "kb": ("B", 1e3), "mb": ("B", 1e6), "gb": ("B", 1e9), "tb": ("B", 1e12),
    "x": ("x", 1), "×": ("x", 1), "times": ("x", 1), "fold": ("x", 1),
    "usd": ("$", 1), "dollar": ("$", 1), "dollars": ("$", 1), "eur": ("€", 1),
    "euro": ("€", 1), "euros": ("€", 1), "gbp": ("£", 1),
}
# Words skipped between a number and its unit ("two full days", "3 more points").
UNIT_FILLERS = frozenset("full whole straight consecutive more extra additional fewer".split())
FUNCTION_WORDS = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or that the their "
    "then there these this to was we were what when which with our you your per than about "
    "around over under after before since until while each every all most some any no not "
    "only just also so if up down out off new old same other".split()
)
MONTHS = {
    "january": "january", "february": "february", "march": "march", "april": "april",
    "may": "may", "june": "june", "july": "july", "august": "august", "september": "september",
    "october": "october", "november": "november", "december": "december", "jan": "january",
    "feb": "february", "mar": "march", "apr": "april", "jun": "june", "jul": "july",
    "aug": "august", "sep": "september", "sept": "september", "oct": "october",
    "nov": "november", "dec": "december",
}
MONTH_NAMES = tuple(list(MONTHS)[:12])
WEEKDAYS = frozenset("monday tuesday wednesday thursday friday saturday sunday".split())
ORDINAL_QUARTERS = {"first": "q1", "second": "q2", "third": "q3", "fourth": "q4"}
# Capitalised words that start sentences or clauses without naming anything.
LEADING_WORDS = frozenset(
    "the a an our my we i you they he she it this that these those each every after before "
    "when while in on at for with how why what where who all most some many no not if once "
    "since during by from to of as here there today yesterday tomorrow then so but and or "
    "its their your his her".split()
)
# Everyday acronyms name nobody: a claim may use them without the source doing so.
GENERIC_ACRONYMS = frozenset("AI ML LLM API UI UX KPI ROI FAQ CEO CTO CFO".split())
SHOUTED = frozenset("NOT THIS ALL NEVER ALWAYS ONLY STOP NO YES BIG NEW OK FYI IMO TL DR TLDR PS".split())

# Words for a change going up or down. "slower" / "faster" count as time going up / down.
UP = frozenset(
    "rose rise rises rising risen increase increased increases increasing grew grow grows "
    "growing grown raise raised raises raising jumped jump jumps climbed climb climbs doubled "
    "tripled surged surge spiked higher slower gained".split()
)
DOWN = frozenset(
    "fell fall falls falling fallen drop dropped drops dropping decrease decreased decreases "
    "declined decline shrank shrunk shrink cut cuts cutting reduced reduce reduces lowered "
    "lower halved trimmed trimming slashed plunged faster".split()
)
MANY = re.compile(r"\b(?:most of|majority|mostly|all of|all \d|every one|nearly all|almost all)\b")
FEW = re.compile(r"\b(?:minority|only \d|only a few|few of|a fraction of|none of)\b")
FIRST_RANK = re.compile(r"\b(?:largest|biggest|highest|most|top|leading|number one|no\. 1)\b")
LOWER_RANK = re.compile(r"\b(?:second|third|fourth|fifth|runner-up)\b(?! quarter)")
CADENCES = {
    "day": re.compile(r"\b(?:daily|every day|each day|per day|a day|nightly|every night|each night)\b"),
    "week": re.compile(r"\b(?:weekly|every week|each week|per week|a week)\b"),
    "month": re.compile(r"\b(?:monthly|every month|each month|per month|a month)\b"),
    "quarter": re.compile(r"\b(?:quarterly|every quarter|each quarter|per quarter|a quarter)\b"),
    "year": re.compile(r"\b(?:yearly|annually|annual|every year|each year|per year|a year)\b"),
}
CADENCE_WORDS = {
    "day": "daily", "week": "weekly", "month": "monthly", "quarter": "quarterly", "year": "yearly",
}
COUNTERFACTUAL = re.compile(r"\b(?:would|could|might|should)(?: not)? have\b|\bwould've\b|\bif we had\b")
AFTER_STATE = re.compile(r"\b(?:after|now|currently|today|reached|is|are|takes|take|stands? at)\b")
COMPARISON = re.compile(
    r"\bfrom\b.+\bto\b|\b(?:faster|slower|cheaper|larger|smaller|higher|lower|better|worse|"
    r"more|less|fewer)\s+than\b|\b\d+(?:\.\d+)?\s*(?:x|×)\b|\btimes\s+(?:faster|slower|more|less)\b|"
    r"\b(?:doubled|tripled|halved)\b"
)

# -- extraction of numbers, names and dates --------------------------------------------------


@dataclass(frozen=True)
class Number:
    """A number as written, with what it counts: `value` is after multipliers (1.2k -> 1200);
    `unit` is canonical ("%", "pt", "$", "s", "B", "month", "year", "x"), "~word" for a
    noun the code does not know ("64 GPUs" -> "~gpu"), or None; `base` is the value in the
    base unit (seconds, bytes), used when both sides have a known unit."""

    value: float
    unit: str | None
    base: float
    raw: str
    role: str | None = None  # "from" / "to" when written as "from X to Y" (or Before / After)
    spelled: bool = False
    start: int = 0  # offsets of the number itself (without its unit) in the text
    end: int = 0
    tabular: bool = False  # a table cell, whose unit is in the column header

    @property
    def weak(self) -> bool:
        """Small whole numbers and spelled-out numbers turn up everywhere: alone they identify
        little, so a claim resting only on them needs a closer passage."""
        return self.spelled or (self.value == int(self.value) and abs(self.value) <= 10)

    @property
    def known_unit(self) -> bool:
        return self.unit is not None and not self.unit.startswith("~")

    def backed_by(self, source: Number) -> bool:
        """True when `source` (a number in the evidence) states this claim number.

        Values must be equal (in base units when both units are known: 1.5 s == 1,500 ms).
        A unitless table cell backs any unit, because tables put the unit in the header
        ("GPU spend (USD) | 41,200" backs "$41,200"); in prose a unit must be written. A claim
        number without a unit is backed only by a source number without a known unit ("fell
        from 9 to 6" is not backed by "6 minutes"). A known unit never matches another known
        unit or a noun ("2 points" is not "2 instances"); two nouns match loosely ("64-GPU
        cluster" and "64 GPUs"; adjectives and verbs get read as nouns too).
        """
        if self.known_unit and source.known_unit:
            return self.unit == source.unit and _close(self.base, source.base)
        if source.known_unit and self.unit is None:
            return False
        if self.known_unit and (source.unit is not None or not source.tabular):
            return False
        return _close(self.value, source.value)

    def comparable(self, source: Number) -> bool:
        """`source` may measure the same kind of thing as this claim number, so a different
        value there is a disagreement: same unit, or a unitless table cell for a claim with
        a unit; a claim without a unit compares with sources without a known unit."""
        if self.unit is None:
            return not source.known_unit
        return source.unit is None or source.unit == self.unit

    def show(self) -> str:
        return self.raw


def _close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


@dataclass(frozen=True)
class Facts:
    """What a text asserts that code can compare: numbers, names and dates."""

    numbers: tuple[Number, ...] = ()
    entities: tuple[str, ...] = ()  # as written, deduplicated case-insensitively
    dates: tuple[str, ...] = ()  # "2025", "october", "q4"
    fractions: tuple[tuple[float, float], ...] = ()  # (part, whole): "17 of 18", "all 18"
    quotes: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (self.numbers or self.entities or self.dates or self.quotes)


_IDENTIFIER = re.compile(
    r"(?<![\w$€£.@-])(?:[A-Za-z][A-Za-z_]*(?:[-@/._]?[A-Za-z0-9]+)*)(?![\w@-])"
)
_VERSION = re.compile(r"(?<![\w.])v?\d+\.\d+\.\d+(?:-\w+)*(?!\w|\.\d)")
_ISO_DATE = re.compile(r"(?<![\w-])(\d{4})-(\d{2})-(\d{2})(?![\w-])")
_CLOCK = re.compile(r"(?<![\w:])([01]?\d|2[0-3]):([0-5]\d)(?![\w:])")
_NUMBER = re.compile(
    r"(?P<cur>[$€£])?\s?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)"
    r"(?P<exp>e-?\d+)?"
    r"(?:\s?-?(?P<mult>thousand|million|billion|trillion|bn|mn|[kKMB])(?![A-Za-z]))?"
)
_NUMBER_WORD = re.compile(
    r"\b(?P<tens>twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)-(?P<ones>one|two|three|"
    r"four|five|six|seven|eight|nine)\b|\b(?P<word>" + "|".join(NUMBER_WORDS) + r")\b",
    re.IGNORECASE,
)
_LIST_MARKER = re.compile(r"(?:^|(?<=\n)|(?<=[.!?:;]\s))\s*\(?\d{1,2}[.)](?=\s)", re.MULTILINE)
_PERCENTILE_WORDS = re.compile(r"\b(\d{2})(?:th|st|nd|rd)?[ -]percentile\b", re.IGNORECASE)
_MONTH_ALTERNATIVES = "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"(?<![\w.,])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_ALTERNATIVES})\b"
    rf"|\b(?P<month2>{_MONTH_ALTERNATIVES})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?![\w.]|,\d)"
)
_WEEK_NUMBER = re.compile(r"\bweek\s+(\d{1,2})\b(?!\s*(?:%|percent|ms|s\b|days?|weeks?))", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“]([^\"“”]{3,200})[\"”]")
_TITLE_WORD = re.compile(r"(?:[A-Z][a-z]+|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]+\w*)(?:['’]s)?")
_ACRONYM = re.compile(r"(?<![\w-])[A-Z]{2,6}s?(?![\w])")


@lru_cache(maxsize=8192)
def facts_in(text: str) -> Facts:
    """Numbers (normalized), entities, dates, fractions and quotes stated in `text`.

    Cached: the result is immutable and evidence sentences repeat from call to call."""
    masked, identifiers = _take_identifiers(text)
    dates: list[str] = []
    for match in _ISO_DATE.finditer(masked):
        dates.append(match.group(1))
        if 1 <= int(match.group(2)) <= 12:
            dates.append(MONTH_NAMES[int(match.group(2)) - 1])
        masked = _blank(masked, match.start(), match.end())
    for match in _LIST_MARKER.finditer(masked):
        masked = _blank(masked, match.start(), match.end())
    for match in _PERCENTILE_WORDS.finditer(masked):
        masked = _blank(masked, match.start(), match.end())
    for match in _DAY_MONTH.finditer(masked):
        day = match.group("day") or match.group("day2")
        month = MONTHS.get((match.group("month") or match.group("month2")).lower())
        if month and 1 <= int(day) <= 31:
            dates.append(f"{int(day)} {month}")  # "14 October": a date, not a count of 14
            start, end = match.span("day") if match.group("day") else match.span("day2")
            suffix = 2 if masked[end : end + 2] in ("st", "nd", "rd", "th") else 0
            masked = _blank(masked, start, end + suffix)
    for match in _WEEK_NUMBER.finditer(masked):
        dates.append(f"week {int(match.group(1))}")  # "week 8" names a week, counts nothing
        masked = _blank(masked, match.start(), match.end())
    numbers: list[Number] = []
    for match in _CLOCK.finditer(masked):
        value = int(match.group(1)) * 60 + int(match.group(2))
        numbers.append(Number(value, "clock", value, match.group(), start=match.start(), end=match.end()))
        masked = _blank(masked, match.start(), match.end())
    numbers.extend(_digit_numbers(masked, text))
    numbers.extend(_word_numbers(masked, text))
    numbers.sort(key=lambda n: n.start)
    numbers = _with_roles(masked, numbers)

    kept: list[Number] = []
    for number in numbers:
        if _is_year(number, text):
            dates.append(str(int(number.value)))
        else:
            kept.append(number)
    dates.extend(_months(text))
    lowered = text.lower()
    for word, quarter in ORDINAL_QUARTERS.items():
        if re.search(rf"\b{word} quarter\b", lowered):
            dates.append(quarter)
    for ident in identifiers:
        if re.fullmatch(r"[Qq][1-4]", ident):
            dates.append(ident.lower())
    entities = [i for i in identifiers if not re.fullmatch(r"[Qq][1-4]", i)]
    entities.extend(f"p{m.group(1)}" for m in _PERCENTILE_WORDS.finditer(text))
    entities.extend(_names(text))
    quotes = [q.strip() for q in _QUOTE.findall(text) if len(q.split()) >= 2]
    return Facts(
        numbers=tuple(kept),
        entities=tuple(unique_ignoring_case(entities)),
        dates=tuple(unique_ignoring_case(dates)),
        fractions=tuple(_fractions(masked, kept)),
        quotes=tuple(unique_ignoring_case(quotes)),
    )


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _take_identifiers(text: str) -> tuple[str, list[str]]:
    """Tokens that name things and contain digits or odd casing (p95, Q4, INT8, Wren-1.1B,
    lf-embed-v3, recall@10, units_ordered, v2.1.0, 3.4.0): kept whole as entities and
    blanked so their digits are not read as quantities."""
    found: list[str] = []
    masked = text
    for match in _VERSION.finditer(text):
        found.append(match.group())
        masked = _blank(masked, match.start(), match.end())
    for match in _IDENTIFIER.finditer(masked):
        token = match.group().rstrip(".")
        has_digit = any(ch.isdigit() for ch in token)
        if has_digit or "_" in token.strip("_"):
            found.append(token)
            masked = _blank(masked, match.start(), match.start() + len(token))
    return masked, found


def _digit_numbers(masked: str, original: str) -> list[Number]:
    numbers = []
    for match in _NUMBER.finditer(masked):
        start = match.start("num")
        before = masked[max(0, start - 1) : start]
        if before and (before.isalnum() or before in "_"):
            continue
        raw_number = match.group("num").replace(",", "")
        value = float(raw_number)
        if match.group("exp"):
            value *= 10 ** int(match.group("exp")[1:])
        mult = match.group("mult")
        end = match.end("exp") if match.group("exp") else match.end("num")
        if mult:
            glued = match.start("mult") == end
            if len(mult) == 1 and not glued:
                mult = None  # "5 M" or "2 B" is not a multiplier; "1.2k" and "7B" are
            else:
                value *= MULTIPLIERS[mult.lower()]
                end = match.end("mult")
        currency = match.group("cur")
        unit, factor, unit_end = _unit_after(masked, end)
        if currency:
            unit, factor = CURRENCY_SYMBOLS[currency], 1.0
        raw = original[match.start() if currency else start : unit_end].strip()
        numbers.append(Number(value, unit, value * factor, raw, start=start, end=end))
    return numbers


def _word_numbers(masked: str, original: str) -> list[Number]:
    numbers = []
    for match in _NUMBER_WORD.finditer(masked):
        if match.group("word"):
            word = match.group("word").lower()
            if word == "dozen" and not re.search(r"\ba\s+$", masked[: match.start()]):
                continue
            if word == "hundred" and re.search(r"\d\s*$", masked[: match.start()]):
                continue
            value = float(NUMBER_WORDS[word])
        else:
            tens, ones = match.group("tens").lower(), match.group("ones").lower()
            value = float(NUMBER_WORDS[tens] + NUMBER_WORDS[ones])
        unit, factor, unit_end = _unit_after(masked, match.end())
        raw = original[match.start() : unit_end].strip()
        numbers.append(
            Number(value, unit, value * factor, raw, spelled=True, start=match.start(), end=match.end())
        )
    return numbers


_UNIT_TAIL = re.compile(r"\s?(%)|[\s-]?(×)|(?:[\s-]+|(?<=\d))([A-Za-z]+)")


def _unit_after(text: str, pos: int) -> tuple[str | None, float, int]:
    """The unit written right after a number: (canonical unit, factor, end offset)."""
    match = _UNIT_TAIL.match(text, pos)
    if not match:
        return None, 1.0, pos
    if match.group(1) or match.group(2):
        unit, factor = UNITS[match.group(1) or match.group(2)]
        return unit, factor, match.end()
    word = match.group(3)
    lowered = word.lower()
    end = match.end()
    if lowered in UNIT_FILLERS:
        nxt = re.compile(r"[\s-]+([A-Za-z]+)").match(text, end)
        if nxt and nxt.group(1).lower() in UNITS:
            lowered, end = nxt.group(1).lower(), nxt.end()
    if lowered in ("per", "percentage") and re.match(r"\s+(cent|points?)\b", text[end:]):
        tail = re.match(r"\s+(cent|points?)\b", text[end:])
        unit = "%" if tail.group(1) == "cent" else "pt"
        return unit, 1.0, end + tail.end()
    if lowered in UNITS:
        unit, factor = UNITS[lowered]
        return unit, factor, end
    if lowered in ("st", "nd", "rd", "th") and match.start(3) == pos:
        return None, 1.0, end  # an ordinal: 21st, 95th
    if lowered in FUNCTION_WORDS or lowered in MONTHS or lowered in WEEKDAYS or len(lowered) < 2:
        return None, 1.0, pos
    return "~" + _noun_key(lowered), 1.0, end


def _noun_key(word: str) -> str:
    """A loose singular: gpus -> gpu, queries -> query, cases -> case."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def _is_year(number: Number, text: str) -> bool:
    """A plain 19xx/20xx integer that is unitless or follows a month, quarter or "in"."""
    digits = number.raw.split()[0].rstrip(".,;:") if number.raw else ""
    if number.spelled or number.known_unit or not re.fullmatch(r"(?:19|20)\d\d", digits):
        return False
    if number.unit is None:
        return True
    head = text[max(0, number.start - 14) : number.start].lower()
    return _YEAR_LEAD.search(head) is not None


_YEAR_LEAD = re.compile(
    r"\b(?:in|since|by|during|until|of|early|late|mid|q[1-4]|" + "|".join(MONTHS) + r")\.?,?\s+$"
)


def _with_roles(text: str, numbers: list[Number]) -> list[Number]:
    """Mark "from X to Y" pairs: X gets role "from", Y role "to"."""
    result = list(numbers)
    for i, number in enumerate(result):
        head = text[max(0, number.start - 30) : number.start].lower()
        if re.search(r"\bfrom\s+(?:about\s+|around\s+|roughly\s+|approximately\s+|[$€£]\s?)?$", head):
            for j in range(i + 1, min(i + 3, len(result))):
                between = text[number.start : result[j].start].lower()
                if re.search(r"\bto\s+(?:about\s+|around\s+|roughly\s+|[$€£]\s?)?$", between):
                    first, second = number, result[j]
                    # "from 9.4 to 7.1 minutes": one unit serves both numbers.
                    if first.unit is None and second.unit is not None:
                        first = _with_unit(first, second)
                    elif second.unit is None and first.unit is not None:
                        second = _with_unit(second, first)
                    result[i] = replace(first, role="from")
                    result[j] = replace(second, role="to")
                    break
    return result


def _with_unit(number: Number, like: Number) -> Number:
    factor = like.base / like.value if like.value else 1.0
    return replace(number, unit=like.unit, base=number.value * factor)


def _fractions(masked: str, numbers: list[Number]) -> list[tuple[float, float]]:
    """(part, whole) pairs: "17 of 18", "17 out of the 18", "all 18", "none of the 18"."""
    found = []
    for a, b in pairwise(numbers):
        between = masked[a.end : b.start].lower()
        if re.fullmatch(r"\s*(?:out\s+)?of\s+(?:the\s+|all\s+|its\s+|our\s+|their\s+)?", between):
            found.append((a.value, b.value))
    for number in numbers:
        head = masked[max(0, number.start - 12) : number.start].lower()
        if re.search(r"\ball\s+(?:the\s+|of\s+the\s+)?$", head):
            found.append((number.value, number.value))
        elif re.search(r"\bnone\s+of\s+(?:the\s+)?$", head):
            found.append((0.0, number.value))
    return found


def _months(text: str) -> list[str]:
    """Month names used as dates. "May", "March" and abbreviations count only next to a
    number or after a time preposition ("in May", "3 March"), so the verb "may" is no date."""
    found = []
    for match in re.finditer(r"\b([A-Z][a-z]{2,8})\b", text):
        word = match.group(1).lower()
        if word not in MONTHS:
            continue
        ambiguous = word in ("may", "march") or MONTHS[word] != word
        near_number = re.search(r"\d", text[max(0, match.start() - 4) : match.end() + 6]) is not None
        after_preposition = re.search(
            r"\b(?:in|since|from|to|until|by|of|between|and|early|late|mid)\s+$", text[: match.start()]
        ) is not None
        if ambiguous and not (near_number or (word == "march" and after_preposition)):
            continue
        found.append(MONTHS[word])
    return found


def _names(text: str) -> list[str]:
    """Capitalised names not explained by sentence position, CamelCase products, acronyms."""
    names: list[str] = []
    for sentence in split_sentences(text):
        clauses = re.split(r"(?<=[:;])\s+|\s+[-–—]\s+", _strip_marker(sentence))
        for clause in clauses:
            names.extend(_names_in_clause(clause))
    return names


def _strip_marker(sentence: str) -> str:
    """The sentence without a leading list marker, arrow or emoji ("- ", "2. ", "→ ", "✅ ")."""
    text = re.sub(r"^\s*\(?\d{1,2}[.)]\s+", "", sentence)
    start = 0
    while start < len(text) and _is_marker_char(text[start]):
        start += 1
    return text[start:]


def _is_marker_char(char: str) -> bool:
    return char.isspace() or char in "-*•▪◦‣–—>" or unicodedata.category(char) in _SYMBOLS


_SYMBOLS = frozenset({"So", "Sm", "Sk", "Cf", "Mn", "Co"})


_CONNECTORS = frozenset({"of", "&", "de", "van", "von", "der", "la"})


def _is_name_word(word: str) -> bool:
    bare = re.sub(r"['’]s$", "", word)
    lowered = bare.lower()
    return (
        bool(_TITLE_WORD.fullmatch(word))
        and bare != "I"
        and lowered not in MONTHS
        and lowered not in WEEKDAYS
    )


def _names_in_clause(clause: str) -> list[str]:
    """Names in one clause: runs of capitalised words ("Larkspur Freight", "Bank of X"),
    CamelCase products and acronyms. A run that opens the clause counts only when it is
    clearly a name: two words or more, a possessive, CamelCase, or after a leading word
    ("The Vision team")."""
    tokens = [m.group().rstrip(".-") for m in re.finditer(r"[A-Za-z][\w'’.&-]*", clause)]
    names: list[str] = []
    i = 0
    while i < len(tokens):
        word = tokens[i]
        if _ACRONYM.fullmatch(word):
            if word.rstrip("s") not in SHOUTED:
                names.append(word)
            i += 1
            continue
        if not _is_name_word(word):
            i += 1
            continue
        start, run = i, [word]
        i += 1
        while i < len(tokens) and not _possessive(run[-1]):
            connector = (
                tokens[i].lower() in _CONNECTORS and i + 1 < len(tokens) and _is_name_word(tokens[i + 1])
            )
            if not (connector or _is_name_word(tokens[i])):
                break
            run.append(tokens[i])
            i += 1
        names.extend(_accept_run(run, at_clause_start=start == 0))
    return [re.sub(r"['’]s$", "", name) for name in names]


def _possessive(word: str) -> bool:
    return re.search(r"['’]s$", word) is not None


def _accept_run(run: list[str], *, at_clause_start: bool) -> list[str]:
    if not at_clause_start:
        return [" ".join(run)]
    words = list(run)
    while words and re.sub(r"['’]s$", "", words[0]).lower() in LEADING_WORDS:
        words.pop(0)
    if not words:
        return []
    if len(words) < len(run) or len(words) >= 2 or _possessive(words[-1]) or _camel(words[0]):
        return [" ".join(words)]
    return []  # one capitalised word opening a sentence is just a sentence opening


def _camel(word: str) -> bool:
    bare = re.sub(r"['’]s$", "", word)
    return bool(re.fullmatch(r"[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]+\w*|[a-z]+[A-Z]\w*", bare))


# -- which sentences are claims ----------------------------------------------------------------


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
        text = _strip_marker(sentence).strip()
        text = re.sub(r"\s+#[A-Za-z]\w*(?:\s+#[A-Za-z]\w*)*\s*$", "", text)  # trailing tags
        if not text or text.endswith("?") or len(terms(text)) < 2:
            continue
        facts = facts_in(text)
        if not facts.empty or COMPARISON.search(text.lower()):
            claims.append(text)
    return claims


# -- evidence passages ------------------------------------------------------------------------


@dataclass
class _Passage:
    evidence: Evidence
    text: str
    sentences: list[int]  # indexes into the chunk's sentence list
    sentence_texts: list[str]
    facts: Facts
    row: int = -1  # row of the passage in the similarity matrix


@dataclass
class _Chunk:
    evidence: Evidence
    sentences: list[str]
    sentence_facts: list[Facts]
    passages: list[_Passage] = field(default_factory=list)
    context: str = ""  # chunk + same-document evidence + title, lowercased
    context_dates: frozenset[str] = frozenset()


def evidence_sentences(text: str) -> list[str]:
    """A chunk read as sentences; a Markdown table becomes one line per row, each cell
    labelled with its column header ("Reopen rate (7 days): Control 3.1%; Treatment 4.0%")."""
    return [sentence for sentence, _ in _read_evidence(text)]


def _read_evidence(text: str) -> list[tuple[str, bool]]:
    """(sentence, is a table line) pairs."""
    out: list[tuple[str, bool]] = []
    table: list[list[str]] = []

    def flush_table() -> None:
        nonlocal table
        rows = [r for r in table if not all(re.fullmatch(r":?-{2,}:?|", c.strip()) for c in r)]
        if rows:
            header, body = rows[0], rows[1:]
            out.append((" | ".join(c for c in header if c), True))
            for row in body:
                label = row[0] if row else ""
                pairs = zip(header[1:], row[1:], strict=False)
                cells = [f"{h} {c}".strip() for h, c in pairs if c and c not in ("-", "n/a")]
                out.append((f"{label}: " + "; ".join(cells) if cells else label, True))
        table = []

    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|"):
            cells = [c.strip().replace("\\|", "|") for c in stripped.strip("|").split("|")]
            table.append(cells)
            continue
        if table:
            flush_table()
        if stripped:
            out.extend((sentence, False) for sentence in split_sentences(stripped))
    if table:
        flush_table()
    return out


def _table_facts(sentence: str, facts: Facts) -> Facts:
    """Facts of a table line: cells are tabular, and cells under a 'Before' / 'After' header
    carry from / to roles."""
    numbers = []
    for number in facts.numbers:
        cell = re.split(r"[:;]", sentence[: number.start])[-1].lower()
        role = number.role
        if re.search(r"\b(?:before|old|previous|baseline)\b", cell):
            role = "from"
        elif re.search(r"\b(?:after|new|now|current)\b", cell):
            role = "to"
        numbers.append(replace(number, role=role, tabular=True))
    return replace(facts, numbers=tuple(numbers))


def _build_chunks(evidence: Sequence[Evidence]) -> list[_Chunk]:
    by_document: dict[str, list[Evidence]] = {}
    for item in evidence:
        by_document.setdefault(item.document_id, []).append(item)
    # Names and dates are checked against the whole document as far as the evidence shows it.
    contexts: dict[str, tuple[str, frozenset[str]]] = {}
    for document_id, items in by_document.items():
        texts = [items[0].title, *(e.text for e in items)]
        dates = {d.lower() for text in texts for d in facts_in(text).dates}
        dates.update(item.published[:4] for item in items if item.published)
        contexts[document_id] = (_normalize("\n".join(texts)), frozenset(dates))
    chunks = []
    for item in evidence:
        read = _read_evidence(item.text) or [(item.text, False)]
        sentences = [sentence for sentence, _ in read]
        sentence_facts = [
            _table_facts(sentence, facts_in(sentence)) if tabular else facts_in(sentence)
            for sentence, tabular in read
        ]
        context, dates = contexts[item.document_id]
        chunk = _Chunk(item, sentences, sentence_facts, context=context, context_dates=dates)
        for size in range(1, MAX_WINDOW + 1):
            for first in range(max(len(sentences) - size + 1, 0)):
                indexes = list(range(first, first + size))
                chunk.passages.append(
                    _Passage(
                        item,
                        " ".join(sentences[i] for i in indexes),
                        indexes,
                        [sentences[i] for i in indexes],
                        _merge([sentence_facts[i] for i in indexes]),
                    )
                )
        chunks.append(chunk)
    return chunks


def _merge(parts: list[Facts]) -> Facts:
    return Facts(
        numbers=tuple(n for p in parts for n in p.numbers),
        entities=tuple(e for p in parts for e in p.entities),
        dates=tuple(d for p in parts for d in p.dates),
        fractions=tuple(f for p in parts for f in p.fractions),
        quotes=tuple(q for p in parts for q in p.quotes),
    )


def _normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"')).lower()


def _entity_in(entity: str, context: str) -> bool:
    """Case-insensitive whole-word match; plurals, possessives and hyphen/space variants pass."""
    pattern = _entity_pattern(entity)
    return pattern is None or pattern.search(context) is not None


def _name_backed(entity: str, context: str) -> bool:
    """A name of the claim is in the document. An acronym also counts when the document
    spells it out ("MRR" - "mean reciprocal rank", "PR" - "pull request"), and everyday
    acronyms (AI, ML, LLM, API ...) name no one, so they need no backing."""
    if _entity_in(entity, context):
        return True
    if not _ACRONYM.fullmatch(entity):
        return False
    letters = (entity[:-1] if entity.endswith("s") and len(entity) > 2 else entity).lower()
    return letters.upper() in GENERIC_ACRONYMS or letters in _initials(context)


@lru_cache(maxsize=256)
def _initials(context: str) -> str:
    """First letters of the words of a text, in order: "mean reciprocal rank" -> "mrr"."""
    return "".join(word[0] for word in re.findall(r"[a-z0-9]+", context))


@lru_cache(maxsize=4096)
def _entity_pattern(entity: str) -> re.Pattern[str] | None:
    words = [re.escape(w) for w in re.split(r"[\s.-]+", _normalize(entity).strip()) if w]
    if not words:
        return None
    return re.compile(r"(?<![a-z0-9])" + r"[\s.-]+".join(words) + r"(?:'s|s|es)?(?![a-z0-9])")


# -- scoring ----------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def _stems(text: str) -> frozenset[str]:
    """Content terms cut to a 5-letter prefix (reindexed ~ reindex, deployments ~ deploy);
    spelled numbers as digits (two ~ 2)."""
    stems = set()
    for term in terms(text):
        if term in NUMBER_WORDS:
            stems.add(str(NUMBER_WORDS[term]))
        elif len(term) > 1 or term.isdigit():
            stems.add(stem(term))
    return frozenset(stems)


def _overlap(claim_stems: frozenset[str], text: str) -> float:
    if not claim_stems:
        return 0.0
    return len(claim_stems & _stems(text)) / len(claim_stems)


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.clip(norms, 1e-12, None)


def _direction(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    found = set()
    if words & UP or re.search(r"\bwent up\b|\bgot (?:slower|worse)\b", text.lower()):
        found.add("up")
    if words & DOWN or re.search(r"\bwent down\b", text.lower()):
        found.add("down")
    return found


def _cadence(text: str) -> set[str]:
    lowered = text.lower()
    return {name for name, pattern in CADENCES.items() if pattern.search(lowered)}


@dataclass
class _Conflict:
    kind: str  # one of CONFLICT_ORDER
    detail: str
    strong: bool  # the passage itself says otherwise (not just "another number elsewhere")


# Which disagreement a reason names first: the most specific one.
CONFLICT_ORDER = ("swap", "share", "rank", "before_after", "direction", "cadence", "number")


def _conflicts(claim: str, facts: Facts, passage: _Passage) -> list[_Conflict]:
    """Ways in which `passage`, assumed to be about the claim's subject, disagrees with it."""
    found: list[_Conflict] = []
    text = passage.text
    claim_l, text_l = claim.lower(), text.lower()
    # Wording checks (direction, share, rank, cadence) only read a passage about the same
    # quantity: when the claim has numbers, the passage must repeat one of them.
    about_it = not facts.numbers or any(
        n.backed_by(m) for n in facts.numbers for m in passage.facts.numbers
    )
    if not about_it:
        return _number_conflicts(claim_l, facts, passage)
    # Direction of a change.
    ours, theirs = _direction(claim_l), _direction(text_l)
    if len(ours) == 1 and len(theirs) == 1 and ours != theirs:
        said, source_said = next(iter(ours)), next(iter(theirs))
        detail = f"the claim says it went {said}, the source says it went {source_said}"
        found.append(_Conflict("direction", detail, True))
    # Shares: all 18 vs 17 of 18; most vs a minority.
    for part, whole in facts.fractions:
        for other_part, other_whole in passage.facts.fractions:
            if _close(whole, other_whole) and not _close(part, other_part):
                non_wholes = [n.value for n in passage.facts.numbers if not _close(n.value, whole)]
                if not any(_close(part, v) for v in non_wholes):
                    detail = (
                        f"the claim says {part:g} of {whole:g}, "
                        f"the source says {other_part:g} of {other_whole:g}"
                    )
                    found.append(_Conflict("share", detail, True))
    if MANY.search(claim_l) and FEW.search(text_l) and not FEW.search(claim_l):
        found.append(_Conflict("share", "the claim says most or all, the source says only a minority", True))
    if FEW.search(claim_l) and MANY.search(text_l) and not MANY.search(claim_l):
        found.append(_Conflict("share", "the claim says a minority, the source says most or all", True))
    # Rank: "the largest" vs "came second", said of the same name.
    first = FIRST_RANK.search(claim_l)
    if first and not LOWER_RANK.search(claim_l):
        subjects = [e for e in facts.entities if _entity_in(e, _normalize(claim[: first.start()]))]
        for sentence in passage.sentence_texts:
            sentence_l = _normalize(sentence)
            if not LOWER_RANK.search(sentence_l) or FIRST_RANK.search(sentence_l):
                continue
            ranked = [e for e in subjects if _entity_in(e, sentence_l)]
            if ranked:
                detail = f"the claim ranks {ranked[0]} first, the source does not ({sentence.strip()})"
                found.append(_Conflict("rank", detail, True))
                break
    # Cadence: every month vs each quarter.
    ours_c, theirs_c = _cadence(claim_l), _cadence(text_l)
    if ours_c and theirs_c and not ours_c & theirs_c:
        ours_w = " / ".join(CADENCE_WORDS[n] for n in sorted(ours_c))
        theirs_w = " / ".join(CADENCE_WORDS[n] for n in sorted(theirs_c))
        found.append(_Conflict("cadence", f"the claim says {ours_w}, the source says {theirs_w}", True))
    return found + _number_conflicts(claim_l, facts, passage)


def _number_conflicts(claim_l: str, facts: Facts, passage: _Passage) -> list[_Conflict]:
    """Numbers of the claim that the passage gives otherwise: another value for the same
    thing (weak: maybe another passage has it), swapped "from X to Y" or swapped nouns
    (strong: the passage holds both numbers and says the opposite)."""
    found: list[_Conflict] = []
    found += _swaps(facts, passage)
    for number in facts.numbers:
        matches = [n for n in passage.facts.numbers if number.backed_by(n)]
        if matches:
            if (
                number.role != "from"
                and all(m.role == "from" for m in matches)
                and AFTER_STATE.search(claim_l)
                and not re.search(r"\bfrom\b", claim_l)
            ):
                later = [n for n in passage.facts.numbers if n.role == "to" and number.comparable(n)]
                after = f", it went to {later[0].show()}" if later else ""
                detail = f"{number.show()} is the value before the change in the source{after}"
                found.append(_Conflict("before_after", detail, True))
            continue
        rivals = [
            n for n in passage.facts.numbers
            if number.comparable(n) and not _close(n.value, number.value)
            and not any(o.backed_by(n) for o in facts.numbers)
        ]
        # Show the closest counterparts first: same unit, then same place in "from X to Y".
        rivals = [n for n in rivals if n.unit == number.unit] or rivals
        rivals = [n for n in rivals if number.role and n.role == number.role] or rivals
        if rivals:
            shown = ", ".join(dict.fromkeys(n.show() for n in rivals[:4]))
            detail = f"the claim says {number.show()}, the source says {shown}"
            found.append(_Conflict("number", detail, False))
    return found


def _swaps(facts: Facts, passage: _Passage) -> list[_Conflict]:
    found = []
    # "fell from 2,600 to 1,900" against "grew from 1,900 to 2,600".
    starts = [n for n in facts.numbers if n.role == "from"]
    ends = [n for n in facts.numbers if n.role == "to"]
    for start, end in zip(starts, ends, strict=False):
        if any(start.backed_by(m) and m.role == "to" for m in passage.facts.numbers) and any(
            end.backed_by(m) and m.role == "from" for m in passage.facts.numbers
        ):
            detail = (
                f"the claim says from {start.show()} to {end.show()}, "
                f"the source says from {end.show()} to {start.show()}"
            )
            found.append(_Conflict("swap", detail, True))
    # "260 products across 18,000 stores" against "18,000 products across 260 stores".
    for number in facts.numbers:
        if number.unit is None or number.known_unit:
            continue
        same_value = [m for m in passage.facts.numbers if number.backed_by(m)]
        same_noun = [
            m for m in passage.facts.numbers if m.unit == number.unit and not _close(m.value, number.value)
        ]
        if same_value and same_noun and all(m.unit != number.unit for m in same_value):
            detail = f"the claim says {number.show()}, the source says {same_noun[0].show()}"
            found.append(_Conflict("swap", detail, True))
    return found


@dataclass
class _Candidate:
    passage: _Passage
    score: float
    missing_numbers: list[Number]
    missing_names: list[str]
    missing_dates: list[str]
    conflicts: list[_Conflict]


def check_claims(
    claims: Sequence[str],
    evidence: Sequence[Evidence],
    embed: Embed | None,
    *,
    similarity_threshold: float | None = None,
    thresholds: Thresholds | None = None,
) -> list[ClaimCheck]:
    """A verdict per claim against the evidence chunks, in the order of `claims`.

    "supported": one passage (1-3 consecutive sentences, or a table row with its header) of
    a chunk holds all of the claim's numbers, the chunk's document names its entities and
    dates, nothing in the passage contradicts it, and it is close in meaning: cosine of the
    `embed` vectors, or the share of the claim's content words in the passage when `embed`
    is None, at least `thresholds.support` for claims with specific numbers (overridden by
    `similarity_threshold`), `weak_support` for claims resting on small or spelled-out
    numbers, `plain_support` for claims without numbers. `chunk_id` and `score` name the
    chunk and the similarity of that passage; `reason` quotes it.

    "contradicted": a passage about the same subject (score >= `thresholds.contradiction`,
    or as close as a supporting passage would need to be when it repeats some of the
    claim's numbers) gives other numbers, the opposite direction, another rank, share or
    cadence, or the claim's value as the value before a change; `reason` says which.

    "unsupported": neither; `reason` says which numbers, names or dates no passage has, or
    how close the nearest passage came.

    `embed` is called once, with the claims followed by every distinct evidence sentence.
    """
    claims = list(claims)
    if not claims:
        return []
    limits = thresholds or (EMBEDDING_THRESHOLDS if embed is not None else OVERLAP_THRESHOLDS)
    if similarity_threshold is not None:
        limits = replace(limits, support=similarity_threshold)
    chunks = _build_chunks(evidence)
    passages = [p for c in chunks for p in c.passages]
    for row, passage in enumerate(passages):
        passage.row = row
    use_vectors = embed is not None and bool(passages)
    similarity: np.ndarray | None = None
    if use_vectors:
        # One batch: the claims and every evidence sentence. A passage of several sentences is
        # the normalized sum of its sentence vectors (mean pooling makes that a close stand-in
        # for embedding the joined text, at a third of the cost).
        sentence_texts = list(dict.fromkeys(s for c in chunks for s in c.sentences))
        vectors = _unit_rows(embed(claims + sentence_texts))
        by_sentence = {text: vectors[len(claims) + i] for i, text in enumerate(sentence_texts)}
        passage_vectors = _unit_rows(
            [sum(by_sentence[c.sentences[i]] for i in p.sentences) for c in chunks for p in c.passages]
        )
        similarity = vectors[: len(claims)] @ passage_vectors.T
    chunk_of = {id(p): c for c in chunks for p in c.passages}
    return [
        _check_one(
            claim,
            similarity[i] if similarity is not None else None,
            passages,
            chunk_of,
            limits,
        )
        for i, claim in enumerate(claims)
    ]


def _check_one(
    claim: str,
    similarities: np.ndarray | None,
    passages: list[_Passage],
    chunk_of: dict[int, _Chunk],
    limits: Thresholds,
) -> ClaimCheck:
    facts = facts_in(claim)
    claim_stems = _stems(claim)
    if not passages:
        return ClaimCheck(claim=claim, verdict="unsupported", reason="Unsupported: there is no evidence.")
    if facts.quotes or any(not n.weak for n in facts.numbers):
        needed = limits.support
    elif facts.numbers:
        needed = limits.weak_support
    else:
        needed = limits.plain_support
    contra_threshold = limits.contradiction
    candidates: list[_Candidate] = []
    per_document: dict[str, tuple[list[str], list[str]]] = {}
    for passage in passages:
        chunk = chunk_of[id(passage)]
        document = chunk.evidence.document_id
        if document not in per_document:
            per_document[document] = (
                [e for e in facts.entities if not _name_backed(e, chunk.context)],
                [d for d in facts.dates if d.lower() not in chunk.context_dates],
            )
        document_missing_names, missing_dates = per_document[document]
        if similarities is not None:
            score = float(similarities[passage.row])
        else:
            score = _overlap(claim_stems, f"{passage.evidence.title}\n{passage.text}")
        missing_numbers = [
            n for n in facts.numbers if not any(n.backed_by(m) for m in passage.facts.numbers)
        ]
        missing_names = document_missing_names + [
            q for q in facts.quotes if _normalize(q) not in _normalize(passage.text)
        ]
        candidate = _Candidate(passage, score, missing_numbers, missing_names, missing_dates, [])
        # Conflicts matter only for a passage that could back the claim or contradict it.
        if score >= min(contra_threshold, needed) and (
            not (missing_numbers or missing_names or missing_dates)
            or _shares_subject(facts, claim_stems, candidate)
        ):
            candidate.conflicts = _conflicts(claim, facts, passage)
        candidates.append(candidate)

    factual_claim = COUNTERFACTUAL.search(claim.lower()) is None
    # Numbers pin a claim down; without them only meaning (similarity) can back it: the
    # sample set's false claims about named things reach 0.75 word overlap.
    anchors = bool(facts.numbers)

    def strong_overlap(c: _Candidate) -> bool:
        """Nearly every content word of the claim is in the passage: "We reverted in under 6
        hours" and "The change was reverted within 6 hours" say the same thing, however
        loosely a small model relates the two short sentences."""
        return _overlap(claim_stems, f"{c.passage.evidence.title}\n{c.passage.text}") >= STRONG_OVERLAP

    supports = [
        c for c in candidates
        if not c.missing_numbers and not c.missing_names and not c.missing_dates
        and not any(x.strong for x in c.conflicts)
        and (c.score >= needed or (anchors and c.score >= limits.support and strong_overlap(c)))
        # "it would have arrived a week late" backs no claim that it did
        and not (factual_claim and COUNTERFACTUAL.search(c.passage.text.lower()))
    ]

    def anchored(c: _Candidate) -> bool:
        """The passage repeats some of the claim's numbers (and differs on others)."""
        return len(c.missing_numbers) < len(facts.numbers)

    def contradicts(c: _Candidate) -> bool:
        # A passage that repeats some of the claim's numbers only has to be as close as a
        # supporting one would; a document that does not name the claim's subjects cannot
        # contradict it (it is about someone else).
        bar = min(needed, contra_threshold) if anchored(c) else contra_threshold
        if c.missing_names or c.score < bar:
            return False
        if any(x.strong for x in c.conflicts):
            return True
        return bool(c.missing_numbers) and any(x.kind == "number" for x in c.conflicts)

    contradictions = [
        c for c in candidates if contradicts(c) and _shares_subject(facts, claim_stems, c)
    ]
    best_support = max(supports, key=lambda c: c.score, default=None)
    strong = [c for c in contradictions if any(x.strong for x in c.conflicts)]
    best_strong = max(strong, key=lambda c: c.score, default=None)
    if best_support and not (best_strong and best_strong.score > best_support.score):
        return ClaimCheck(
            claim=claim,
            verdict="supported",
            chunk_id=best_support.passage.evidence.chunk_id,
            score=round(best_support.score, 4),
            reason=f"Backed by: {_quote(best_support.passage.text)}",
        )
    # A passage that repeats some of the claim's numbers and differs on the rest is the
    # clearest contradiction ("0.87 to 0.71" against "0.87 to 0.61").
    best_contra = best_strong or max(contradictions, key=lambda c: (anchored(c), c.score), default=None)
    if best_contra:
        conflict = min(best_contra.conflicts, key=lambda x: CONFLICT_ORDER.index(x.kind))
        return ClaimCheck(
            claim=claim,
            verdict="contradicted",
            chunk_id=best_contra.passage.evidence.chunk_id,
            score=round(best_contra.score, 4),
            reason=f"Contradicted: {conflict.detail} ({_quote(best_contra.passage.text)}).",
        )
    measure = "similarity" if similarities is not None else "word overlap"
    return ClaimCheck(
        claim=claim, verdict="unsupported", reason=_unsupported_reason(facts, candidates, needed, measure)
    )


def _shares_subject(facts: Facts, claim_stems: frozenset[str], candidate: _Candidate) -> bool:
    """The passage is about the claim's subject: it names one of the claim's names (not just
    a common acronym such as GPU) or shares two content words with it."""
    text = _normalize(candidate.passage.text)
    if any(_entity_in(e, text) for e in facts.entities if not _ACRONYM.fullmatch(e)):
        return True
    words = {s for s in claim_stems if not any(ch.isdigit() for ch in s)} - _UNIT_STEMS
    return len(words & _stems(candidate.passage.text)) >= 2


_UNIT_STEMS = frozenset(stem(word) for word in UNITS if word.isalpha())


def _unsupported_reason(facts: Facts, candidates: list[_Candidate], needed: float, measure: str) -> str:
    def missing(c: _Candidate) -> int:
        return len(c.missing_numbers) + len(c.missing_names) + len(c.missing_dates)

    fewest = min(missing(c) for c in candidates)
    closest = max((c for c in candidates if missing(c) == fewest), key=lambda c: c.score)
    parts = []
    nowhere = [n for n in facts.numbers if all(any(n is m for m in c.missing_numbers) for c in candidates)]
    if nowhere:
        parts.append("no evidence passage states " + ", ".join(n.show() for n in nowhere))
    elif closest.missing_numbers:
        shown = ", ".join(n.show() for n in closest.missing_numbers)
        parts.append(f"no single passage states {shown} together with the rest of the claim")
    if closest.missing_names:
        parts.append("not found in the sources: " + ", ".join(closest.missing_names))
    if closest.missing_dates:
        parts.append("dates not found: " + ", ".join(closest.missing_dates))
    disagreement = next((x for x in closest.conflicts if x.strong), None)
    if not parts and disagreement and closest.score >= needed:
        parts.append(f"the closest passage disagrees, {disagreement.detail}: {_quote(closest.passage.text)}")
    elif not parts:
        parts.append(
            f"the closest passage is not close enough ({measure} {closest.score:.2f} < {needed:.2f}): "
            f"{_quote(closest.passage.text)}"
        )
        if disagreement:
            parts[-1] += f"; besides, {disagreement.detail}"
    return "Unsupported: " + "; ".join(parts) + "."


def _quote(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f'"{text[: limit - 3]}..."' if len(text) > limit else f'"{text}"'
