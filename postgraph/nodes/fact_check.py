"""fact_check: every factual claim in the post against the evidence: numbers and names
matched in code, embedding similarity, and an entailment check by the judge model when one
is configured (the request's own premises were checked before drafting: check_request)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.factcheck.citations import passes
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.judging import check_with_judge
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State


@timed
def fact_check(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    post, evidence = state["draft"], state["evidence"]
    checked, update = check_with_judge(state, runtime.context, kit, post, evidence)
    checks = checked.claims
    update.update({"not_claims": checked.not_claims, "claim_checks": checks})
    if passes(checks) and len(post.split()) >= len(state.get("best_post", "").split()):
        update["best_post"] = post
    return update
