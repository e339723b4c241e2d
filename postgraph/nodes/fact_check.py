"""fact_check: every factual claim in the post against the evidence: numbers and names
matched in code, embedding similarity, and an entailment check by the judge model when one
is configured. Also names the user's requested facts that no source supports."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.citations import check_post, passes
from postgraph.factcheck.judge import Entailment, judge_claims
from postgraph.factcheck.verdicts import check_claims
from postgraph.graph.budget import charge, exhausted, usage
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import RunKit, run_kit
from postgraph.graph.state import State
from postgraph.llm.structured import complete_structured


@timed
def fact_check(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    post, evidence = state["draft"], state["evidence"]
    checked = check_post(post, evidence, kit.embed_texts)
    checks = checked.claims
    update: dict = {"not_claims": checked.not_claims}
    if kit.has_model("judge"):
        checks, judged = _entailment(state, runtime.context, kit, checks, evidence)
        update.update(judged)
    update["claim_checks"] = checks
    if passes(checks) and len(post.split()) >= len(state.get("best_post", "").split()):
        update["best_post"] = post
    if "unsupported_requests" not in state:
        requested = state["plan"].requested_facts
        request_checks = check_claims(requested, evidence, kit.embed_texts) if requested else []
        update["unsupported_requests"] = [c.claim for c in request_checks if c.verdict != "supported"]
    return update


def _entailment(state: State, context: Context, kit: RunKit, checks: list[ClaimCheck], evidence: list[Evidence]):
    """The judge model decides the claims only similarity backs; it fails closed (unchecked)."""
    model, prompt = kit.model("judge"), kit.prompt("entailment")
    spent = usage(state)

    def ask(passage: str, claim: str):
        result = complete_structured(model, prompt.format(evidence=passage, claim=claim), Entailment,
                                     degraded=Entailment(entailed=False))
        return (None if result.degraded else result.value), result.calls, result.tokens, result.error

    def calls_left(calls: int) -> bool:
        return (spent.model_calls + calls < context.max_model_calls and not exhausted(state, context))

    judged = judge_claims(checks, evidence, ask, judge=kit.versions.get("model.judge", "judge"), calls_left=calls_left)
    update: dict = {"budget": charge(state, calls=judged.calls, tokens=judged.tokens)}
    if judged.notes:
        update["notes"] = judged.notes
    return judged.checks, update
