"""A post's claims checked against the evidence, whether they all pass, and the citations of
the supported ones."""

from __future__ import annotations

from dataclasses import dataclass

from postgraph.domain import Citation, ClaimCheck, Evidence, NonClaim
from postgraph.factcheck.claims import split_claims
from postgraph.factcheck.passages import overlap, stems
from postgraph.factcheck.verdicts import Embed, check_claims

OFF_SOURCE_MIN_TERMS = 5
OFF_SOURCE_SHARE = 0.4


@dataclass(frozen=True)
class PostCheck:
    claims: list[ClaimCheck]
    """A verdict for every claim, in order."""
    not_claims: list[NonClaim]
    """The sentences that state no fact, with their kind (reported, not checked)."""


def check_post(post: str, evidence: list[Evidence], embed: Embed | None) -> PostCheck:
    """Every sentence of `post`: claims checked against the evidence (`check_claims`), the
    others labelled with their kind (`split_claims`). A lesson or call to action whose words
    the sources do not use is no opinion drawn from them but something made up ("you need to
    be able to read the code"): it is checked as a claim and is unsupported (`off_source`)."""
    sentences = split_claims(post)
    claims = [s.claim for s in sentences if s.kind == "claim"]
    source_text = "\n".join(item.text for item in evidence)
    made_up = [s.text for s in sentences if s.kind in ("opinion", "call_to_action") and off_source(s.text, source_text)]
    not_claims = [NonClaim(sentence=s.text, kind=s.kind) for s in sentences
                  if s.kind != "claim" and s.text not in made_up]
    checked = iter(check_claims(claims, evidence, embed))
    in_order = [next(checked) if s.kind == "claim" else _made_up(s.text, source_text)
                for s in sentences if s.kind == "claim" or s.text in made_up]
    return PostCheck(in_order, not_claims)


def off_source(sentence: str, source_text: str) -> bool:
    """True for a sentence of at least OFF_SOURCE_MIN_TERMS content words, fewer than
    OFF_SOURCE_SHARE of which the sources use."""
    own = stems(sentence)
    return len(own) >= OFF_SOURCE_MIN_TERMS and overlap(own, source_text) < OFF_SOURCE_SHARE


def _made_up(sentence: str, source_text: str) -> ClaimCheck:
    share = overlap(stems(sentence), source_text)
    return ClaimCheck(claim=sentence, verdict="unsupported", decided_by="off_source",
                      reason=f"Unsupported: only {share:.0%} of its words are in the sources; it is no lesson drawn "
                             "from them.")


def passes(checks: list[ClaimCheck]) -> bool:
    return all(check.verdict == "supported" for check in checks)


def citations_for(checks: list[ClaimCheck], evidence: list[Evidence]) -> list[Citation]:
    by_id = {item.chunk_id: item for item in evidence}
    return [
        Citation(claim=c.claim, chunk_id=c.chunk_id, document_title=by_id[c.chunk_id].title, source=by_id[c.chunk_id].source)
        for c in checks
        if c.verdict == "supported" and c.chunk_id in by_id
    ]
