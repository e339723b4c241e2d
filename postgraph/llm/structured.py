"""Structured model output with one policy for every caller and both providers:

1. ask the model with schema-constrained decoding (llama.cpp grammar / Ollama `format`);
2. validate the answer with pydantic (`schema.model_validate_json`);
3. if it does not validate, ask ONCE more, with the validation error in the prompt;
4. if that fails too, take the explicit degraded path: the caller's degraded value, flagged
   `degraded=True` with the error, and a warning in the log. Nothing continues silently.

`invoke_structured` only needs a callable `call(previous_error) -> text`; `chat_call` and
`completion_call` build that callable from a chat model (either provider, or a test fake).
Errors of the model itself (`ModelUnavailable`: server down, weights missing) are not bad
output: they propagate to the caller.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_core.messages.ai import UsageMetadata
from pydantic import BaseModel, ValidationError

from postgraph.llm.completion import bind_json_schema, complete
from postgraph.llm.results import Completion, usage

T = TypeVar("T", bound=BaseModel)

STRUCTURED_MAX_TOKENS = 160  # constrained decoding runs at ~7 tok/s on the embedded model
STRUCTURED_TOKEN_CEILING = 480
"""The most a structured call may spend: a model looping on one character inside a string
("10000...") writes a token per character, so the cap must let the grammar close the longest
strings the schema allows (`token_cap`), but not without bound."""

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 2
FEEDBACK_CHARS = 600


class Reply(NamedTuple):
    """A model answer as text, with its token usage when known."""

    text: str
    usage: UsageMetadata | None = None


StructuredCall = Callable[[str | None], "str | Reply | Completion"]
"""Asks the model once. Receives None on the first attempt, then the previous attempt's
validation error, which it must put in the prompt."""


@dataclass(frozen=True)
class StructuredResult(Generic[T]):
    value: T
    """The validated answer, or the degraded value."""
    degraded: bool
    """True when no answer validated and `value` is the caller's degraded value."""
    attempts: int
    """Model calls made (1 or 2)."""
    error: str | None
    """The last validation error (None when the first answer validated)."""
    errors: tuple[str, ...]
    """Every validation error, in order."""
    raw: tuple[str, ...]
    """The model's answers, in order."""
    usage: UsageMetadata
    """Tokens of all attempts together."""

    @property
    def calls(self) -> int:
        return self.attempts

    @property
    def tokens(self) -> int:
        return self.usage["total_tokens"]


def describe_validation_error(error: ValidationError, raw: str) -> str:
    """A short, model-readable account of why `raw` did not validate (no URLs, no echo of the
    whole input)."""
    problems = []
    for item in error.errors(include_url=False, include_input=False):
        location = ".".join(str(part) for part in item.get("loc", ())) or "answer"
        if item.get("type") == "json_invalid":
            problems.append(f"not valid JSON ({item.get('msg', '').removeprefix('Invalid JSON: ')})")
        else:
            problems.append(f"{location}: {item.get('msg', 'invalid')}")
    snippet = " ".join(raw.split())
    if len(snippet) > 160:
        snippet = snippet[:157] + "..."
    text = "; ".join(problems) + f". The answer was: {snippet!r}"
    return text[:FEEDBACK_CHARS]


def _as_reply(answer: str | Reply | Completion | BaseMessage) -> Reply:
    if isinstance(answer, Reply):
        return answer
    if isinstance(answer, Completion):
        return Reply(answer.text, answer.usage)
    if isinstance(answer, BaseMessage):
        return Reply(answer.text, getattr(answer, "usage_metadata", None))
    if isinstance(answer, str):
        return Reply(answer)
    raise TypeError(f"a structured call must return text, got {type(answer).__name__}")


def _add(total: UsageMetadata, more: UsageMetadata | None) -> UsageMetadata:
    if not more:
        return total
    return usage(total["input_tokens"] + more.get("input_tokens", 0),
                 total["output_tokens"] + more.get("output_tokens", 0))


def invoke_structured(
    call: StructuredCall,
    schema: type[T],
    *,
    degraded: Callable[[str], T] | T,
    logger: logging.Logger | None = None,
    label: str | None = None,
) -> StructuredResult[T]:
    """Ask, validate, retry once with the error, then degrade explicitly (see the module doc).

    `degraded` is the value to use when no answer validates, or a function of the last error
    that makes it. `label` names the call in the log (default: the schema's name)."""
    logger = logger or log
    label = label or schema.__name__
    errors: list[str] = []
    raws: list[str] = []
    total = usage(0, 0)
    for attempt in range(1, MAX_ATTEMPTS + 1):
        reply = _as_reply(call(errors[-1] if errors else None))
        raws.append(reply.text)
        total = _add(total, reply.usage)
        try:
            value = schema.model_validate_json(reply.text)
        except ValidationError as error:
            errors.append(describe_validation_error(error, reply.text))
            if attempt < MAX_ATTEMPTS:
                logger.info("%s: attempt %d did not validate, retrying: %s", label, attempt, errors[-1])
            continue
        return StructuredResult(
            value=value, degraded=False, attempts=attempt, error=errors[-1] if errors else None,
            errors=tuple(errors), raw=tuple(raws), usage=total,
        )
    value = degraded(errors[-1]) if callable(degraded) else degraded
    logger.warning(
        "%s: no valid answer after %d attempts; taking the degraded path. Last error: %s",
        label, MAX_ATTEMPTS, errors[-1],
    )
    return StructuredResult(
        value=value, degraded=True, attempts=MAX_ATTEMPTS, error=errors[-1],
        errors=tuple(errors), raw=tuple(raws), usage=total,
    )


def retry_instruction(error: str) -> str:
    return (
        f"Your previous answer was rejected: {error}\n"
        "Answer again with only one JSON object that matches the schema."
    )


def chat_call(
    model: BaseChatModel,
    messages: Sequence[BaseMessage] | str,
    schema: type[BaseModel],
    **params: Any,
) -> StructuredCall:
    """A structured call over a chat model: constrained decoding for llama.cpp and Ollama (see
    `bind_json_schema`), `params` (max_tokens, temperature, ...) per call; a retry adds the
    validation error as a user turn."""
    base = [HumanMessage(messages)] if isinstance(messages, str) else list(messages)
    bound = bind_json_schema(model, schema)

    def call(previous_error: str | None) -> Reply:
        prompt = base if previous_error is None else [*base, HumanMessage(retry_instruction(previous_error))]
        return _as_reply(bound.invoke(prompt, **params))

    return call


def completion_call(
    model: BaseChatModel,
    prompt: str,
    schema: type[BaseModel],
    *,
    max_tokens: int | None = None,
    stop: Sequence[str] | None = None,
    temperature: float | None = None,
) -> StructuredCall:
    """A structured call over a raw completion prompt (few-shot prompts suit the base model);
    a retry puts the validation error in a note before the prompt, so the prompt still ends
    where the model must continue."""

    def call(previous_error: str | None) -> Completion:
        text = prompt if previous_error is None else f"Note: {retry_instruction(previous_error)}\n\n{prompt}"
        return complete(model, text, max_tokens=max_tokens, stop=stop, temperature=temperature, schema=schema)

    return call


def complete_structured(model: BaseChatModel, prompt: str, schema: type[T], *, degraded: T) -> StructuredResult[T]:
    """The structured call the nodes make: a completion prompt decoded under `schema` at
    temperature 0 with a small token cap, validated, retried once, then degraded."""
    call = completion_call(model, prompt, schema, max_tokens=token_cap(schema), temperature=0.0)
    return invoke_structured(call, schema, degraded=degraded, label=schema.__name__)


def token_cap(schema: type[BaseModel]) -> int:
    """Tokens enough for the longest JSON the schema allows, at one token a character (the
    worst case), between STRUCTURED_MAX_TOKENS and STRUCTURED_TOKEN_CEILING."""
    worst = _longest_json(schema.model_json_schema())
    return max(STRUCTURED_MAX_TOKENS, min(STRUCTURED_TOKEN_CEILING, worst))


def _longest_json(node: dict[str, Any], defs: dict[str, Any] | None = None) -> int:
    defs = defs if defs is not None else node.get("$defs", {})
    if "$ref" in node:
        return _longest_json(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    kind = node.get("type")
    if kind == "object":
        properties = node.get("properties", {})
        return 2 + sum(len(name) + 6 + _longest_json(value, defs) for name, value in properties.items())
    if kind == "array":
        return 2 + node.get("maxItems", 8) * (2 + _longest_json(node.get("items", {}), defs))
    if kind == "string":
        return 2 + node.get("maxLength", STRUCTURED_TOKEN_CEILING)
    return 24  # a number, a boolean, null
