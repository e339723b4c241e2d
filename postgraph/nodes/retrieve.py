"""retrieve: the plan's queries -> evidence chunks (hybrid dense + BM25, filtered, MMR), from
the one source the post is about (search/focus.py): a first search over everything finds it,
a second one within it gives the evidence, so MMR's diversity works inside the source and not
across unrelated newsletters. A comparison or roundup keeps every source, grouped by source."""

from __future__ import annotations

from langgraph.runtime import Runtime

from postgraph.domain import RequestFilters
from postgraph.graph.context import Context
from postgraph.graph.instrument import timed
from postgraph.graph.kit import run_kit
from postgraph.graph.state import State
from postgraph.search.focus import focus_source, grouped_by_source
from postgraph.search.hybrid import hybrid_search


@timed
def retrieve(state: State, runtime: Runtime[Context]) -> dict:
    kit = run_kit(state, runtime)
    plan = state["plan"]
    strategy = kit.retrieval  # the pinned strategy, with the context's overrides
    filters = strategy.filters_for(state.get("filters"))

    def search(within: RequestFilters | None, **overrides):
        return hybrid_search(kit.index, kit.embeddings, kit.sparse, plan.queries, filters=within,
                             **{**strategy.search_parameters(), **overrides})

    evidence = search(filters)
    if not evidence:
        return {"evidence": [], "status": "no_evidence",
                "notes": ["retrieve: no source matches the request and its filters"]}
    focus = focus_source(state["request"], evidence)
    if focus is None:
        return {"evidence": grouped_by_source(evidence), "focus": ""}
    within = (filters or RequestFilters()).model_copy(update={"sources": [focus]})
    # Every chunk of the chosen source is on its topic: no relevance floor, MMR picks among them.
    focused = [item for item in search(within, relevance_floor=0.0) if item.source == focus]
    return {"evidence": focused or [item for item in evidence if item.source == focus], "focus": focus}
