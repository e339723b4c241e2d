"""finalize: choose the post to return (the last draft when it passes fact-check, else the
best passing draft), attach a citation to every supported claim, and report the run."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.factcheck.citations import citations_for, passes
from postgraph.graph.budget import exhausted, usage
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.judging import check_with_judge
from postgraph.graph.kit import RunKit, run_kit
from postgraph.graph.state import State
from postgraph.post.edits import remove_sentences
from postgraph.post.extractive import expand_with_evidence


@timed
def finalize(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    kit = run_kit(state, runtime)
    checks, not_claims = state.get("claim_checks", []), state.get("not_claims", [])
    notes: list[str] = []
    judging: dict = {}
    if state.get("status") == "no_evidence":
        post, checks, not_claims = "", [], []
    elif passes(checks):
        post = state["draft"]
    elif state.get("best_post"):
        post = state["best_post"]
        checked, judging = check_with_judge(state, context, kit, post, state["evidence"])
        checks, not_claims = checked.claims, checked.not_claims
        notes.append("finalize: the last draft failed fact-check; returned the best draft that passed")
    else:
        post, checks, not_claims, judging = _corrected(state, context, kit)
        notes.append("finalize: no draft passed fact-check; returned the last one without its unsupported "
                     "claims, completed with sentences quoted from the sources")
    citations = citations_for(checks, state.get("evidence", []))
    notes = judging.get("notes", []) + notes
    budget = judging.get("budget") or usage(state)
    reason = exhausted(state, context)
    if reason and not budget.exhausted:
        budget = budget.model_copy(update={"exhausted": reason})
    status = state.get("status", "running")
    if status == "running":
        status = "budget_exhausted" if budget.exhausted else ("done" if post else "failed")
    update = {
        "post": post,
        "citations": citations,
        "claim_checks": checks,
        "not_claims": not_claims,
        "status": status,
        "budget": budget,
        "versions": dict(kit.versions),
        "unsupported_requests": (
            state.get("unsupported_requests", [])
            if state.get("status") != "no_evidence"
            else state["plan"].requested_facts or [state["request"]]
        ),
    }
    if notes:
        update["notes"] = notes
    return update


def _corrected(state: State, context: Context, kit: RunKit) -> tuple[str, list, list, dict]:
    """The last draft minus its failing claims, brought to length from the evidence; if even
    that does not pass, nothing is returned rather than unsupported claims."""
    failing = [c.claim for c in state.get("claim_checks", []) if c.verdict != "supported"]
    post = expand_with_evidence(remove_sentences(state["draft"], failing), state["plan"], state["evidence"],
                                kit.embed_texts)
    checked, judging = check_with_judge(state, context, kit, post, state["evidence"])
    if post.strip() and passes(checked.claims):
        return post, checked.claims, checked.not_claims, judging
    return "", [], [], judging
