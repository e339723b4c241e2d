"""finalize: choose the post to return (the last draft when it passes fact-check, else the
best passing draft, else the last draft without its failing claims, else a post composed
from the focused source's sentences), attach a citation to every supported claim, and report
the run. A post made only of the sources' sentences gets status "quoted"."""

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
from postgraph.post.extractive import composed_post, expand_with_evidence, quoted_only
from postgraph.post.finish import finish_post
from postgraph.text import body_and_hashtags


@timed
def finalize(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    kit = run_kit(state, runtime)
    checks, not_claims = state.get("claim_checks", []), state.get("not_claims", [])
    notes: list[str] = []
    judging: dict = {}
    if state.get("status") in ("no_evidence", "abstained"):
        post, checks, not_claims = "", [], []
    elif passes(checks):
        post = state["draft"]
    elif state.get("best_post"):
        post = state["best_post"]
        checked, judging = check_with_judge(state, context, kit, post, state["evidence"])
        checks, not_claims = checked.claims, checked.not_claims
        notes.append("finalize: the last draft failed fact-check; returned the best draft that passed")
    else:
        post, checks, not_claims, judging, note = _fallback(state, context, kit)
        notes.append(note)
    citations = citations_for(checks, state.get("evidence", []))
    notes = judging.get("notes", []) + notes
    budget = judging.get("budget") or usage(state)
    reason = exhausted(state, context)
    if reason and not budget.exhausted:
        budget = budget.model_copy(update={"exhausted": reason})
    status = state.get("status", "running")
    if status == "running" and post and quoted_only(post, state.get("evidence", [])):
        status = "quoted"
        notes.append("finalize: the post is composed of sentences quoted from the sources, not written by the model")
    elif status == "running":
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
        "corrected_requests": state.get("corrected_requests", []),
    }
    if state.get("status") == "no_evidence":
        update["message"] = "No post was written: no source matches the request and its filters."
    if notes:
        update["notes"] = notes
    return update


def _fallback(state: State, context: Context, kit: RunKit) -> tuple[str, list, list, dict, str]:
    """No draft passed fact-check: the last draft without its failing claims, brought to
    length from the focused source; failing that, a post composed from that source's
    sentences (without any a check still rejects); failing that, nothing rather than
    unsupported claims. Returns the post, its checks, its non-claims, the judging update and
    a note saying which it is."""
    plan, evidence, focus = state["plan"], state["evidence"], state.get("focus")
    topic, texts = plan.queries[0], [e.text for e in evidence]
    failing = [c.claim for c in state.get("claim_checks", []) if c.verdict != "supported"]
    corrected, _ = body_and_hashtags(remove_sentences(state["draft"], failing))
    if corrected.strip():
        corrected = finish_post(expand_with_evidence(corrected, plan, evidence, kit.embed_texts, focus), topic, texts)
        checked, judging = check_with_judge(state, context, kit, corrected, evidence)
        if passes(checked.claims):
            return (corrected, checked.claims, checked.not_claims, judging,
                    "finalize: no draft passed fact-check; returned the last one without its unsupported claims, "
                    "completed with sentences quoted from the sources")
    composed = composed_post(plan, evidence, kit.embed_texts, focus)
    for _ in range(2):  # a quoted sentence can still fail (a date out of its context): drop it once
        if not composed.strip():
            break
        checked, judging = check_with_judge(state, context, kit, composed, evidence)
        if passes(checked.claims):
            return (composed, checked.claims, checked.not_claims, judging,
                    "finalize: no draft passed fact-check; composed the post from the focused source's sentences")
        rejected = [c.claim for c in checked.claims if c.verdict != "supported"]
        kept, _ = body_and_hashtags(remove_sentences(composed, rejected))
        composed = finish_post(kept, topic, texts) if kept.strip() else ""
    return "", [], [], {}, "finalize: no draft passed fact-check and no source sentence could be quoted; no post"
