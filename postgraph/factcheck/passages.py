"""Evidence read as passages: a chunk split into sentences (a table into labelled rows),
windows of up to three consecutive sentences with their facts, and how names and words of a
claim are looked up in a passage or its document."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache

from postgraph.domain import Evidence
from postgraph.factcheck.binding import Occurrence, occurrences_in
from postgraph.factcheck.facts import Facts, facts_in
from postgraph.factcheck.vocabulary import ACRONYM, GENERIC_ACRONYMS, NUMBER_WORDS
from postgraph.text import split_sentences, stem, terms

MAX_WINDOW = 3  # sentences in one evidence passage


@dataclass
class Passage:
    evidence: Evidence
    text: str
    sentences: list[int]  # indexes into the chunk's sentence list
    sentence_texts: list[str]
    facts: Facts
    row: int = -1  # row of the passage in the similarity matrix


@dataclass
class EvidenceChunk:
    evidence: Evidence
    sentences: list[str]
    sentence_facts: list[Facts]
    passages: list[Passage] = field(default_factory=list)
    context: str = ""  # where the claim's names must be: this chunk, the title, the opening chunk
    context_dates: frozenset[str] = frozenset()
    occurrences: list[Occurrence] = field(default_factory=list)  # every number, with its descriptor
    index: int = 0  # position in the evidence (the first part of its occurrences' location)


def evidence_sentences(text: str) -> list[str]:
    """A chunk read as sentences; a Markdown table becomes one line per row, each cell
    labelled with its column header ("Reopen rate (7 days): Control 3.1%; Treatment 4.0%")."""
    return [sentence for sentence, _ in read_evidence(text)]


def read_evidence(text: str) -> list[tuple[str, bool]]:
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


def build_chunks(evidence: Sequence[Evidence]) -> list[EvidenceChunk]:
    by_document: dict[str, list[Evidence]] = {}
    for item in evidence:
        by_document.setdefault(item.document_id, []).append(item)
    # Dates are checked against the whole document as far as the evidence shows it; names
    # against the passage's own chunk, the title and the document's opening chunks (which name
    # the company or product the rest calls "we" or "the bank").
    openings: dict[str, str] = {}
    dates_of: dict[str, frozenset[str]] = {}
    for document_id, items in by_document.items():
        texts = [items[0].title, *(e.text for e in items)]
        dates = {d.lower() for text in texts for d in facts_in(text).dates}
        dates.update(item.published[:4] for item in items if item.published)
        dates_of[document_id] = frozenset(dates)
        opening = "\n".join(e.text for e in items if chunk_position(e.chunk_id) in (0, 1))
        openings[document_id] = f"{items[0].title}\n{opening}"
    chunks = []
    for index, item in enumerate(evidence):
        read = read_evidence(item.text) or [(item.text, False)]
        sentences = [sentence for sentence, _ in read]
        sentence_facts = [
            _table_facts(sentence, facts_in(sentence)) if tabular else facts_in(sentence)
            for sentence, tabular in read
        ]
        context = normalize(f"{openings[item.document_id]}\n{item.text}")
        chunk = EvidenceChunk(item, sentences, sentence_facts, context=context, context_dates=dates_of[item.document_id],
                              index=index)
        for position, ((sentence, tabular), facts) in enumerate(zip(read, sentence_facts, strict=True)):
            chunk.occurrences.extend(occurrences_in(sentence, facts, tabular=tabular, location=(index, position)))
        for size in range(1, MAX_WINDOW + 1):
            for first in range(max(len(sentences) - size + 1, 0)):
                indexes = list(range(first, first + size))
                chunk.passages.append(
                    Passage(
                        item,
                        " ".join(sentences[i] for i in indexes),
                        indexes,
                        [sentences[i] for i in indexes],
                        _merge([sentence_facts[i] for i in indexes]),
                    )
                )
        chunks.append(chunk)
    return chunks


def chunk_position(chunk_id: str) -> int | None:
    """The position of a chunk in its document, from its id ("doc_ab12:c0003" -> 3)."""
    match = re.search(r":c(\d+)$", chunk_id)
    return int(match.group(1)) if match else None


def _merge(parts: list[Facts]) -> Facts:
    return Facts(
        numbers=tuple(n for p in parts for n in p.numbers),
        entities=tuple(e for p in parts for e in p.entities),
        dates=tuple(d for p in parts for d in p.dates),
        fractions=tuple(f for p in parts for f in p.fractions),
        quotes=tuple(q for p in parts for q in p.quotes),
    )


def normalize(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("’", "'").replace("“", '"').replace("”", '"')).lower()


def entity_in(entity: str, context: str) -> bool:
    """Case-insensitive whole-word match; plurals, possessives and hyphen/space variants pass."""
    pattern = _entity_pattern(entity)
    return pattern is None or pattern.search(context) is not None


def name_backed(entity: str, context: str) -> bool:
    """A name of the claim is in the document. An acronym also counts when the document
    spells it out ("MRR" - "mean reciprocal rank", "PR" - "pull request"), and everyday
    acronyms (AI, ML, LLM, API ...) name no one, so they need no backing."""
    if entity_in(entity, context):
        return True
    if not ACRONYM.fullmatch(entity):
        return False
    letters = (entity[:-1] if entity.endswith("s") and len(entity) > 2 else entity).lower()
    return letters.upper() in GENERIC_ACRONYMS or letters in _initials(context)


@lru_cache(maxsize=256)
def _initials(context: str) -> str:
    """First letters of the words of a text, in order: "mean reciprocal rank" -> "mrr"."""
    return "".join(word[0] for word in re.findall(r"[a-z0-9]+", context))


@lru_cache(maxsize=4096)
def _entity_pattern(entity: str) -> re.Pattern[str] | None:
    words = [re.escape(w) for w in re.split(r"[\s.-]+", normalize(entity).strip()) if w]
    if not words:
        return None
    return re.compile(r"(?<![a-z0-9])" + r"[\s.-]+".join(words) + r"(?:'s|s|es)?(?![a-z0-9])")


# -- scoring ----------------------------------------------------------------------------------


@lru_cache(maxsize=8192)
def stems(text: str) -> frozenset[str]:
    """Content terms cut to a 5-letter prefix (reindexed ~ reindex, deployments ~ deploy);
    spelled numbers as digits (two ~ 2)."""
    stems = set()
    for term in terms(text):
        if term in NUMBER_WORDS:
            stems.add(str(NUMBER_WORDS[term]))
        elif len(term) > 1 or term.isdigit():
            stems.add(stem(term))
    return frozenset(stems)


def overlap(claim_stems: frozenset[str], text: str) -> float:
    if not claim_stems:
        return 0.0
    return len(claim_stems & stems(text)) / len(claim_stems)

