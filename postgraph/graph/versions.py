"""The versions a run used: prompts (name, version, hash), models per role, embedding and
retrieval strategy. Recorded in every result."""

from __future__ import annotations

from postgraph.graph.context import Context
from postgraph.graph.resources import Resources
from postgraph.prompts import examples_sha256, load_prompt

PROMPTS = ("plan", "draft", "critique", "revise", "entailment")


def retrieval_strategy(context: Context) -> str:
    mode = "hybrid-rrf" if context.hybrid else "dense"
    return (f"{mode}+mmr(k={context.retrieval_k},candidates={context.retrieval_candidates},"
            f"lambda={context.mmr_lambda},floor={context.relevance_floor})")


def run_versions(context: Context, resources: Resources) -> dict[str, str]:
    versions = {f"prompt.{name}": load_prompt(name).identity for name in PROMPTS}
    versions["prompt.examples"] = examples_sha256()[:12]
    versions.update({
        "model.planner": resources.model_id(context.planner_model),
        "model.drafter": resources.model_id(context.drafter_model),
        "model.critic": resources.model_id(context.critic_model),
        "model.reviser": resources.model_id(context.reviser_model),
        "model.judge": context.judge_model or "none",
        "embedding": resources.embedding_version,
        "retrieval": retrieval_strategy(context),
    })
    return versions
