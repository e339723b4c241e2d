"""retrieve: the plan's queries -> evidence chunks (hybrid dense + BM25, filtered, MMR)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.pinning import retrieval_for
from postgraph.graph.resources import resources_for
from postgraph.graph.state import State
from postgraph.tools.retrieval import hybrid_search


@timed
def retrieve(state: State, runtime: Runtime[Context]) -> dict:
    context = runtime.context
    resources = resources_for(context)
    plan = state["plan"]
    strategy = retrieval_for(context)  # the registry's strategy, with the context's overrides
    evidence = hybrid_search(
        resources.index,
        resources.embeddings,
        resources.sparse,
        plan.queries,
        filters=strategy.filters_for(state.get("filters")),
        **strategy.search_parameters(),
    )
    update: dict = {"evidence": evidence}
    if not evidence:
        update["status"] = "no_evidence"
        update["notes"] = ["retrieve: no source matches the request and its filters"]
    return update
