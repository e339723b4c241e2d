"""Words and patterns the claim checker reads facts by: number words, units, months,
directions of change, shares, ranks, cadences, and the capitalised words that name nobody."""

from __future__ import annotations

import re

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
    "tripled surged surge spiked higher slower gained inflated inflate inflates climbed soared "
    "ballooned widened".split()
)
DOWN = frozenset(
    "fell fall falls falling fallen drop dropped drops dropping decrease decreased decreases "
    "declined decline shrank shrunk shrink cut cuts cutting reduced reduce reduces lowered "
    "lower halved trimmed trimming slashed plunged faster down deflated shrinking narrowed dipped "
    "sank".split()
)
# A change for the better or the worse: up or down depends on the metric.
BETTER = frozenset("improved improve improves improving better recovered recover recovers".split())
WORSE = frozenset("regressed regress regresses worsened worsen worse degraded degrade deteriorated".split())
# Metrics where lower is better: improving them means going down.
LOWER_IS_BETTER = re.compile(
    r"\b(?:latenc\w*|p50|p90|p95|p99|cost\w*|spend\w*|bill\w*|errors?|error rate|time\w*|minutes?|hours?|"
    r"seconds?|ms|incidents?|pages?|loss|drift|failures?|reopen\w*|churn|runtime|mape|wer|overhead|idle)\b", re.I)
# Pairs of words that say opposite things; a passage that uses one where the claim uses the
# other does not back the claim.
OPPOSITES = (
    ("bigger", "smaller"), ("larger", "smaller"), ("more", "less"), ("more", "fewer"), ("higher", "lower"),
    ("faster", "slower"), ("liked", "disliked"), ("increase", "decrease"), ("added", "removed"),
    ("cheaper", "expensive"), ("inside", "outside"), ("passed", "failed"), ("accepted", "rejected"),
    ("first", "last"), ("before", "after"), ("manual", "automatic"), ("online", "offline"),
    ("success", "failure"), ("worked", "failed"), ("kept", "dropped"), ("started", "stopped"),
)
NEGATIONS = frozenset(
    "not no none neither nor never nobody nothing cannot can't didn't doesn't don't isn't wasn't aren't "
    "weren't won't hasn't haven't hadn't".split()
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
COUNTERFACTUAL = re.compile(
    r"\b(?:would|could|might|should)(?: not)?(?: \w+ly)? have\b|\bwould've\b|\bif we had\b|^had we\b|^had (?:the|it|this)\b")
AFTER_STATE = re.compile(r"\b(?:after|now|currently|today|reached|is|are|takes|take|stands? at)\b")
COMPARISON = re.compile(
    r"\bfrom\b.+\bto\b|\b(?:faster|slower|cheaper|larger|smaller|higher|lower|better|worse|"
    r"more|less|fewer)\s+than\b|\b\d+(?:\.\d+)?\s*(?:x|×)\b|\btimes\s+(?:faster|slower|more|less)\b|"
    r"\b(?:doubled|tripled|halved)\b"
    # "took longer to train on A than on B": a comparative a few words before its "than"
    r"|\b(?:\w{3,}er|more|less|fewer)\b[^.;]{0,60}?\bthan\b"
)
# An acronym (GPU, MRR, SLOs): a name, unless it is an everyday one.
ACRONYM = re.compile(r"(?<![\w-])[A-Z]{2,6}s?(?![\w])")
