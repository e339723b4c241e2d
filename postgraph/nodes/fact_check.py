"""fact_check: every factual claim in the post against the evidence: numbers and names
matched in code, embedding similarity, and an entailment check by the judge model when one
is configured. Also names the user's requested facts that no source supports."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.citations import check_post, passes
from postgraph.factcheck.verdicts import check_claims
from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import RunKit, run_kit
from postgraph.graph.state import State
from postgraph.llm.structured import complete_structured


class Entailment(BaseModel):
    entailed: bool


@timed
def fact_check(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    post, evidence = state["draft"], state["evidence"]
    checked = check_post(post, evidence, kit.embed_texts)
    checks = checked.claims
    update: dict = {"not_claims": checked.not_claims}
    if kit.has_model("judge"):
        checks, update = _entailment(state, runtime.context, kit, checks, evidence)
    update["claim_checks"] = checks
    if passes(checks) and len(post.split()) >= len(state.get("best_post", "").split()):
        update["best_post"] = post
    if "unsupported_requests" not in state:
        requested = state["plan"].requested_facts
        request_checks = check_claims(requested, evidence, kit.embed_texts) if requested else []
        update["unsupported_requests"] = [c.claim for c in request_checks if c.verdict != "supported"]
    return update


def _entailment(state: State, context: Context, kit: RunKit, checks: list[ClaimCheck], evidence: list[Evidence]):
    """Ask the judge model about claims the code found support for; a 'no' demotes them."""
    by_id = {item.chunk_id: item for item in evidence}
    model = kit.model("judge")
    calls = tokens = 0
    notes: list[str] = []
    judged: list[ClaimCheck] = []
    for check in checks:
        if check.verdict != "supported" or check.chunk_id not in by_id or exhausted(state, context):
            judged.append(check)
            continue
        prompt = kit.prompt("entailment").format(evidence=by_id[check.chunk_id].text, claim=check.claim)
        result = complete_structured(model, prompt, Entailment, degraded=Entailment(entailed=True))
        calls, tokens = calls + result.calls, tokens + result.tokens
        if result.degraded:
            notes.append(f"fact_check: entailment answer did not validate for {check.claim!r}; kept the code verdict")
        if not result.value.entailed:
            check = check.model_copy(update={"verdict": "unsupported", "reason": "the judge model found the source does not state it"})
        judged.append(check)
    update: dict = {"budget": charge(state, calls=calls, tokens=tokens)}
    if notes:
        update["notes"] = notes
    return judged, update
