"""What a text asserts that code can compare: numbers, names, dates, fractions and quotes."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from postgraph.factcheck.names import names_in
from postgraph.factcheck.numbers import Number, digit_numbers, fractions_in, is_year, with_roles, word_numbers
from postgraph.factcheck.vocabulary import MONTH_NAMES, MONTHS, ORDINAL_QUARTERS
from postgraph.text import unique_ignoring_case


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
_LIST_MARKER = re.compile(r"(?:^|(?<=\n)|(?<=[.!?:;]\s))\s*\(?\d{1,2}[.)](?=\s)", re.MULTILINE)
_PERCENTILE_WORDS = re.compile(r"\b(\d{2})(?:th|st|nd|rd)?[ -]percentile\b", re.IGNORECASE)
_MONTH_ALTERNATIVES = "|".join(sorted((m.capitalize() for m in MONTHS), key=len, reverse=True))
_DAY_MONTH = re.compile(
    rf"(?<![\w.,])(?P<day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<month>{_MONTH_ALTERNATIVES})\b"
    rf"|\b(?P<month2>{_MONTH_ALTERNATIVES})\.?\s+(?P<day2>\d{{1,2}})(?:st|nd|rd|th)?(?![\w.]|,\d)"
)
_WEEK_NUMBER = re.compile(r"\bweek\s+(\d{1,2})\b(?!\s*(?:%|percent|ms|s\b|days?|weeks?))", re.IGNORECASE)
_QUOTE = re.compile(r"[\"“]([^\"“”]{3,200})[\"”]")


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
        masked = blank(masked, match.start(), match.end())
    for match in _LIST_MARKER.finditer(masked):
        masked = blank(masked, match.start(), match.end())
    for match in _PERCENTILE_WORDS.finditer(masked):
        masked = blank(masked, match.start(), match.end())
    for match in _DAY_MONTH.finditer(masked):
        day = match.group("day") or match.group("day2")
        month = MONTHS.get((match.group("month") or match.group("month2")).lower())
        if month and 1 <= int(day) <= 31:
            dates.append(f"{int(day)} {month}")  # "14 October": a date, not a count of 14
            start, end = match.span("day") if match.group("day") else match.span("day2")
            suffix = 2 if masked[end : end + 2] in ("st", "nd", "rd", "th") else 0
            masked = blank(masked, start, end + suffix)
    for match in _WEEK_NUMBER.finditer(masked):
        dates.append(f"week {int(match.group(1))}")  # "week 8" names a week, counts nothing
        masked = blank(masked, match.start(), match.end())
    numbers: list[Number] = []
    for match in _CLOCK.finditer(masked):
        value = int(match.group(1)) * 60 + int(match.group(2))
        numbers.append(Number(value, "clock", value, match.group(), start=match.start(), end=match.end()))
        masked = blank(masked, match.start(), match.end())
    numbers.extend(digit_numbers(masked, text))
    numbers.extend(word_numbers(masked, text))
    numbers.sort(key=lambda n: n.start)
    numbers = with_roles(masked, numbers)

    kept: list[Number] = []
    for number in numbers:
        if is_year(number, text):
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
    entities.extend(names_in(text))
    quotes = [q.strip() for q in _QUOTE.findall(text) if len(q.split()) >= 2]
    return Facts(
        numbers=tuple(kept),
        entities=tuple(unique_ignoring_case(entities)),
        dates=tuple(unique_ignoring_case(dates)),
        fractions=tuple(fractions_in(masked, kept)),
        quotes=tuple(unique_ignoring_case(quotes)),
    )


def blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _take_identifiers(text: str) -> tuple[str, list[str]]:
    """Tokens that name things and contain digits or odd casing (p95, Q4, INT8, Wren-1.1B,
    lf-embed-v3, recall@10, units_ordered, v2.1.0, 3.4.0): kept whole as entities and
    blanked so their digits are not read as quantities."""
    found: list[str] = []
    masked = text
    for match in _VERSION.finditer(text):
        found.append(match.group())
        masked = blank(masked, match.start(), match.end())
    for match in _IDENTIFIER.finditer(masked):
        token = match.group().rstrip(".")
        has_digit = any(ch.isdigit() for ch in token)
        if has_digit or "_" in token.strip("_"):
            found.append(token)
            masked = blank(masked, match.start(), match.start() + len(token))
    return masked, found



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

