"""Names a text states: runs of capitalised words not explained by sentence position
("Larkspur Freight", "Bank of X"), CamelCase products and acronyms."""

from __future__ import annotations

import re
import unicodedata

from postgraph.factcheck.vocabulary import ACRONYM, LEADING_WORDS, MONTHS, SHOUTED, WEEKDAYS
from postgraph.text import split_sentences

_TITLE_WORD = re.compile(r"(?:[A-Z][a-z]+|[A-Z][a-z]+[A-Z]\w*|[A-Z]{2,}[a-z]+\w*)(?:['’]s)?")


def names_in(text: str) -> list[str]:
    """Capitalised names not explained by sentence position, CamelCase products, acronyms."""
    names: list[str] = []
    for sentence in split_sentences(text):
        clauses = re.split(r"(?<=[:;])\s+|\s+[-–—]\s+", strip_marker(sentence))
        for clause in clauses:
            names.extend(_names_in_clause(clause))
    return names


def strip_marker(sentence: str) -> str:
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
        if ACRONYM.fullmatch(word):
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


def is_proper_name(entity: str) -> bool:
    """A name of a particular thing ("Larkspur Freight", "Vision"), not an everyday acronym
    (GPU, RAG) or an identifier (p95, recall@10)."""
    return not ACRONYM.fullmatch(entity) and not any(ch.isdigit() for ch in entity)
