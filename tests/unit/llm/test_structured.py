"""The structured-output policy: validate, retry once with the error, then degrade explicitly.
Model answers come from LangChain's fake chat models (no model is loaded)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field

from postgraph.errors import ModelUnavailable
from postgraph.llm.structured import (
    Reply,
    StructuredResult,
    chat_call,
    completion_call,
    describe_validation_error,
    invoke_structured,
)


class Ideas(BaseModel):
    angle: str = Field(max_length=80)
    key_points: list[str] = Field(default_factory=list, max_length=3)


FALLBACK = Ideas(angle="from the request", key_points=[])
VALID = '{"angle": "evals caught it", "key_points": ["recall fell 12%", "one bad chunker"]}'
TOO_MANY = '{"angle": "evals", "key_points": ["a", "b", "c", "d"]}'
NOT_JSON = "Sure! Here is a great angle for your post: evals rock."


class RecordingFakeModel(FakeListChatModel):
    """FakeListChatModel that keeps the messages of every call."""

    seen: list[list[BaseMessage]] = Field(default_factory=list)

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        self.seen.append(list(messages))
        return super()._call(messages, *args, **kwargs)


def prompt_text(messages: list[BaseMessage]) -> str:
    return "\n".join(message.text for message in messages)


def test_fake_model_valid_first_time():
    model = RecordingFakeModel(responses=[VALID])
    result = invoke_structured(chat_call(model, "Plan a post about evals.", Ideas), Ideas, degraded=FALLBACK)
    assert isinstance(result, StructuredResult)
    assert result.value == Ideas(angle="evals caught it", key_points=["recall fell 12%", "one bad chunker"])
    assert (result.degraded, result.attempts, result.error, result.errors) == (False, 1, None, ())
    assert result.raw == (VALID,)
    assert len(model.seen) == 1


def test_fake_model_invalid_then_valid_retries_with_the_validation_error(caplog):
    model = RecordingFakeModel(responses=[TOO_MANY, VALID])
    messages = [SystemMessage("You plan LinkedIn posts."), HumanMessage("Plan a post about evals.")]
    with caplog.at_level(logging.INFO, logger="postgraph.llm.structured"):
        result = invoke_structured(chat_call(model, messages, Ideas), Ideas, degraded=FALLBACK)
    assert not result.degraded and result.attempts == 2
    assert result.value.angle == "evals caught it"
    assert result.error is not None and "key_points" in result.error and "at most 3" in result.error
    first, second = model.seen
    assert first == messages
    assert second[: len(messages)] == messages
    retry_prompt = prompt_text(second[len(messages):])
    assert "key_points" in retry_prompt and "at most 3 items" in retry_prompt
    assert "rejected" in retry_prompt
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_fake_model_invalid_twice_takes_the_degraded_path_and_logs_it(caplog):
    model = RecordingFakeModel(responses=[NOT_JSON, TOO_MANY])
    with caplog.at_level(logging.WARNING, logger="postgraph.llm.structured"):
        result = invoke_structured(chat_call(model, "Plan a post.", Ideas), Ideas, degraded=FALLBACK, label="plan")
    assert result.degraded is True
    assert result.value == FALLBACK
    assert result.attempts == 2 and len(model.seen) == 2
    assert len(result.errors) == 2
    assert "not valid JSON" in result.errors[0]
    assert result.error == result.errors[1] and "key_points" in result.error
    assert "not valid JSON" in prompt_text(model.seen[1])
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "plan" in warnings[0].getMessage() and "degraded" in warnings[0].getMessage()


def test_fake_model_degraded_value_can_be_built_from_the_error():
    model = RecordingFakeModel(responses=[NOT_JSON, NOT_JSON])
    result = invoke_structured(
        chat_call(model, "Plan a post.", Ideas), Ideas,
        degraded=lambda error: Ideas(angle=f"fallback because {error[:20]}"),
    )
    assert result.degraded and result.value.angle.startswith("fallback because not valid JSON")


def test_fake_model_completion_call_puts_the_error_before_the_prompt():
    model = RecordingFakeModel(responses=[NOT_JSON, VALID])
    prompt = "Request: a post about evals\nPlan: "
    result = invoke_structured(completion_call(model, prompt, Ideas, max_tokens=32), Ideas, degraded=FALLBACK)
    assert not result.degraded and result.attempts == 2
    retried = prompt_text(model.seen[1])
    assert retried.endswith(prompt)
    assert "not valid JSON" in retried.split(prompt)[0]


def test_usage_of_every_attempt_is_added_up():
    replies = iter([
        Reply(NOT_JSON, {"input_tokens": 10, "output_tokens": 5, "total_tokens": 15}),
        Reply(VALID, {"input_tokens": 20, "output_tokens": 7, "total_tokens": 27}),
    ])
    result = invoke_structured(lambda _error: next(replies), Ideas, degraded=FALLBACK)
    assert result.usage == {"input_tokens": 30, "output_tokens": 12, "total_tokens": 42}
    assert result.tokens == 42 and result.calls == 2


def test_the_callable_gets_none_then_the_previous_error():
    received: list[str | None] = []

    def call(previous_error: str | None) -> str:
        received.append(previous_error)
        return NOT_JSON

    result = invoke_structured(call, Ideas, degraded=FALLBACK)
    assert received[0] is None and received[1] == result.errors[0]


def test_model_errors_are_not_bad_output_and_propagate():
    def call(previous_error: str | None) -> str:
        raise ModelUnavailable("Cannot reach the Ollama server at http://127.0.0.1:9")

    with pytest.raises(ModelUnavailable):
        invoke_structured(call, Ideas, degraded=FALLBACK)


def test_validation_error_description_is_short_and_has_no_urls():
    try:
        Ideas.model_validate_json("x" * 5000)
    except Exception as error:  # noqa: BLE001 - the pydantic error is what is described
        text = describe_validation_error(error, "x" * 5000)
    assert "http" not in text and len(text) <= 600
    assert text.startswith("not valid JSON")


def test_the_token_cap_lets_the_longest_valid_answer_close():
    """A model looping on one character ("10000...") writes a token a character: the cap must
    let the grammar close the longest strings the schema allows, or valid-by-grammar output is
    cut off and fails to parse (seen with the critic at a 160-token cap)."""
    from postgraph.llm.structured import STRUCTURED_TOKEN_CEILING, token_cap
    from postgraph.nodes.critique import ModelCritique, ModelIssue
    from postgraph.nodes.plan import PlanIdeas

    critique = ModelCritique(issues=[ModelIssue(problem="1" * 90, instruction="0" * 90)] * 2)
    plan = PlanIdeas(angle="a" * 160, key_points=["k" * 80] * 3)
    for longest in (critique, plan):
        assert len(longest.model_dump_json(indent=None).replace(",", ", ")) <= token_cap(type(longest)) \
            <= STRUCTURED_TOKEN_CEILING
