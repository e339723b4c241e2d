"""A post's claims checked the way every node checks them: code first, then the judge.

`check_with_judge` runs the deterministic checks (`factcheck.citations.check_post`) and, when
the run pins a judge, asks it about the claims only similarity backs, within the run's budget
(`factcheck.judge.judge_claims` fails closed). fact_check, finalize (re-checking the best or a
corrected draft) and approve (re-checking a reviewer's edit) all call it, so no path skips
the judge.

The judge is asked "does this passage state this claim?" in one of two ways: the trained
claim checker (`checker:<adapter>`) answers from two logits, so its answer always validates;
a chat model answers through the entailment prompt with a validated structured answer, and an
answer that does not validate comes back as None (the claim stays unchecked).
"""

from __future__ import annotations

from langchain_core.language_models import BaseChatModel

from postgraph.domain import Evidence
from postgraph.factcheck.citations import PostCheck, check_post
from postgraph.factcheck.judge import Ask, Entailment, judge_claims
from postgraph.graph.budget import charge, exhausted, usage
from postgraph.graph.context import Context
from postgraph.graph.kit import RunKit
from postgraph.graph.state import State
from postgraph.llm.checker import ClaimChecker, adapter_path, load_claim_checker
from postgraph.llm.structured import complete_structured
from postgraph.prompts import Prompt, PromptRegistry
from postgraph.registry.labels import DEFAULT_LABEL
from postgraph.registry.models import ModelRegistry
from postgraph.settings import Settings


def checker_ask(checker: ClaimChecker) -> Ask:
    def ask(passage: str, claim: str):
        entailed, _, tokens = checker.entailed(passage, claim)
        return Entailment(entailed=entailed), 1, tokens, None
    return ask


def chat_ask(model: BaseChatModel, prompt: Prompt) -> Ask:
    def ask(passage: str, claim: str):
        result = complete_structured(model, prompt.format(evidence=passage, claim=claim), Entailment,
                                     degraded=Entailment(entailed=False))
        return (None if result.degraded else result.value), result.calls, result.tokens, result.error
    return ask


def configured_judge(settings: Settings, label: str = DEFAULT_LABEL) -> str:
    """The judge's model id outside a run: POSTGRAPH_JUDGE_MODEL, else the one the model
    registry's `label` names; empty for none."""
    if settings.judge_model:
        return settings.judge_model
    found = ModelRegistry(settings.model_registry_path).resolve("judge", label)
    return found[1].model_id if found else ""


def judge_ask(model_id: str, settings: Settings) -> Ask:
    """ask(passage, claim) for a judge model id, as a run asks it (the production entailment
    prompt for a chat model)."""
    if adapter_path(model_id) is not None:
        return checker_ask(load_claim_checker(model_id, settings))
    from postgraph.llm.factory import load_chat_model  # the chat providers load only when a chat judge is asked

    prompt = PromptRegistry(settings.prompt_registry_path).get("entailment")
    return chat_ask(load_chat_model(model_id, settings), prompt)


def check_with_judge(state: State, context: Context, kit: RunKit, post: str,
                     evidence: list[Evidence]) -> tuple[PostCheck, dict]:
    """The post's claims and the state update the judging cost (budget, notes)."""
    checked = check_post(post, evidence, kit.embed_texts)
    if not kit.has_model("judge"):
        return checked, {}
    checker = kit.claim_checker("judge")
    ask = checker_ask(checker) if checker is not None else chat_ask(kit.model("judge"), kit.prompt("entailment"))
    spent = usage(state)

    def calls_left(calls: int) -> bool:
        return spent.model_calls + calls < context.max_model_calls and not exhausted(state, context)

    judged = judge_claims(checked.claims, evidence, ask, judge=kit.versions.get("model.judge", "judge"),
                          calls_left=calls_left)
    update: dict = {"budget": charge(state, calls=judged.calls, tokens=judged.tokens)} if judged.calls else {}
    if judged.notes:
        update["notes"] = judged.notes
    return PostCheck(judged.checks, checked.not_claims), update
