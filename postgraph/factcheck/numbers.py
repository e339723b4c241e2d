"""Numbers as a claim or a source states them: value, unit, base value, and role in "from X
to Y"; read from digits and from number words, with years, fractions ("17 of 18") and the
units that follow a number."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, replace
from itertools import pairwise

from postgraph.factcheck.vocabulary import (
    CURRENCY_SYMBOLS,
    FUNCTION_WORDS,
    MONTHS,
    MULTIPLIERS,
    NUMBER_WORDS,
    UNIT_FILLERS,
    UNITS,
    WEEKDAYS,
)


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
            return self.unit == source.unit and numbers_equal(self.base, source.base)
        if source.known_unit and self.unit is None:
            return False
        if self.known_unit and (source.unit is not None or not source.tabular):
            return False
        return numbers_equal(self.value, source.value)

    def comparable(self, source: Number) -> bool:
        """`source` may measure the same kind of thing as this claim number, so a different
        value there is a disagreement: same unit, or a unitless table cell for a claim with
        a unit; a claim without a unit compares with sources without a known unit."""
        if self.unit is None:
            return not source.known_unit
        return source.unit is None or source.unit == self.unit

    def show(self) -> str:
        return self.raw


def numbers_equal(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-9)


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


def digit_numbers(masked: str, original: str) -> list[Number]:
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


def word_numbers(masked: str, original: str) -> list[Number]:
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
    if lowered in FUNCTION_WORDS or lowered in MONTHS or lowered in WEEKDAYS or lowered in NOT_UNITS or len(lowered) < 2:
        return None, 1.0, pos
    compound = re.match(r"-([A-Za-z]+)", text[end:])
    if compound:  # "46,080 GPU-hours" count GPU-hours, not GPUs
        return "~" + lowered + "-" + _noun_key(compound.group(1).lower()), 1.0, end + compound.end()
    return "~" + _noun_key(lowered), 1.0, end


# Words that follow numbers without counting anything ("fell to 0.42 overnight").
NOT_UNITS = frozenset("overnight daily weekly monthly yearly today yesterday now later ago apart instead "
                      "again alone overall respectively".split())


def _noun_key(word: str) -> str:
    """A loose singular: gpus -> gpu, queries -> query, cases -> case."""
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith("ss") and len(word) > 3:
        return word[:-1]
    return word


def is_year(number: Number, text: str) -> bool:
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


_ROLE_HEDGES = ("about|around|roughly|approximately|nearly|almost|close to|just over|just under|over|under|"
                "more than|less than|some")


def with_roles(text: str, numbers: list[Number]) -> list[Number]:
    """Mark "from X to Y" pairs: X gets role "from", Y role "to"."""
    result = list(numbers)
    for i, number in enumerate(result):
        head = text[max(0, number.start - 30) : number.start].lower()
        if re.search(rf"\bfrom\s+(?:{_ROLE_HEDGES}\s+)?(?:[$€£]\s?)?$", head):
            for j in range(i + 1, min(i + 3, len(result))):
                between = text[number.start : result[j].start].lower()
                if re.search(rf"\bto\s+(?:{_ROLE_HEDGES}\s+)?(?:[$€£]\s?)?$", between):
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


def fractions_in(masked: str, numbers: list[Number]) -> list[tuple[float, float]]:
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

