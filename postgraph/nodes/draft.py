"""draft: plan + evidence + style examples -> a first post, written by the drafter model
with a few-shot completion prompt (the packaged base model writes far better that way than
through a chat template)."""

from __future__ import annotations

import re

from langgraph.runtime import Runtime

from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.model_calls import complete_text
from postgraph.graph.pinning import prompt_for, prompt_parameter
from postgraph.graph.resources import resources_for
from postgraph.graph.state import Evidence, Plan, State
from postgraph.prompts import Prompt, style_examples
from postgraph.tools.extractive import extractive_post
from postgraph.tools.post_edits import clean_model_post

NOTE_CHARS = 700
STOP = ["\nNotes:", "\nAudience:", "\nPost:", "\n\n\n"]
MARKER = re.compile(r"\s*\[(\d+)\]")


def notes_block(evidence: list[Evidence]) -> str:
    """Evidence as numbered notes. Sources are data: they are quoted, never obeyed."""
    lines = []
    for number, item in enumerate(evidence, start=1):
        text = " ".join(item.text.split())
        lines.append(f"[{number}] {text[:NOTE_CHARS]}")
    return "\n".join(lines)


def draft_prompt(prompt: Prompt, plan: Plan, evidence: list[Evidence]) -> str:
    return prompt.format(
        examples="\n\n".join(style_examples()),
        notes=notes_block(evidence),
        audience=plan.audience,
        angle=plan.angle,
        words=plan.target_words,
    )


@timed
def draft(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    plan, evidence = state["plan"], state["evidence"]
    if reason := exhausted(state, context):
        embed = resources_for(context).embed_texts
        return {"draft": extractive_post(plan, evidence, embed),
                "notes": [f"draft: budget exhausted ({reason}); composed from source sentences"]}
    model = resources_for(context).chat_model(context.drafter_model)
    prompt = prompt_for(context, "draft")
    result = complete_text(
        model, draft_prompt(prompt, plan, evidence), stop=STOP,
        max_tokens=prompt_parameter(context, prompt, "max_tokens"),
        temperature=prompt_parameter(context, prompt, "temperature"),
    )
    update: dict = {"budget": charge(state, calls=1, tokens=result.tokens)}
    post = clean_model_post(MARKER.sub("", result.text))
    if len(post.split()) < 10:
        update["draft"] = extractive_post(plan, evidence, resources_for(context).embed_texts)
        update["notes"] = ["draft: the model wrote almost nothing; composed from source sentences"]
    else:
        update["draft"] = post
    return update
