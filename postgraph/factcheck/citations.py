"""A post's claims checked against the evidence, whether they all pass, and the citations of
the supported ones."""

from __future__ import annotations

from postgraph.domain import Citation, ClaimCheck, Evidence
from postgraph.factcheck.claims import extract_claims
from postgraph.factcheck.verdicts import Embed, check_claims


def check_post(post: str, evidence: list[Evidence], embed: Embed | None) -> list[ClaimCheck]:
    """A verdict for every claim of `post` (see `extract_claims` and `check_claims`)."""
    return check_claims(extract_claims(post), evidence, embed)


def passes(checks: list[ClaimCheck]) -> bool:
    return all(check.verdict == "supported" for check in checks)


def citations_for(checks: list[ClaimCheck], evidence: list[Evidence]) -> list[Citation]:
    by_id = {item.chunk_id: item for item in evidence}
    return [
        Citation(claim=c.claim, chunk_id=c.chunk_id, document_title=by_id[c.chunk_id].title, source=by_id[c.chunk_id].source)
        for c in checks
        if c.verdict == "supported" and c.chunk_id in by_id
    ]
