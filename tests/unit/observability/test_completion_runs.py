"""Model calls that bypass `invoke` (raw completions of llama.cpp and Ollama) reported to the
run's callbacks with `completion_run`, so Langfuse records them as generations of their node."""

from __future__ import annotations

import json

import pytest
from langgraph.graph import END, START, StateGraph
from typing_extensions import TypedDict

from postgraph.llm.callbacks import completion_run


class RawModel:
    """Stands in for a model with its own `complete()` (no LangChain callbacks)."""

    model_name = "gemma3-270m-q4_k_m.gguf"
    _llm_type = "llamacpp"

    def complete(self, prompt: str) -> tuple[str, dict]:
        return f"answer to {prompt}", {"input_tokens": 7, "output_tokens": 5, "total_tokens": 12}


class S(TypedDict, total=False):
    text: str


def graph(fail: bool = False):
    model = RawModel()

    def draft(state: S) -> dict:
        with completion_run(model, "Notes: x", max_tokens=320, temperature=0.3, stop=["\n\n\n"]) as run:
            if fail:
                raise RuntimeError("weights missing")
            text, usage = model.complete("Notes: x")
            run.end(text, usage)
        return {"text": text}

    builder = StateGraph(S)
    builder.add_node(draft)
    builder.add_edge(START, "draft")
    builder.add_edge("draft", END)
    return builder.compile(name="postgraph")


def test_a_raw_completion_becomes_a_generation_of_its_node(traced) -> None:
    tracing, exporter = traced
    run_id = "1" * 32
    versions = {"model.drafter": "llamacpp:gemma3-270m", "prompt.draft": "draft@2#ab12cd34ef56"}
    handler = tracing.handler(run_id=run_id, thread_id="t", versions=versions)
    assert graph().invoke({}, config={"callbacks": [handler]})["text"] == "answer to Notes: x"
    tracing.flush(timeout=5)

    (generation,) = [s for s in exporter.get_finished_spans()
                     if s.attributes.get("langfuse.observation.type") == "generation"]
    attributes = generation.attributes
    assert format(generation.context.trace_id, "032x") == run_id
    assert attributes["langfuse.observation.model.name"] == "llamacpp:gemma3-270m"
    assert attributes["langfuse.observation.prompt.name"] == "draft"
    assert attributes["langfuse.observation.prompt.version"] == 2
    assert json.loads(attributes["langfuse.observation.model.parameters"])["max_tokens"] == 320
    usage = json.loads(attributes["langfuse.observation.usage_details"])
    assert usage["input"] == 7 and usage["output"] == 5
    assert "answer to Notes: x" in attributes["langfuse.observation.output"]
    draft = next(s for s in exporter.get_finished_spans() if s.name == "draft")
    assert generation.parent.span_id == draft.context.span_id


def test_a_failed_raw_completion_is_an_error_generation(traced) -> None:
    tracing, exporter = traced
    handler = tracing.handler(run_id="2" * 32, thread_id="t", versions={})
    with pytest.raises(RuntimeError):
        graph(fail=True).invoke({}, config={"callbacks": [handler]})
    tracing.flush(timeout=5)
    (generation,) = [s for s in exporter.get_finished_spans()
                     if s.attributes.get("langfuse.observation.type") == "generation"]
    assert generation.attributes["langfuse.observation.level"] == "ERROR"


def test_outside_a_traced_run_nothing_happens() -> None:
    with completion_run(RawModel(), "prompt") as run:
        run.end("text", {"total_tokens": 1})
    assert run.ended and run.text == "text"
