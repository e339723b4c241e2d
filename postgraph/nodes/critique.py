"""critique: deterministic LinkedIn rules first, then (budget allowing) the critic model;
the output is structured issues with instructions for the reviser."""

from __future__ import annotations

from langgraph.runtime import Runtime
from pydantic import BaseModel, Field

from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.model_calls import complete_structured
from postgraph.graph.pinning import prompt_for
from postgraph.graph.resources import resources_for
from postgraph.graph.state import CritiqueIssue, State
from postgraph.tools.linkedin_rules import check_post


class ModelIssue(BaseModel):
    problem: str = Field(max_length=200)
    instruction: str = Field(max_length=200)


class ModelCritique(BaseModel):
    issues: list[ModelIssue] = Field(default_factory=list, max_length=2)


@timed
def critique(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    post, plan = state["draft"], state["plan"]
    issues = check_post(post, plan)
    update: dict = {}
    if context.model_critique and not exhausted(state, context):
        model = resources_for(context).chat_model(context.critic_model)
        prompt = prompt_for(context, "critique").format(audience=plan.audience, post=post)
        result = complete_structured(model, prompt, ModelCritique, degraded=ModelCritique())
        update["budget"] = charge(state, calls=result.calls, tokens=result.tokens)
        if result.degraded:
            update["notes"] = [f"critique: model critique did not validate ({result.error}); rules only"]
        issues += [
            CritiqueIssue(code="model", problem=i.problem, instruction=i.instruction, source="model")
            for i in result.value.issues
        ]
    update["critique"] = issues
    return update
