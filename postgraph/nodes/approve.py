"""approve: optional human step before the final answer. Interrupts with the post; resume with

    {"action": "approve"}
    {"action": "reject"}
    {"action": "edit", "post": "...", "unsupported": "remove" | "refuse" | "accept"}

An edit is fact-checked like a draft. Claims in it that the sources do not support are removed
(the default: the edit comes back without those sentences), or the edit is refused with the
list ("refuse"), or kept on the reviewer's word ("accept"), which the result records as
unverified claims.

A refused edit or an answer that cannot be used asks again (a second interrupt whose payload
says why), so the thread keeps waiting for a usable answer: raising instead would leave the
bad answer recorded as the reply to the first question.
"""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from postgraph.factcheck.citations import PostCheck, citations_for
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.judging import check_with_judge
from postgraph.graph.kit import RunKit, run_kit
from postgraph.graph.state import State
from postgraph.post.edits import remove_sentences

UNSUPPORTED_CHOICES = ("remove", "refuse", "accept")


@timed
def approve(state: State, runtime: Runtime[Context]) -> dict:
    question = {"post": state.get("post", ""), "citations": [c.model_dump() for c in state.get("citations", [])],
                "choices": ["approve", "edit", "reject"], "unsupported_edit_choices": list(UNSUPPORTED_CHOICES)}
    while True:
        decision = interrupt(question)
        action = decision.get("action") if isinstance(decision, dict) else decision
        if action == "approve":
            return {"notes": ["approve: approved"]}
        if action == "reject":
            return {"status": "rejected", "notes": ["approve: rejected by the reviewer"]}
        problem = None
        if action == "edit":
            edited = (decision.get("post") or "").strip()
            choice = decision.get("unsupported") or "remove"
            if not edited:
                problem = "An edit needs the edited post text."
            elif choice not in UNSUPPORTED_CHOICES:
                problem = f"Unknown choice {choice!r} for unsupported claims: use {', '.join(UNSUPPORTED_CHOICES)}."
            else:
                outcome = _edited(state, runtime.context, run_kit(state, runtime), edited, choice)
                if "refused" not in outcome:
                    return outcome
                question = {**question, "refused": outcome["refused"]}
                continue
        else:
            problem = f"Unknown approval action {action!r}: use approve, edit or reject."
        question = {**question, "problem": problem}


def _edited(state: State, context: Context, kit: RunKit, post: str, choice: str) -> dict:
    """A reviewer's edit is checked like any draft, the judge included."""
    evidence = state.get("evidence", [])
    checked, update = check_with_judge(state, context, kit, post, evidence)
    failing = [c for c in checked.claims if c.verdict != "supported"]
    notes = [*update.pop("notes", []), "approve: edited by the reviewer"]
    if failing and choice == "refuse":
        return {"refused": {"post": post, "unsupported": [{"claim": c.claim, "verdict": c.verdict, "reason": c.reason}
                                                          for c in failing],
                            "message": f"The edit has {len(failing)} claim(s) the sources do not support; remove "
                                       "them, or answer with unsupported=remove or unsupported=accept."}}
    if failing and choice == "remove":
        post = remove_sentences(post, [c.claim for c in failing])
        # Whole sentences went: what is left is the claims already checked and found supported.
        checked = PostCheck([c for c in checked.claims if c.verdict == "supported"], checked.not_claims)
        notes.append(f"approve: removed {len(failing)} unsupported claim(s) from the edit: {[c.claim for c in failing]}")
        if not post.strip():
            return {"refused": {"post": "", "unsupported": [{"claim": c.claim, "verdict": c.verdict, "reason": c.reason}
                                                            for c in failing],
                                "message": "Nothing of the edit is left once its unsupported claims are removed."}}
    if failing and choice == "accept":
        update["unverified_claims"] = [c.claim for c in failing]
        notes.append(f"approve: the reviewer accepted {len(failing)} claim(s) the sources do not support; "
                     f"they are recorded as unverified: {[c.claim for c in failing]}")
    update.update({"post": post, "citations": citations_for(checked.claims, evidence), "claim_checks": checked.claims,
                   "not_claims": checked.not_claims, "notes": notes})
    return update
