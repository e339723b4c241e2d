"""approve: optional human step before the final answer (interrupt with the post; resume
with {"action": "approve" | "edit" | "reject", "post": "..."})."""

from __future__ import annotations

from langgraph.runtime import Runtime
from langgraph.types import interrupt

from postgraph.errors import PostgraphError
from postgraph.factcheck.citations import check_post, citations_for
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import RunKit, run_kit
from postgraph.graph.state import State


@timed
def approve(state: State, runtime: Runtime[Context]) -> dict:
    decision = interrupt({"post": state.get("post", ""), "citations": [c.model_dump() for c in state.get("citations", [])],
                          "choices": ["approve", "edit", "reject"]})
    action = decision.get("action") if isinstance(decision, dict) else decision
    if action == "approve":
        return {"notes": ["approve: approved"]}
    if action == "reject":
        return {"status": "rejected", "notes": ["approve: rejected by the reviewer"]}
    if action == "edit":
        edited = (decision.get("post") or "").strip()
        if not edited:
            raise PostgraphError("An edit needs the edited post text.")
        return _edited(state, run_kit(state, runtime), edited)
    raise PostgraphError(f"Unknown approval action {action!r}: use approve, edit or reject.")


def _edited(state: State, kit: RunKit, post: str) -> dict:
    """A reviewer's edit is checked like any draft: its claims keep or lose their citations."""
    evidence = state.get("evidence", [])
    checks = check_post(post, evidence, kit.embed_texts).claims
    unsupported = [c.claim for c in checks if c.verdict != "supported"]
    notes = ["approve: edited by the reviewer"]
    if unsupported:
        notes.append(f"approve: {len(unsupported)} claim(s) in the edit have no source: {unsupported}")
    return {"post": post, "citations": citations_for(checks, evidence), "claim_checks": checks, "notes": notes}
