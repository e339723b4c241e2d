"""retrieve: the plan's queries -> evidence chunks (hybrid dense + BM25, filtered, MMR)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.resources import resources_for
from postgraph.graph.state import State
from postgraph.tools.retrieval import hybrid_search


@timed
def retrieve(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    resources = resources_for(context)
    plan = state["plan"]
    evidence = hybrid_search(
        resources.index,
        resources.embeddings,
        resources.sparse,
        plan.queries,
        filters=state.get("filters"),
        k=context.retrieval_k,
        candidates=context.retrieval_candidates,
        hybrid=context.hybrid,
        mmr_lambda=context.mmr_lambda,
        relevance_floor=context.relevance_floor,
    )
    update: dict = {"evidence": evidence}
    if not evidence:
        update["status"] = "no_evidence"
        update["notes"] = ["retrieve: no source matches the request and its filters"]
    return update
