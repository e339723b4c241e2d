"""The writing graph, top to bottom:

    plan -> retrieve -> check_request -> draft -> critique -> fact_check -> finalize [-> approve]
                                                     ^                |
                                                     +---- revise <---+   (until both pass, max_revisions, or budget)

retrieve goes straight to finalize when nothing matches, check_request when the request rests
on premises the sources do not support (status "abstained").
"""

from __future__ import annotations

from langgraph.checkpoint.base import BaseCheckpointSaver
from langgraph.graph import END, START, StateGraph
from langgraph.graph.state import CompiledStateGraph
from langgraph.runtime import Runtime

from postgraph.graph import routing
from postgraph.graph.context import Context
from postgraph.graph.state import InputState, OutputState, State
from postgraph.nodes.approve import approve
from postgraph.nodes.check_request import check_request
from postgraph.nodes.critique import critique
from postgraph.nodes.draft import draft
from postgraph.nodes.fact_check import fact_check
from postgraph.nodes.finalize import finalize
from postgraph.nodes.plan import plan
from postgraph.nodes.retrieve import retrieve
from postgraph.nodes.revise import revise


def after_fact_check(state: State, runtime: Runtime[Context]):
    return routing.after_fact_check(state, runtime.context)


def after_finalize(state: State, runtime: Runtime[Context]):
    return routing.after_finalize(state, runtime.context)


def build_graph(checkpointer: BaseCheckpointSaver | None = None) -> CompiledStateGraph:
    builder = StateGraph(State, context_schema=Context, input_schema=InputState, output_schema=OutputState)
    builder.add_node(plan)
    builder.add_node(retrieve)
    builder.add_node(check_request)
    builder.add_node(draft)
    builder.add_node(critique)
    builder.add_node(fact_check)
    builder.add_node(revise)
    builder.add_node(finalize)
    builder.add_node(approve)

    builder.add_edge(START, "plan")
    builder.add_edge("plan", "retrieve")
    builder.add_conditional_edges("retrieve", routing.after_retrieve, ["check_request", "finalize"])
    builder.add_conditional_edges("check_request", routing.after_check_request, ["draft", "finalize"])
    builder.add_edge("draft", "critique")
    builder.add_edge("critique", "fact_check")
    builder.add_conditional_edges("fact_check", after_fact_check, ["revise", "finalize"])
    builder.add_edge("revise", "critique")
    builder.add_conditional_edges("finalize", after_finalize, ["approve", END])
    builder.add_edge("approve", END)
    return builder.compile(checkpointer=checkpointer, name="postgraph")


# Exported for `langgraph dev` / Studio (langgraph.json), which supplies its own checkpointer.
graph = build_graph()
