"""retrieve: the plan's queries -> evidence chunks (hybrid dense + BM25, filtered, MMR)."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.search.hybrid import hybrid_search


@timed
def retrieve(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    plan = state["plan"]
    strategy = kit.retrieval  # the pinned strategy, with the context's overrides
    evidence = hybrid_search(
        kit.index,
        kit.embeddings,
        kit.sparse,
        plan.queries,
        filters=strategy.filters_for(state.get("filters")),
        **strategy.search_parameters(),
    )
    update: dict = {"evidence": evidence}
    if not evidence:
        update["status"] = "no_evidence"
        update["notes"] = ["retrieve: no source matches the request and its filters"]
    return update
