"""revise: apply the critique and the fact-check. Unsupported or contradicted sentences are
removed and format problems fixed in code; what code cannot fix (hook, missing points, the
critic's instructions) goes to the reviser model, which may only use facts from the notes."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.graph.budget import charge, exhausted
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.llm.completion import complete_text
from postgraph.post.edits import remove_sentences, trim_to_words
from postgraph.post.extractive import expand_with_evidence
from postgraph.post.finish import finish_post
from postgraph.post.notes import COMPLETION_STOP, notes_block, post_from_completion
from postgraph.post.rules import apply_format_fixes
from postgraph.prompts import style_examples
from postgraph.text import body_and_hashtags, word_count

# Issues the code fixes itself; anything else needs a rewrite.
CODE_FIXES = {"too_long_chars", "too_many_hashtags", "hashtags_not_at_end", "markdown_heading", "length_off_target"}


@timed
def revise(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    plan = state["plan"]
    failing = [c.claim for c in state.get("claim_checks", []) if c.verdict != "supported"]
    post = apply_format_fixes(remove_sentences(state["draft"], failing))
    post = trim_to_words(post, int(plan.target_words * 1.2))
    texts, never_from = [e.text for e in state["evidence"]], [*style_examples(), kit.prompt("revise").template]
    update: dict = {"revisions": state.get("revisions", 0) + 1}
    notes = [f"revise: removed {len(failing)} unsupported or contradicted claim(s)"] if failing else []
    rewrite = [i for i in state.get("critique", []) if i.code not in CODE_FIXES]
    if rewrite and not exhausted(state, runtime.context):
        prompt = kit.prompt("revise").format(
            examples="\n\n".join(style_examples()[:1]),
            notes=notes_block(plan, state["evidence"], kit.embed_texts, state.get("focus")),
            post=post,
            instructions=" ".join(i.instruction for i in rewrite),
        )
        result = complete_text(kit.model("reviser"), prompt, stop=COMPLETION_STOP, **kit.call_parameters("revise"))
        update["budget"] = charge(state, calls=1, tokens=result.tokens)
        rewritten = post_from_completion(result.text)
        if len(rewritten.split()) >= 10:
            post = finish_post(rewritten, plan.queries[0], texts, never_from)
        else:
            notes.append("revise: the model rewrite was empty; kept the corrected draft")
    if word_count(body_and_hashtags(post)[0]) < plan.target_words * 0.8:
        post = expand_with_evidence(post, plan, state["evidence"], kit.embed_texts, state.get("focus"))
        notes.append("revise: brought the post back to length with sentences quoted from the sources")
    # Removing claims can take the hook, padding adds paragraphs: the post is laid out again.
    update["draft"] = finish_post(post, plan.queries[0], texts, never_from)
    if notes:
        update["notes"] = notes
    return update
