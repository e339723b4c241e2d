"""fact_check: every factual claim in the post against the evidence: numbers and names
matched in code, embedding similarity, and an entailment check by the judge model when one
is configured. Also names the user's requested facts that no source supports."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel

from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.model_calls import complete_structured
from postgraph.graph.pinning import prompt_for
from postgraph.graph.resources import resources_for
from postgraph.graph.state import Citation, ClaimCheck, Evidence, State
from postgraph.tools.claims import check_claims, extract_claims


class Entailment(BaseModel):
    entailed: bool


def passes(checks: list[ClaimCheck]) -> bool:
    return all(check.verdict == "supported" for check in checks)


def check_post_claims(post: str, evidence: list[Evidence], context: Context) -> list[ClaimCheck]:
    return check_claims(extract_claims(post), evidence, resources_for(context).embed_texts)


def citations_for(checks: list[ClaimCheck], evidence: list[Evidence]) -> list[Citation]:
    by_id = {item.chunk_id: item for item in evidence}
    return [
        Citation(claim=c.claim, chunk_id=c.chunk_id, document_title=by_id[c.chunk_id].title, source=by_id[c.chunk_id].source)
        for c in checks
        if c.verdict == "supported" and c.chunk_id in by_id
    ]


@timed
def fact_check(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    resources = resources_for(context)
    post, evidence = state["draft"], state["evidence"]
    embed = resources.embed_texts
    checks = check_post_claims(post, evidence, context)
    update: dict = {}
    if context.judge_model:
        checks, update = _entailment(state, context, checks, evidence)
    update["claim_checks"] = checks
    if passes(checks) and len(post.split()) >= len(state.get("best_post", "").split()):
        update["best_post"] = post
    if "unsupported_requests" not in state:
        requested = state["plan"].requested_facts
        request_checks = check_claims(requested, evidence, embed) if requested else []
        update["unsupported_requests"] = [c.claim for c in request_checks if c.verdict != "supported"]
    return update


def _entailment(state: State, context: Context, checks: list[ClaimCheck], evidence: list[Evidence]):
    """Ask the judge model about claims the code found support for; a 'no' demotes them."""
    by_id = {item.chunk_id: item for item in evidence}
    model = resources_for(context).chat_model(context.judge_model)
    calls = tokens = 0
    notes: list[str] = []
    judged: list[ClaimCheck] = []
    for check in checks:
        if check.verdict != "supported" or check.chunk_id not in by_id or exhausted(state, context):
            judged.append(check)
            continue
        prompt = prompt_for(context, "entailment").format(evidence=by_id[check.chunk_id].text, claim=check.claim)
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
