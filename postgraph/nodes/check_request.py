"""check_request: the request's premises against the sources, before anything is drafted.

A premise no source states is named in `unsupported_requests` and taken out of the plan, so the
drafter is never told it; one a source contradicts is named in `corrected_requests` with the
source's passage, which the plan argues instead. A request that rests only on unsupported
premises gets no post: status "abstained", and a message saying what the sources do cover.
"""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.domain import CorrectedRequest, Evidence, Plan
from postgraph.factcheck.premises import PremiseCheck, check_premises, covered
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.post.request import is_premise, request_clauses
from postgraph.search.hybrid import hybrid_search


@timed
def check_request(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    plan, evidence = state["plan"], state["evidence"]
    if not plan.premises:
        return {"unsupported_requests": [], "corrected_requests": []}
    # A premise's number may sit in a chunk the topic's search left out: each gets its own search.
    strategy = kit.retrieval
    found = hybrid_search(kit.index, kit.embeddings, kit.sparse, plan.premises,
                          filters=strategy.filters_for(state.get("filters")), **strategy.search_parameters())
    seen = {item.chunk_id for item in evidence}
    pool = evidence + [item for item in found if item.chunk_id not in seen]
    checks = check_premises(plan.premises, pool, kit.embed_texts)
    unsupported = [c for c in checks if c.verdict == "unsupported"]
    corrected = [CorrectedRequest(premise=c.premise, correction=c.passage, chunk_id=c.chunk_id, source=c.source)
                 for c in checks if c.verdict == "contradicted"]
    update: dict = {"unsupported_requests": [c.premise for c in unsupported], "corrected_requests": corrected}
    notes = [f"check_request: the sources do not state {', '.join(c.missing)} ({c.premise!r})" for c in unsupported]
    notes += [f"check_request: a source contradicts {c.premise!r}: {c.correction!r}" for c in corrected]
    others = [clause for clause in request_clauses(state["request"]) if not is_premise(clause)]
    if unsupported and len(unsupported) == len(checks) and not any(covered(c, pool) for c in others):
        update["status"] = "abstained"
        update["message"] = abstention_message(unsupported, pool)
    elif unsupported or corrected:
        update["plan"] = without_failed_premises(plan, [c for c in checks if c.failed])
    if notes:
        update["notes"] = notes
    return update


def abstention_message(unsupported: list[PremiseCheck], evidence: list[Evidence]) -> str:
    missing = "; ".join(f"{c.premise!r} ({', '.join(c.missing)} in no source)" for c in unsupported)
    titles = list(dict.fromkeys(f"{item.title!r}" for item in evidence))[:4]
    return (f"No post was written: the request rests on what the sources do not say: {missing}. "
            f"The closest sources are about: {', '.join(titles)}. Ask for a post on one of them, or add the "
            "source that states it.")


def without_failed_premises(plan: Plan, failed: list[PremiseCheck]) -> Plan:
    """The plan with no angle or key point built on a failed premise; a contradicted premise's
    correction becomes a key point and, when the angle rested on the premise, the angle."""
    def rests_on_failed(text: str) -> bool:
        return any(fact.lower() in text.lower() for check in failed for fact in check.missing)

    corrections = [c.passage for c in failed if c.verdict == "contradicted"]
    angle = plan.angle
    if rests_on_failed(angle):
        angle = corrections[0] if corrections else (plan.queries[0] if not rests_on_failed(plan.queries[0]) else "")
    points = [p for p in plan.key_points if not rests_on_failed(p)] + corrections
    queries = [q for q in plan.queries if not rests_on_failed(q)] or plan.queries
    return plan.model_copy(update={"angle": angle or "what the sources say", "key_points": points[:5],
                                   "queries": queries})
