"""draft: plan + evidence + style examples -> a first post, written by the drafter model
with a few-shot completion prompt (the packaged base model writes far better that way than
through a chat template)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.domain import Evidence, Plan
from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.llm.completion import complete_text
from postgraph.post.extractive import Embed, composed_post
from postgraph.post.finish import finish_post
from postgraph.post.notes import COMPLETION_STOP, notes_block, post_from_completion, prompt_values, source_author
from postgraph.prompts import Prompt, style_examples


def draft_prompt(prompt: Prompt, plan: Plan, evidence: list[Evidence], embed: Embed | None = None,
                 focus: str | None = None) -> str:
    return prompt.format(examples="\n\n".join(style_examples()),
                         **prompt_values(plan, notes_block(plan, evidence, embed, focus), source_author(evidence, focus)))


@timed
def draft(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    plan, evidence = state["plan"], state["evidence"]
    focus = state.get("focus")
    if reason := exhausted(state, runtime.context):
        return {"draft": composed_post(plan, evidence, kit.embed_texts, focus),
                "notes": [f"draft: budget exhausted ({reason}); composed from source sentences"]}
    prompt = draft_prompt(kit.prompt("draft"), plan, evidence, kit.embed_texts, focus)
    result = complete_text(kit.model("drafter"), prompt, stop=COMPLETION_STOP, **kit.call_parameters("draft"))
    update: dict = {"budget": charge(state, calls=1, tokens=result.tokens)}
    post = finish_post(post_from_completion(result.text), plan.queries[0], [e.text for e in evidence],
                       [*style_examples(), kit.prompt("draft").template])
    if len(post.split()) < 10:
        update["draft"] = composed_post(plan, evidence, kit.embed_texts, focus)
        update["notes"] = ["draft: the model wrote almost nothing; composed from source sentences"]
    else:
        update["draft"] = post
    return update
