"""Provider-neutral calls: a raw completion with any chat model, JSON-schema constrained
decoding switched on for either provider, and the free-text call the nodes make."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage
from langchain_core.runnables import Runnable
from langchain_ollama import ChatOllama
from pydantic import BaseModel

from postgraph.llm.callbacks import completion_run
from postgraph.llm.llamacpp import LlamaCppChatModel, llama_response_format
from postgraph.llm.ollama import OllamaChatModel
from postgraph.llm.results import Completion, json_schema_of, message_text, usage


def bind_json_schema(model: BaseChatModel, schema: type[BaseModel] | dict[str, Any]) -> Runnable:
    """`model` with JSON-schema constrained decoding switched on, for either provider. Other
    chat models (test fakes, hosted ones) are returned unchanged: their answer is validated
    all the same by the caller."""
    if isinstance(model, LlamaCppChatModel):
        return model.bind(response_format=llama_response_format(schema))
    if isinstance(model, ChatOllama):
        return model.bind(format=json_schema_of(schema))
    return model


def complete(
    model: BaseChatModel,
    prompt: str,
    *,
    max_tokens: int | None = None,
    stop: Sequence[str] | None = None,
    temperature: float | None = None,
    schema: type[BaseModel] | dict[str, Any] | None = None,
) -> Completion:
    """Raw completion with any chat model: llama.cpp and Ollama continue the prompt without a
    chat template; other chat models (test fakes) get the prompt as one user message."""
    if isinstance(model, (LlamaCppChatModel, OllamaChatModel)):
        # A raw completion bypasses LangChain's callbacks: report it to them (tracing) by hand.
        with completion_run(model, prompt, max_tokens=max_tokens, temperature=temperature, stop=stop) as run:
            completion = model.complete(
                prompt, max_tokens=max_tokens, stop=stop, temperature=temperature, schema=schema
            )
            run.end(completion.text, completion.usage)
        return completion
    runnable: Runnable = bind_json_schema(model, schema) if schema is not None else model
    call = {
        k: v for k, v in {"max_tokens": max_tokens, "temperature": temperature}.items() if v is not None
    }
    if stop is not None:
        call["stop"] = list(stop)
    message = runnable.invoke([HumanMessage(prompt)], **call)
    counts = getattr(message, "usage_metadata", None) or usage(0, 0)
    return Completion(
        text=message_text(message),
        usage=counts,
        finish_reason=(message.response_metadata or {}).get("finish_reason"),
        model=type(model).__name__,
    )



@dataclass(frozen=True)
class TextResult:
    text: str
    tokens: int


def complete_text(
    model: BaseChatModel, prompt: str, *, max_tokens: int, stop: Sequence[str], temperature: float
) -> TextResult:
    """A free-text call (a few-shot completion) with its total token count."""
    completion = complete(model, prompt, max_tokens=max_tokens, stop=stop, temperature=temperature)
    return TextResult(completion.text, completion.usage.get("total_tokens", 0))
