"""plan: request -> Plan. What code can read from the request (length, audience, facts the
user asked for, its premises: post/request.py) is parsed deterministically; the model only
proposes the angle and key points."""

from __future__ import annotations

import time
from typing import Annotated

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from postgraph.domain import Plan
from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.llm.structured import complete_structured
from postgraph.post.request import read_request
from postgraph.text import terms


class PlanIdeas(BaseModel):
    """The small part of the plan the model writes (constrained decoding is slow: keep it small)."""

    # Bounded so the longest valid answer fits the structured call's token cap (llm/structured.py).
    angle: str = Field(max_length=160)
    key_points: list[Annotated[str, Field(max_length=80)]] = Field(default_factory=list, max_length=3)


def sensible_ideas(ideas: PlanIdeas, request: str, fallback: PlanIdeas) -> PlanIdeas:
    """Valid JSON can still be nonsense from a small model: keep an angle and key points only
    when they share words with the request."""
    wanted = set(terms(request))
    angle = ideas.angle if len(set(terms(ideas.angle)) & wanted) >= 1 and len(ideas.angle.split()) >= 3 else fallback.angle
    points = [p for p in ideas.key_points if set(terms(p)) & wanted]
    return PlanIdeas(angle=angle, key_points=points)


@timed
def plan(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    kit = run_kit(state, runtime)
    started = state.get("started_at") or time.time()
    state = {**state, "started_at": started}
    parsed = read_request(state["request"], context.default_words)
    fallback = PlanIdeas(angle=parsed["topic"], key_points=[])
    notes: list[str] = []
    update: dict = {"started_at": started}
    if "pins" not in state:  # a run the writer did not start (Studio): its versions start here
        update["pins"] = kit.pins
    if reason := exhausted(state, context):
        ideas, notes = fallback, [f"plan: budget exhausted ({reason}); planned from the request alone"]
    else:
        prompt = kit.prompt("plan").format(request=state["request"])
        result = complete_structured(kit.model("planner"), prompt, PlanIdeas, degraded=fallback)
        ideas = sensible_ideas(result.value, state["request"], fallback)
        update["budget"] = charge(state, calls=result.calls, tokens=result.tokens)
        if result.degraded:
            notes.append(f"plan: model output did not validate ({result.error}); planned from the request alone")
    queries = [parsed["topic"], *parsed["requested_facts"], *ideas.key_points][:6]
    update["plan"] = Plan(
        angle=ideas.angle or parsed["topic"],
        audience=parsed["audience"],
        key_points=ideas.key_points,
        requested_facts=parsed["requested_facts"],
        premises=parsed["premises"],
        queries=queries,
        target_words=parsed["target_words"],
    )
    update["revisions"] = 0
    update["status"] = "running"
    if notes:
        update["notes"] = notes
    return update
