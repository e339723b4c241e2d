"""A request's premises against the sources: which facts a premise takes for granted that no
source states, and which ones a source contradicts.

The claim check (`verdicts.check_claims`) is built for a post's sentences; a request is
phrased differently ("with our 4-minute rollback", "under $200"), so a verdict on it alone
would refuse requests the sources do answer. A premise therefore fails only on hard ground:

    unsupported   one of its numbers (unhedged), names or announced events ("we hired")
                  appears in no evidence text
    contradicted  that, and the claim check finds a source giving another value for it: the
                  source's passage is the correction
    supported     the claim check backs it
    unclear       its facts are all in the sources but the check could not bind them; it
                  counts as no failure (the post's own claims are still checked)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from postgraph.domain import Evidence
from postgraph.factcheck.binding import hedged
from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.passages import name_backed, normalize, overlap, stems
from postgraph.factcheck.verdicts import Embed, check_claims

# Events a post would announce; a source that had them would say so in those words.
EVENT = re.compile(r"\b(?:hired|hiring|hires|raised|raising|acquired|acquisition|launched|launching|funded|funding|"
                   r"partnered|partnership|appointed|layoffs?|laid off|ipo)\b", re.I)
COVERED_SHARE = 0.5
PremiseVerdict = Literal["supported", "unsupported", "contradicted", "unclear"]


@dataclass(frozen=True)
class PremiseCheck:
    premise: str
    verdict: PremiseVerdict
    missing: tuple[str, ...] = ()
    """The premise's facts that no evidence text states."""
    passage: str = ""
    """For a contradicted premise, the source passage that gives the right value."""
    chunk_id: str | None = None
    source: str | None = None

    @property
    def failed(self) -> bool:
        return self.verdict in ("unsupported", "contradicted")


def missing_facts(premise: str, evidence: Sequence[Evidence]) -> list[str]:
    """The premise's unhedged numbers, names and announced events ("we hired", "raised") that
    no evidence text states, then its dates the evidence lacks; dates alone do not count (a
    document often names its months only in a table or a chart the retrieval left out)."""
    facts = facts_in(premise)
    texts = [item.text for item in evidence] + [item.title for item in evidence]
    joined = normalize("\n".join(texts))
    stated = [number for text in texts for number in facts_in(text).numbers]
    missing = [number.raw for number in facts.numbers
               if not hedged(premise, number) and not any(number.backed_by(s) for s in stated)]
    missing += [name for name in facts.entities if not name_backed(name, joined)]
    present = stems(joined)
    missing += [word for word in EVENT.findall(premise) if not stems(word) <= present]
    if not missing:
        return []
    return list(dict.fromkeys(missing + [date for date in facts.dates if date.lower() not in joined]))


def covered(clause: str, evidence: Sequence[Evidence]) -> bool:
    """The sources say something about the clause: most of its content words are theirs."""
    return overlap(stems(clause), "\n".join(item.text for item in evidence)) >= COVERED_SHARE


def check_premises(premises: Sequence[str], evidence: Sequence[Evidence], embed: Embed | None) -> list[PremiseCheck]:
    """A verdict per premise (see the module doc), in order."""
    checks = check_claims(list(premises), evidence, embed) if premises else []
    by_chunk = {item.chunk_id: item for item in evidence}
    results = []
    for premise, check in zip(premises, checks, strict=True):
        missing = tuple(missing_facts(premise, evidence))
        chunk = by_chunk.get(check.chunk_id or "")
        where = {"chunk_id": check.chunk_id, "source": chunk.source if chunk else None}
        if check.verdict == "supported":
            results.append(PremiseCheck(premise, "supported", **where))
        elif missing and check.verdict == "contradicted" and check.passages:
            results.append(PremiseCheck(premise, "contradicted", missing, check.passages[0], **where))
        elif missing:
            results.append(PremiseCheck(premise, "unsupported", missing))
        else:
            results.append(PremiseCheck(premise, "unclear"))
    return results
