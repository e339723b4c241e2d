"""The two kinds of model call the nodes make: free text (a few-shot completion) and a small
structured answer (schema-constrained, validated, retried once, then degraded)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel

from postgraph.tools.models import complete
from postgraph.tools.structured import StructuredResult, completion_call, invoke_structured

T = TypeVar("T", bound=BaseModel)
STRUCTURED_MAX_TOKENS = 160  # constrained decoding runs at ~7 tok/s on the embedded model


@dataclass(frozen=True)
class TextResult:
    text: str
    tokens: int


def complete_text(
    model: BaseChatModel, prompt: str, *, max_tokens: int, stop: Sequence[str], temperature: float
) -> TextResult:
    completion = complete(model, prompt, max_tokens=max_tokens, stop=stop, temperature=temperature)
    return TextResult(completion.text, completion.usage.get("total_tokens", 0))


def complete_structured(model: BaseChatModel, prompt: str, schema: type[T], *, degraded: T) -> StructuredResult[T]:
    call = completion_call(model, prompt, schema, max_tokens=STRUCTURED_MAX_TOKENS, temperature=0.0)
    return invoke_structured(call, schema, degraded=degraded, label=schema.__name__)
