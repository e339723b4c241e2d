"""Where the graph goes next: small pure functions of the state and the context."""

from __future__ import annotations

from typing import Literal

from postgraph.graph.budget import exhausted
from postgraph.graph.context import Context
from postgraph.graph.state import State


def after_retrieve(state: State) -> Literal["check_request", "finalize"]:
    return "finalize" if not state.get("evidence") else "check_request"


def after_check_request(state: State) -> Literal["draft", "finalize"]:
    return "finalize" if state.get("status") == "abstained" else "draft"


def after_fact_check(state: State, context: Context) -> Literal["revise", "finalize"]:
    checks_pass = all(c.verdict == "supported" for c in state.get("claim_checks", []))
    if checks_pass and not state.get("critique"):
        return "finalize"
    if state.get("revisions", 0) >= context.max_revisions:
        return "finalize"
    if exhausted(state, context):
        return "finalize"
    return "revise"


def after_finalize(state: State, context: Context) -> Literal["approve", "__end__"]:
    return "approve" if context.require_approval and state.get("post") else "__end__"
