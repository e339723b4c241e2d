"""A post's claims checked against the evidence, whether they all pass, and the citations of
the supported ones."""

from __future__ import annotations

from dataclasses import dataclass

from postgraph.domain import Citation, ClaimCheck, Evidence, NonClaim
from postgraph.factcheck.claims import split_claims
from postgraph.factcheck.verdicts import Embed, check_claims


@dataclass(frozen=True)
class PostCheck:
    claims: list[ClaimCheck]
    """A verdict for every claim, in order."""
    not_claims: list[NonClaim]
    """The sentences that state no fact, with their kind (reported, not checked)."""


def check_post(post: str, evidence: list[Evidence], embed: Embed | None) -> PostCheck:
    """Every sentence of `post`: claims checked against the evidence (`check_claims`), the
    others labelled with their kind (`split_claims`)."""
    sentences = split_claims(post)
    claims = [s.claim for s in sentences if s.kind == "claim"]
    not_claims = [NonClaim(sentence=s.text, kind=s.kind) for s in sentences if s.kind != "claim"]
    return PostCheck(check_claims(claims, evidence, embed), not_claims)


def passes(checks: list[ClaimCheck]) -> bool:
    return all(check.verdict == "supported" for check in checks)


def citations_for(checks: list[ClaimCheck], evidence: list[Evidence]) -> list[Citation]:
    by_id = {item.chunk_id: item for item in evidence}
    return [
        Citation(claim=c.claim, chunk_id=c.chunk_id, document_title=by_id[c.chunk_id].title, source=by_id[c.chunk_id].source)
        for c in checks
        if c.verdict == "supported" and c.chunk_id in by_id
    ]
