"""A verdict per claim against the evidence: supported (with the passage), contradicted
(with the disagreement), or unsupported (with what is missing)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.binding import NumberBinding, Occurrence, bind_numbers
from postgraph.factcheck.claims import claim_parts
from postgraph.factcheck.conflicts import (
    CONFLICT_ORDER,
    Conflict,
    find_conflicts,
    polarity_clash,
    states_change,
    values_clash,
)
from postgraph.factcheck.facts import Facts, facts_in
from postgraph.factcheck.judge import SETTLED_BY_SIMILARITY
from postgraph.factcheck.numbers import Number
from postgraph.factcheck.passages import (
    EvidenceChunk,
    Passage,
    build_chunks,
    entity_in,
    name_backed,
    normalize,
    overlap,
    stems,
)
from postgraph.factcheck.vocabulary import ACRONYM, COUNTERFACTUAL, UNITS
from postgraph.text import stem

Embed = Callable[[list[str]], list[list[float]]]

# -- calibration ------------------------------------------------------------------------------
#
# Measured on the 17 sample files and the 106 claims of samples/facts.json (74 true, 32
# false; tests/integration/factcheck/test_claims_on_samples.py), chunks of 200 word pieces as
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
# A claim with numbers whose content words are (nearly) all in the passage needs only the
# lowest similarity bar: false claims with numbers in the sample set reach 0.57 overlap.
STRONG_OVERLAP = 0.75


def _unit_rows(vectors: Sequence[Sequence[float]]) -> np.ndarray:
    matrix = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.clip(norms, 1e-12, None)



@dataclass
class _Candidate:
    passage: Passage
    score: float
    missing_numbers: list[Number]
    missing_names: list[str]
    missing_dates: list[str]
    conflicts: list[Conflict]
    numbers_bound: list[Occurrence] | None = None
    """The bound occurrences of every claim number in this passage's document, when all are
    bound and one is in this passage; else None."""
    block: str | None = None
    """Why this passage, close enough and holding the claim's facts, still does not back it."""


def check_claims(
    claims: Sequence[str],
    evidence: Sequence[Evidence],
    embed: Embed | None,
    *,
    similarity_threshold: float | None = None,
    thresholds: Thresholds | None = None,
) -> list[ClaimCheck]:
    """A verdict per claim against the evidence chunks, in the order of `claims`.

    "supported": every number of the claim is bound to the same value for the same quantity
    in one document (`binding.bind_numbers`; hedged, derived and joined from several
    passages as it allows), the supporting passage (1-3 consecutive sentences, or a table row
    with its header) holds one of those values, its chunk, the title or the document's opening
    names the claim's entities, the document has its dates, nothing in the passage contradicts
    it or blocks it (a counterfactual, no stated change, a negation), and it is close in
    meaning: cosine of the
    `embed` vectors, or the share of the claim's content words in the passage when `embed`
    is None, at least `thresholds.support` for claims with specific numbers (overridden by
    `similarity_threshold`), `weak_support` for claims resting on small or spelled-out
    numbers, `plain_support` for claims without numbers. `chunk_id` and `score` name the
    chunk and the similarity of that passage; `reason` quotes it.

    "contradicted": a different value bound more tightly to one of the claim's quantities; the
    claim's own from/to values moving against its words; or a passage about the same subject
    (score >= `thresholds.contradiction`,
    or as close as a supporting passage would need to be when it repeats some of the
    claim's numbers) gives other numbers, the opposite direction, another rank, share or
    cadence, or the claim's value as the value before a change; `reason` says which.

    "unsupported": neither; `reason` says which numbers, names or dates no passage has, what
    blocked the closest passage, or how close the nearest passage came.

    A claim joining a cause or consequence is checked part by part (`claims.claim_parts`).
    `decided_by` names the rule. `embed` is called once, with the claims' parts followed by
    every distinct evidence sentence.
    """
    requested = list(claims)
    if not requested:
        return []
    # A claim joining a cause or consequence is checked part by part, then judged as a whole.
    parts_of = [claim_parts(claim) for claim in requested]
    claims = [part for parts in parts_of for part in parts]
    limits = thresholds or (EMBEDDING_THRESHOLDS if embed is not None else OVERLAP_THRESHOLDS)
    if similarity_threshold is not None:
        limits = replace(limits, support=similarity_threshold)
    chunks = build_chunks(evidence)
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
    occurrences: dict[str, list[Occurrence]] = {}
    for chunk in chunks:
        occurrences.setdefault(chunk.evidence.document_id, []).extend(chunk.occurrences)
    checked = iter([
        _check_one(
            claim,
            similarity[i] if similarity is not None else None,
            passages,
            chunk_of,
            limits,
            occurrences,
        )
        for i, claim in enumerate(claims)
    ])
    return [_whole(claim, [next(checked) for _ in parts]) for claim, parts in zip(requested, parts_of, strict=True)]


def _whole(claim: str, parts: list[ClaimCheck]) -> ClaimCheck:
    """One verdict for a claim checked in parts: the first part that fails decides."""
    if len(parts) == 1:
        return parts[0].model_copy(update={"claim": claim})
    failing = next((p for p in parts if p.verdict == "contradicted"), None) or next(
        (p for p in parts if p.verdict != "supported"), None)
    if failing is None:
        return parts[0].model_copy(update={
            "claim": claim, "passages": list(dict.fromkeys(t for p in parts for t in p.passages)),
            "reason": " ".join(p.reason for p in parts)})
    return failing.model_copy(update={"claim": claim, "reason": f"{failing.reason} (in: {failing.claim!r})"})


def _check_one(
    claim: str,
    similarities: np.ndarray | None,
    passages: list[Passage],
    chunk_of: dict[int, EvidenceChunk],
    limits: Thresholds,
    occurrences: dict[str, list[Occurrence]],
) -> ClaimCheck:
    facts = facts_in(claim)
    claim_stems = stems(claim)
    if not passages:
        return ClaimCheck(claim=claim, verdict="unsupported", reason="Unsupported: there is no evidence.",
                          decided_by="no evidence")
    # Numbers first: bound to the same quantity, or contradicted by a value bound more tightly.
    bindings: dict[str, list[NumberBinding]] = {}
    if facts.numbers:
        # Rivals are looked for across all the evidence; support within one document.
        everywhere = bind_numbers(claim, facts, [o for occ in occurrences.values() for o in occ])
        rivals = [b for b in everywhere if b.rival]
        if rivals:
            return _rival_verdict(claim, rivals[0], passages, chunk_of)
        if len(occurrences) == 1:
            bindings = dict.fromkeys(occurrences, everywhere)
        else:
            bindings = {doc: bind_numbers(claim, facts, occ) for doc, occ in occurrences.items()}
        bound = next((b for b in bindings.values() if b and all(x.bound for x in b)), None)
        if bound and (clash := values_clash(claim, facts)):
            used = [o for b in bound for o in b.supported_by]
            return ClaimCheck(claim=claim, verdict="contradicted", score=0.0,
                              chunk_id=_chunk_id_of(used[0], passages, chunk_of) if used else None,
                              reason=f"Contradicted: {clash} ({_quote(used[0].sentence) if used else 'the source'}).",
                              decided_by="direction against the source's values",
                              passages=list(dict.fromkeys(o.sentence for o in used))[:2])
    if facts.quotes or any(not n.weak for n in facts.numbers):
        needed = limits.support
    elif facts.numbers:
        needed = limits.weak_support
    else:
        needed = limits.plain_support
    contra_threshold = limits.contradiction
    candidates: list[_Candidate] = []
    per_chunk: dict[int, tuple[list[str], list[str]]] = {}
    for passage in passages:
        chunk = chunk_of[id(passage)]
        if id(chunk) not in per_chunk:
            per_chunk[id(chunk)] = (
                [e for e in facts.entities if not name_backed(e, chunk.context)],
                [d for d in facts.dates if d.lower() not in chunk.context_dates],
            )
        document_missing_names, missing_dates = per_chunk[id(chunk)]
        if similarities is not None:
            score = float(similarities[passage.row])
        else:
            score = overlap(claim_stems, f"{passage.evidence.title}\n{passage.text}")
        missing_numbers = [
            n for n in facts.numbers if not any(n.backed_by(m) for m in passage.facts.numbers)
        ]
        missing_names = document_missing_names + [
            q for q in facts.quotes if normalize(q) not in normalize(passage.text)
        ]
        candidate = _Candidate(passage, score, missing_numbers, missing_names, missing_dates, [],
                               _numbers_bound(bindings.get(chunk.evidence.document_id, []), passage, chunk))
        # Conflicts matter only for a passage that could back the claim or contradict it.
        if score >= min(contra_threshold, needed) and (
            not (missing_numbers or missing_names or missing_dates)
            or _shares_subject(facts, claim_stems, candidate)
        ):
            candidate.conflicts = find_conflicts(claim, facts, passage)
        candidates.append(candidate)

    factual_claim = COUNTERFACTUAL.search(claim.lower()) is None
    change_claimed = states_change(claim, facts)
    # Numbers pin a claim down; without them only meaning (similarity) can back it: the
    # sample set's false claims about named things reach 0.75 word overlap.
    anchors = bool(facts.numbers)

    def strong_overlap(c: _Candidate) -> bool:
        """Nearly every content word of the claim is in the passage: "We reverted in under 6
        hours" and "The change was reverted within 6 hours" say the same thing, however
        loosely a small model relates the two short sentences."""
        return overlap(claim_stems, f"{c.passage.evidence.title}\n{c.passage.text}") >= STRONG_OVERLAP

    def blocked(c: _Candidate) -> str | None:
        """Why a passage close enough in meaning still does not back the claim."""
        # "it would have arrived a week late" backs no claim that it did
        if factual_claim and COUNTERFACTUAL.search(c.passage.text.lower()):
            return "the passage only says what would have happened"
        # "precision improved" needs a source that says it moved, not just its value
        if change_claimed and not states_change(c.passage.text, c.passage.facts):
            return "the claim says something changed, the passage gives no change"
        if not facts.numbers and (clash := polarity_clash(claim, c.passage.text)):
            return clash
        return None

    close_enough = [
        c for c in candidates
        if (not facts.numbers or c.numbers_bound) and not c.missing_names and not c.missing_dates
        and not any(x.strong for x in c.conflicts)
        and (c.score >= needed or (anchors and c.score >= limits.support and strong_overlap(c)))
    ]
    for candidate in close_enough:
        candidate.block = blocked(candidate)
    supports = [c for c in close_enough if c.block is None]

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
        # Numbers are settled by binding (a rival value bound more tightly); another number
        # merely near the claim's is no contradiction.
        return not facts.numbers and bool(c.missing_numbers) and any(x.kind == "number" for x in c.conflicts)

    contradictions = [
        c for c in candidates if contradicts(c) and _shares_subject(facts, claim_stems, c)
    ]
    best_support = max(supports, key=lambda c: c.score, default=None)
    strong = [c for c in contradictions if any(x.strong for x in c.conflicts)]
    best_strong = max(strong, key=lambda c: c.score, default=None)
    # Ties between support and contradiction go to contradiction.
    if best_support and not (best_strong and best_strong.score >= best_support.score):
        used = list(dict.fromkeys([best_support.passage.text, *(o.sentence for o in best_support.numbers_bound or [])]))
        return ClaimCheck(
            claim=claim,
            verdict="supported",
            chunk_id=best_support.passage.evidence.chunk_id,
            score=round(best_support.score, 4),
            reason=f"Backed by: {' + '.join(_quote(text) for text in used)}",
            decided_by="numbers bound to the same quantity" if facts.numbers else SETTLED_BY_SIMILARITY,
            passages=used,
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
            decided_by=f"conflict: {conflict.kind}",
            passages=[best_contra.passage.text],
        )
    measure = "similarity" if similarities is not None else "word overlap"
    return ClaimCheck(
        claim=claim, verdict="unsupported", reason=_unsupported_reason(facts, candidates, needed, measure),
        decided_by="rules"
    )


def _numbers_bound(bindings: list[NumberBinding], passage: Passage, chunk: EvidenceChunk) -> list[Occurrence] | None:
    if not bindings or not all(b.bound for b in bindings):
        return None
    used = [o for b in bindings for o in (b.supported_by or list(b.derived_from or ()))]
    if not any(o.location[0] == chunk.index and o.sentence in passage.sentence_texts for o in used):
        return None
    return used


def _chunk_id_of(occurrence: Occurrence, passages: list[Passage], chunk_of: dict[int, EvidenceChunk]) -> str | None:
    return next((chunk_of[id(p)].evidence.chunk_id for p in passages if occurrence.sentence in p.sentence_texts), None)


def _rival_verdict(claim: str, binding: NumberBinding, passages: list[Passage],
                   chunk_of: dict[int, EvidenceChunk]) -> ClaimCheck:
    rival = binding.rival
    return ClaimCheck(
        claim=claim,
        verdict="contradicted",
        chunk_id=_chunk_id_of(rival, passages, chunk_of),
        score=round(binding.rival_score, 4),
        reason=(f"Contradicted: the claim says {binding.number.show()}, the source gives {rival.number.show()} "
                f"for the same thing ({_quote(rival.sentence)})."),
        decided_by="number bound to another value",
        passages=[rival.sentence],
    )


def _shares_subject(facts: Facts, claim_stems: frozenset[str], candidate: _Candidate) -> bool:
    """The passage is about the claim's subject: it names one of the claim's names (not just
    a common acronym such as GPU) or shares two content words with it."""
    text = normalize(candidate.passage.text)
    if any(entity_in(e, text) for e in facts.entities if not ACRONYM.fullmatch(e)):
        return True
    words = {s for s in claim_stems if not any(ch.isdigit() for ch in s)} - _UNIT_STEMS
    return len(words & stems(candidate.passage.text)) >= 2


_UNIT_STEMS = frozenset(stem(word) for word in UNITS if word.isalpha())


def _unsupported_reason(facts: Facts, candidates: list[_Candidate], needed: float, measure: str) -> str:
    def missing(c: _Candidate) -> int:
        return len(c.missing_numbers) + len(c.missing_names) + len(c.missing_dates)

    blocked = [c for c in candidates if c.block]
    if blocked:
        closest = max(blocked, key=lambda c: c.score)
        return f"Unsupported: {closest.block}: {_quote(closest.passage.text)}."
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
