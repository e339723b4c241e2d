"""critique: deterministic LinkedIn rules first, then (budget allowing) the critic model;
the output is structured issues with instructions for the reviser."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from postgraph.domain import CritiqueIssue
from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.llm.structured import complete_structured
from postgraph.post.rules import check_post


class ModelIssue(BaseModel):
    # Short enough that the grammar closes every string within the structured call's token
    # cap: a model that loops on one character otherwise runs out of tokens mid-string.
    problem: str = Field(max_length=90)
    instruction: str = Field(max_length=90)


class ModelCritique(BaseModel):
    issues: list[ModelIssue] = Field(default_factory=list, max_length=2)


@timed
def critique(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    post, plan = state["draft"], state["plan"]
    issues = check_post(post, plan)
    update: dict = {}
    if context.model_critique and not exhausted(state, context):
        kit = run_kit(state, runtime)
        prompt = kit.prompt("critique").format(audience=plan.audience, post=post)
        result = complete_structured(kit.model("critic"), prompt, ModelCritique, degraded=ModelCritique())
        update["budget"] = charge(state, calls=result.calls, tokens=result.tokens)
        if result.degraded:
            update["notes"] = [f"critique: model critique did not validate ({result.error}); rules only"]
        issues += [
            CritiqueIssue(code="model", problem=i.problem, instruction=i.instruction, source="model")
            for i in result.value.issues
        ]
    update["critique"] = issues
    return update
