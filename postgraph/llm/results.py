"""What a model call returns, shared by both providers: token usage, a raw completion, and
the JSON schema of a structured answer."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_core.messages.ai import UsageMetadata
from pydantic import BaseModel


def usage(input_tokens: int, output_tokens: int) -> UsageMetadata:
    return UsageMetadata(
        input_tokens=input_tokens, output_tokens=output_tokens, total_tokens=input_tokens + output_tokens
    )


@dataclass(frozen=True)
class Completion:
    """What a completion call returned. Unpacks as `(text, usage)`."""

    text: str
    usage: UsageMetadata
    finish_reason: str | None = None
    model: str = ""

    def __iter__(self) -> Iterator[Any]:
        return iter((self.text, self.usage))


def json_schema_of(schema: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    return schema.model_json_schema() if isinstance(schema, type) else dict(schema)


def message_text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)

