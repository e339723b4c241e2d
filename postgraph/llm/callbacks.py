"""Callback events for model calls that bypass LangChain's `invoke`.

The llama.cpp and Ollama models answer raw completion prompts through their own `complete()`
method (see `postgraph.llm.completion.complete`), which fires no callback, so a tracer such as
Langfuse's handler never sees those calls as generations. `completion_run` reports such a call
to the callbacks of the current LangChain/LangGraph run (the node that makes it), with the
prompt, parameters, answer and token usage:

    with completion_run(model, prompt, max_tokens=320, temperature=0.3, stop=stop) as run:
        completion = model.complete(prompt, ...)
        run.end(completion.text, completion.usage)

Outside a run with callbacks it does nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any


@dataclass
class CompletionRun:
    text: str = ""
    usage: Mapping[str, int] = field(default_factory=dict)
    ended: bool = False

    def end(self, text: str, usage: Mapping[str, int] | None = None) -> None:
        self.text, self.usage, self.ended = text, dict(usage or {}), True


def _model_name(model: Any) -> str:
    for attribute in ("model_name", "model"):
        value = getattr(model, attribute, None)
        if isinstance(value, str) and value:
            return value
    return type(model).__name__


@contextmanager
def completion_run(model: Any, prompt: str, **params: Any) -> Iterator[CompletionRun]:
    from langchain_core.callbacks import CallbackManager
    from langchain_core.outputs import Generation, LLMResult
    from langchain_core.runnables.config import ensure_config

    config = ensure_config()  # inside a node: the node's config, with its callbacks
    name = _model_name(model)
    manager = CallbackManager.configure(
        inheritable_callbacks=config.get("callbacks"),
        inheritable_tags=config.get("tags"),
        inheritable_metadata=config.get("metadata"),
        local_metadata={"ls_model_name": name, "ls_model_type": "llm"},
    )
    run = CompletionRun()
    if not manager.handlers:
        yield run
        return
    serialized = {"id": ["postgraph", "models", type(model).__name__], "name": type(model).__name__, "kwargs": {}}
    invocation = {"_type": getattr(model, "_llm_type", type(model).__name__), "model_name": name,
                  **{k: v for k, v in params.items() if v is not None}}
    (llm_run,) = manager.on_llm_start(serialized, [prompt], invocation_params=invocation, name=name)
    try:
        yield run
    except BaseException as error:
        llm_run.on_llm_error(error)
        raise
    usage = dict(run.usage)
    generation = Generation(text=run.text, generation_info={"usage_metadata": usage} if usage else None)
    llm_run.on_llm_end(LLMResult(generations=[[generation]], llm_output={"token_usage": usage} if usage else None))
