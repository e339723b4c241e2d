"""Ways a passage about the claim's subject disagrees with it: other numbers, the opposite
direction, another rank, share or cadence, swapped values, or the claim's value as the value
before a change."""

from __future__ import annotations

import re
from dataclasses import dataclass

from postgraph.factcheck.facts import Facts
from postgraph.factcheck.numbers import numbers_equal
from postgraph.factcheck.passages import Passage, entity_in, normalize
from postgraph.factcheck.vocabulary import (
    AFTER_STATE,
    BETTER,
    CADENCE_WORDS,
    CADENCES,
    COMPARISON,
    DOWN,
    FEW,
    FIRST_RANK,
    LOWER_IS_BETTER,
    LOWER_RANK,
    MANY,
    NEGATIONS,
    OPPOSITES,
    UP,
    WORSE,
)


def _direction(text: str) -> set[str]:
    words = set(re.findall(r"[a-z]+", text.lower()))
    found = set()
    if words & UP or re.search(r"\bwent up\b|\bgot (?:slower|worse)\b", text.lower()):
        found.add("up")
    if words & DOWN or re.search(r"\bwent down\b", text.lower()):
        found.add("down")
    return found


def states_change(text: str, facts: Facts) -> bool:
    """The text says something moved: a direction word, a "from X to Y" pair, or a comparison
    ("18% of claims, compared with 2%")."""
    return (bool(_direction(text)) or any(n.role == "from" for n in facts.numbers)
            or COMPARISON.search(text.lower()) is not None
            or re.search(r"\bcompared (?:with|to)\b|\bversus\b|\bvs\.?\s", text.lower()) is not None)


def values_clash(claim: str, facts: Facts) -> str | None:
    """A claim whose own "from X to Y" moves the other way than its words say ("recall
    improved from 0.87 to 0.71"): with its values bound to the source, the words are wrong."""
    start = next((n for n in facts.numbers if n.role == "from"), None)
    end = next((n for n in facts.numbers if n.role == "to"), None)
    if start is None or end is None or numbers_equal(start.base, end.base):
        return None
    moved = "up" if end.base > start.base else "down"
    words = set(re.findall(r"[a-z]+", claim.lower()))
    said = _direction(claim)
    lower_better = LOWER_IS_BETTER.search(claim) is not None
    if words & BETTER:
        said = said | {"down" if lower_better else "up"}
    if words & WORSE:
        said = said | {"up" if lower_better else "down"}
    if len(said) == 1 and moved not in said:
        return (f"the claim says it went {next(iter(said))}, the source's values went {moved} "
                f"({start.show()} to {end.show()})")
    return None


def polarity_clash(claim: str, passage: str) -> str | None:
    """Why a close passage does not back the claim: one negates what the other states, or
    uses the opposite word ("bigger" / "smaller"). None when they agree."""
    ours = set(re.findall(r"[a-z']+", claim.lower()))
    theirs = set(re.findall(r"[a-z']+", passage.lower()))
    if bool(ours & NEGATIONS) != bool(theirs & NEGATIONS) and not re.search(r"\bno longer\b", passage.lower()):
        said = "negates" if ours & NEGATIONS else "states"
        return f"the claim {said} what the source {'states' if said == 'negates' else 'negates'}"
    for a, b in OPPOSITES:
        for word, other in ((a, b), (b, a)):
            if word in ours and other in theirs and word not in theirs and other not in ours:
                return f"the claim says {word!r}, the source says {other!r}"
    return None


def _cadence(text: str) -> set[str]:
    lowered = text.lower()
    return {name for name, pattern in CADENCES.items() if pattern.search(lowered)}


@dataclass
class Conflict:
    kind: str  # one of CONFLICT_ORDER
    detail: str
    strong: bool  # the passage itself says otherwise (not just "another number elsewhere")


# Which disagreement a reason names first: the most specific one.
CONFLICT_ORDER = ("swap", "share", "rank", "before_after", "direction", "cadence", "number")


def find_conflicts(claim: str, facts: Facts, passage: Passage) -> list[Conflict]:
    """Ways in which `passage`, assumed to be about the claim's subject, disagrees with it."""
    found: list[Conflict] = []
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
        found.append(Conflict("direction", detail, True))
    # Shares: all 18 vs 17 of 18; most vs a minority.
    for part, whole in facts.fractions:
        for other_part, other_whole in passage.facts.fractions:
            if numbers_equal(whole, other_whole) and not numbers_equal(part, other_part):
                non_wholes = [n.value for n in passage.facts.numbers if not numbers_equal(n.value, whole)]
                if not any(numbers_equal(part, v) for v in non_wholes):
                    detail = (
                        f"the claim says {part:g} of {whole:g}, "
                        f"the source says {other_part:g} of {other_whole:g}"
                    )
                    found.append(Conflict("share", detail, True))
    if MANY.search(claim_l) and FEW.search(text_l) and not FEW.search(claim_l):
        found.append(Conflict("share", "the claim says most or all, the source says only a minority", True))
    if FEW.search(claim_l) and MANY.search(text_l) and not MANY.search(claim_l):
        found.append(Conflict("share", "the claim says a minority, the source says most or all", True))
    # Rank: "the largest" vs "came second", said of the same name.
    first = FIRST_RANK.search(claim_l)
    if first and not LOWER_RANK.search(claim_l):
        subjects = [e for e in facts.entities if entity_in(e, normalize(claim[: first.start()]))]
        for sentence in passage.sentence_texts:
            sentence_l = normalize(sentence)
            if not LOWER_RANK.search(sentence_l) or FIRST_RANK.search(sentence_l):
                continue
            ranked = [e for e in subjects if entity_in(e, sentence_l)]
            if ranked:
                detail = f"the claim ranks {ranked[0]} first, the source does not ({sentence.strip()})"
                found.append(Conflict("rank", detail, True))
                break
    # Cadence: every month vs each quarter.
    ours_c, theirs_c = _cadence(claim_l), _cadence(text_l)
    if ours_c and theirs_c and not ours_c & theirs_c:
        ours_w = " / ".join(CADENCE_WORDS[n] for n in sorted(ours_c))
        theirs_w = " / ".join(CADENCE_WORDS[n] for n in sorted(theirs_c))
        found.append(Conflict("cadence", f"the claim says {ours_w}, the source says {theirs_w}", True))
    return found + _number_conflicts(claim_l, facts, passage)


def _number_conflicts(claim_l: str, facts: Facts, passage: Passage) -> list[Conflict]:
    """Numbers of the claim that the passage gives otherwise: another value for the same
    thing (weak: maybe another passage has it), swapped "from X to Y" or swapped nouns
    (strong: the passage holds both numbers and says the opposite)."""
    found: list[Conflict] = []
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
                found.append(Conflict("before_after", detail, True))
            continue
        rivals = [
            n for n in passage.facts.numbers
            if number.comparable(n) and not numbers_equal(n.value, number.value)
            and not any(o.backed_by(n) for o in facts.numbers)
        ]
        # Show the closest counterparts first: same unit, then same place in "from X to Y".
        rivals = [n for n in rivals if n.unit == number.unit] or rivals
        rivals = [n for n in rivals if number.role and n.role == number.role] or rivals
        if rivals:
            shown = ", ".join(dict.fromkeys(n.show() for n in rivals[:4]))
            detail = f"the claim says {number.show()}, the source says {shown}"
            found.append(Conflict("number", detail, False))
    return found


def _swaps(facts: Facts, passage: Passage) -> list[Conflict]:
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
            found.append(Conflict("swap", detail, True))
    # "260 products across 18,000 stores" against "18,000 products across 260 stores".
    for number in facts.numbers:
        if number.unit is None or number.known_unit:
            continue
        same_value = [m for m in passage.facts.numbers if number.backed_by(m)]
        same_noun = [
            m for m in passage.facts.numbers if m.unit == number.unit and not numbers_equal(m.value, number.value)
        ]
        if same_value and same_noun and all(m.unit != number.unit for m in same_value):
            detail = f"the claim says {number.show()}, the source says {same_noun[0].show()}"
            found.append(Conflict("swap", detail, True))
    return found

