"""Chat models for real: the packaged Gemma 3 270M GGUF in llama.cpp, and ChatOllama over HTTP
against the Ollama stand-in answered by the same GGUF. Generation is kept short."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from typing import Annotated

import pytest
from langchain_core.messages import AIMessage, HumanMessage, SystemMessage
from pydantic import BaseModel, Field, StringConstraints
from support.ollama_server import OllamaStandIn

from postgraph.errors import ModelUnavailable
from postgraph.llm.completion import complete
from postgraph.llm.factory import load_chat_model
from postgraph.llm.llamacpp import LlamaCppChatModel, gemma_messages, loaded_models, unload_models
from postgraph.llm.ollama import OllamaChatModel
from postgraph.llm.structured import chat_call, completion_call, invoke_structured
from postgraph.llm.weights import BUNDLED_MODEL, ModelId, bundled_gguf_path, default_model_id, ensure_bundled_gguf
from postgraph.settings import Settings


class Ideas(BaseModel):
    angle: str = Field(max_length=60)
    key_points: list[Annotated[str, StringConstraints(max_length=40)]] = Field(max_length=3)


FALLBACK = Ideas(angle="from the request alone", key_points=[])
EXAMPLE = '{"angle": "ARM runners cut our CI bill by a third", "key_points": ["cost per build", "one flaky test"]}'
PLAN_CHAT = [
    HumanMessage("Plan a LinkedIn post about moving our CI to ARM runners. Reply with JSON."),
    AIMessage(EXAMPLE),
    HumanMessage("Plan a LinkedIn post about why our retrieval evals caught a regression. Reply with JSON."),
]
PLAN_PROMPT = (
    "Request: a post about moving our CI to ARM runners\n"
    f"Plan: {EXAMPLE}\n\n"
    "Request: a post about why our retrieval evals caught a regression\n"
    "Plan: "
)
HEADLINES = (
    "Topic: vector databases\nHeadline: Why your vector index needs a version number\n###\n"
    "Topic: prompt engineering\nHeadline: Three prompt mistakes that cost us a week\n###\n"
    "Topic: retrieval evals\nHeadline:"
)


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def stand_in(llama_model: LlamaCppChatModel):
    with OllamaStandIn("minilm-test", chat_model=llama_model, chat_tag="gemma3:270m") as server:
        yield server


@pytest.fixture
def ollama_settings(model_settings: Settings, stand_in: OllamaStandIn) -> Settings:
    return model_settings.model_copy(update={"model_provider": "ollama", "ollama_base_url": stand_in.url})


# --- model ids and messages (no model) --------------------------------------------------


def test_model_ids_name_provider_and_model(tmp_path: Path):
    assert ModelId.parse("llamacpp:gemma3-270m") == ModelId("llamacpp", "gemma3-270m")
    assert ModelId.parse("ollama:gemma3:270m") == ModelId("ollama", "gemma3:270m")
    assert ModelId.parse("llamacpp:/models/drafter.gguf").name == "/models/drafter.gguf"
    for bad in ("gemma3:270m", "gemma3-270m", "llamacpp:", "openai:gpt"):
        with pytest.raises(ModelUnavailable, match="provider:name"):
            ModelId.parse(bad)
    settings = Settings(data_dir=tmp_path)
    assert default_model_id(settings) == f"llamacpp:{BUNDLED_MODEL}"
    assert default_model_id(settings.model_copy(update={"gguf_path": tmp_path / "ft.gguf"})) == (
        f"llamacpp:{tmp_path / 'ft.gguf'}"
    )
    assert default_model_id(settings.model_copy(update={"model_provider": "ollama"})) == "ollama:gemma3:270m"


def test_gemma_messages_fold_the_system_message_into_the_first_user_turn():
    turns = gemma_messages([
        SystemMessage("You write LinkedIn posts."),
        HumanMessage("Write one."),
        HumanMessage("Short, please."),
        AIMessage("Done."),
    ])
    assert turns == [
        {"role": "user", "content": "You write LinkedIn posts.\n\nWrite one.\n\nShort, please."},
        {"role": "assistant", "content": "Done."},
    ]
    assert gemma_messages([SystemMessage("Only a system message.")]) == [
        {"role": "user", "content": "Only a system message."}
    ]


def test_the_factory_loads_and_writes_nothing(tmp_path: Path):
    settings = Settings(data_dir=tmp_path / "data")
    model = load_chat_model(f"llamacpp:{BUNDLED_MODEL}", settings)
    assert isinstance(model, LlamaCppChatModel) and not model.is_loaded
    assert not (tmp_path / "data").exists()
    assert isinstance(load_chat_model("ollama:gemma3:270m", settings), OllamaChatModel)


# --- llama.cpp ---------------------------------------------------------------------------


def test_missing_or_damaged_gguf_is_model_unavailable(tmp_path: Path, gguf_path: Path):
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ModelUnavailable, match="GGUF file not found") as caught:
        load_chat_model(f"llamacpp:{tmp_path / 'missing.gguf'}", settings)
    assert str(tmp_path / "missing.gguf") in caught.value.message
    assert caught.value.code == "model_unavailable"

    not_gguf = tmp_path / "notes.gguf"
    not_gguf.write_text("these are notes, not weights")
    with pytest.raises(ModelUnavailable, match="not a GGUF file"):
        load_chat_model(f"llamacpp:{not_gguf}", settings)

    truncated = tmp_path / "truncated.gguf"
    with gguf_path.open("rb") as source:
        truncated.write_bytes(source.read(1 << 20))
    model = load_chat_model(f"llamacpp:{truncated}", settings)
    with pytest.raises(ModelUnavailable, match="could not load") as caught:
        model.invoke("Hello", max_tokens=4)
    assert str(truncated) in caught.value.message


def test_model_loads_once_on_first_call_and_is_shared_by_roles(model_settings: Settings, gguf_path: Path):
    unload_models(gguf_path)
    drafter = load_chat_model(f"llamacpp:{BUNDLED_MODEL}", model_settings)
    critic = load_chat_model(f"llamacpp:{BUNDLED_MODEL}", model_settings)
    assert drafter is not critic
    assert not drafter.is_loaded and not any(m.path == gguf_path for m in loaded_models())

    started = time.perf_counter()
    drafter.invoke("Hello", max_tokens=1)
    assert time.perf_counter() - started < 30
    critic.invoke("Hello", max_tokens=1)
    assert critic.loaded() is drafter.loaded()
    assert critic.loaded().llama is drafter.loaded().llama
    assert [m.path for m in loaded_models()].count(gguf_path) == 1
    print(f"\nload: {drafter.loaded().load_seconds:.2f} s")


def test_chat_invoke_returns_text_with_usage(llama_model: LlamaCppChatModel, gguf_path: Path):
    started = time.perf_counter()
    answer = llama_model.invoke(
        [SystemMessage("Answer in one short sentence."), HumanMessage("What is a retrieval evaluation?")],
        max_tokens=32, temperature=0.0,
    )
    seconds = time.perf_counter() - started
    assert isinstance(answer, AIMessage) and answer.text.strip()
    usage = answer.usage_metadata
    assert usage["input_tokens"] > 10 and 0 < usage["output_tokens"] <= 32
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert answer.response_metadata["model_path"] == str(gguf_path)
    assert answer.response_metadata["finish_reason"] in {"stop", "length"}
    print(f"\nchat: {usage['output_tokens'] / seconds:.1f} tok/s ({usage})")


def test_chat_stream_yields_text_and_usage(llama_model: LlamaCppChatModel):
    chunks = list(llama_model.stream("Say hello to the team.", max_tokens=16, temperature=0.0))
    text = "".join(chunk.text for chunk in chunks)
    assert text.strip()
    last = chunks[-1]
    assert last.usage_metadata["output_tokens"] > 0 and last.usage_metadata["input_tokens"] > 0
    assert last.response_metadata["finish_reason"] in {"stop", "length"}


def test_few_shot_completion_stops_at_the_stop_string(llama_model: LlamaCppChatModel):
    started = time.perf_counter()
    completion = llama_model.complete(HEADLINES, max_tokens=48, stop=["###", "\nTopic:"], temperature=0.0)
    seconds = time.perf_counter() - started
    text, usage = completion
    assert text.strip() and "###" not in text and "Topic:" not in text
    assert completion.finish_reason == "stop"
    assert usage["output_tokens"] < 48
    assert complete(llama_model, HEADLINES, max_tokens=48, stop=["###"], temperature=0.0).text == text
    print(f"\ncompletion: {usage['output_tokens'] / seconds:.1f} tok/s, {text!r}")


def test_structured_output_for_a_tiny_schema_validates(llama_model: LlamaCppChatModel):
    started = time.perf_counter()
    ideas = llama_model.with_structured_output(Ideas).invoke(PLAN_CHAT, max_tokens=64, temperature=0.0)
    seconds = time.perf_counter() - started
    assert isinstance(ideas, Ideas) and ideas.angle

    raw = llama_model.with_structured_output(Ideas, include_raw=True).invoke(
        PLAN_CHAT, max_tokens=64, temperature=0.0
    )
    assert raw["parsing_error"] is None and raw["parsed"] == ideas
    tokens = raw["raw"].usage_metadata["output_tokens"]
    print(f"\nconstrained JSON (chat): {tokens / seconds:.1f} tok/s, {ideas!r}")

    result = invoke_structured(
        completion_call(llama_model, PLAN_PROMPT, Ideas, max_tokens=64, temperature=0.0),
        Ideas, degraded=FALLBACK,
    )
    assert not result.degraded and result.attempts == 1 and result.value.angle


class Poem(BaseModel):
    poem: str = Field(max_length=120)


def test_a_string_the_model_would_break_across_lines_still_parses(llama_model: LlamaCppChatModel):
    """The grammar's strings refuse raw control characters. Shown an example with a raw line
    break inside a string, the model copies the next poem the same way; llama.cpp's own grammar
    let it, and the answer failed to parse (this test failed before)."""
    prompt = ('Copy each poem into JSON, line breaks included.\nPoem:\nred sky\nblue sea\nJSON: {"poem": "red sky\n'
              'blue sea"}\n\nPoem:\nthe eval went red\nthe gate held fast\nthe build stayed green\nJSON:')
    result = invoke_structured(completion_call(llama_model, prompt, Poem, max_tokens=60, temperature=0.0), Poem,
                               degraded=Poem(poem=""))
    assert not result.degraded and result.attempts == 1 and result.value.poem.startswith("the eval went red"), result


def test_the_json_grammar_allows_no_control_character_in_a_string():
    from postgraph.llm.llamacpp import JSON_CHAR_RULE, json_gbnf

    gbnf = json_gbnf(Poem)
    assert JSON_CHAR_RULE in gbnf and 'char ::= [^"\\\\] |' not in gbnf


# --- Ollama over HTTP ----------------------------------------------------------------------


def test_chat_ollama_invoke_over_http(ollama_settings: Settings, stand_in: OllamaStandIn):
    model = load_chat_model(default_model_id(ollama_settings), ollama_settings, max_tokens=16, temperature=0.0)
    assert isinstance(model, OllamaChatModel)
    answer = model.invoke([SystemMessage("Be brief."), HumanMessage("Say hello to the team.")])
    assert answer.text.strip()
    assert answer.usage_metadata["input_tokens"] > 0 and 0 < answer.usage_metadata["output_tokens"] <= 16
    body = stand_in.bodies("/api/chat")[-1]
    assert body["model"] == "gemma3:270m" and body["options"]["num_predict"] == 16
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}


def test_chat_ollama_structured_output_with_a_schema_format(ollama_settings: Settings, stand_in: OllamaStandIn):
    model = load_chat_model("ollama:gemma3:270m", ollama_settings, max_tokens=64, temperature=0.0)
    ideas = model.with_structured_output(Ideas).invoke(PLAN_CHAT)
    assert isinstance(ideas, Ideas) and ideas.angle
    assert stand_in.bodies("/api/chat")[-1]["format"] == Ideas.model_json_schema()


def test_ollama_completion_over_api_generate(ollama_settings: Settings, stand_in: OllamaStandIn):
    model = load_chat_model("ollama:gemma3:270m", ollama_settings)
    completion = complete(model, HEADLINES, max_tokens=48, stop=["###", "\nTopic:"], temperature=0.0)
    assert completion.text.strip() and "###" not in completion.text
    assert completion.finish_reason == "stop" and completion.usage["output_tokens"] > 0
    body = stand_in.bodies("/api/generate")[-1]
    assert body["raw"] is True and body["options"]["stop"] == ["###", "\nTopic:"]


def test_model_server_down_is_model_unavailable(model_settings: Settings):
    url = f"http://127.0.0.1:{closed_port()}"
    settings = model_settings.model_copy(update={"ollama_base_url": url})
    model = load_chat_model("ollama:gemma3:270m", settings)
    with pytest.raises(ModelUnavailable) as caught:
        model.invoke("Hello")
    assert caught.value.code == "model_unavailable"
    assert url in caught.value.message and "Ollama" in caught.value.message
    with pytest.raises(ModelUnavailable, match="Cannot reach"):
        complete(model, "Hello", max_tokens=4)


def test_a_server_that_does_not_answer_in_time_is_model_unavailable(model_settings: Settings):
    with socket.socket() as silent:  # accepts connections (kernel backlog), never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen(4)
        url = "http://127.0.0.1:%d" % silent.getsockname()[1]
        settings = model_settings.model_copy(update={"ollama_base_url": url, "model_timeout_s": 0.5})
        with pytest.raises(ModelUnavailable, match="did not answer in time") as caught:
            load_chat_model("ollama:gemma3:270m", settings).invoke("Hello")
    assert url in caught.value.message and "POSTGRAPH_MODEL_TIMEOUT_S" in caught.value.message


def test_http_errors_are_model_unavailable(ollama_settings: Settings, stand_in: OllamaStandIn):
    unknown = load_chat_model("ollama:llama3:70b", ollama_settings)
    with pytest.raises(ModelUnavailable, match="ollama pull llama3:70b"):
        unknown.invoke("Hello")
    stand_in.fail_with = 500
    try:
        with pytest.raises(ModelUnavailable, match="HTTP 500") as caught:
            load_chat_model("ollama:gemma3:270m", ollama_settings).invoke("Hello")
        assert stand_in.url in caught.value.message
    finally:
        stand_in.fail_with = None


def test_garbage_from_the_server_retries_once_then_degrades(
    ollama_settings: Settings, stand_in: OllamaStandIn, caplog: pytest.LogCaptureFixture
):
    model = load_chat_model("ollama:gemma3:270m", ollama_settings, max_tokens=32)
    before = len(stand_in.bodies("/api/chat"))
    stand_in.garbage = True
    try:
        result = invoke_structured(chat_call(model, PLAN_CHAT, Ideas), Ideas, degraded=FALLBACK, label="plan")
    finally:
        stand_in.garbage = False
    assert result.degraded is True and result.value == FALLBACK
    assert result.attempts == 2 and "not valid JSON" in (result.error or "")
    requests = stand_in.bodies("/api/chat")[before:]
    assert len(requests) == 2 and all(r["format"] == Ideas.model_json_schema() for r in requests)
    assert "not valid JSON" in requests[1]["messages"][-1]["content"]
    assert any("degraded" in r.getMessage() for r in caplog.records if r.levelname == "WARNING")


def test_the_packaged_gguf_is_assembled_once_and_checked(model_settings: Settings, gguf_path: Path, tmp_path: Path):
    assert gguf_path == bundled_gguf_path(model_settings)
    assert gguf_path.stat().st_size > 200_000_000
    modified = gguf_path.stat().st_mtime_ns
    assert ensure_bundled_gguf(gguf_path) == gguf_path
    assert gguf_path.stat().st_mtime_ns == modified  # idempotent: not written again

    damaged = tmp_path / "models" / gguf_path.name
    damaged.parent.mkdir()
    damaged.write_bytes(b"GGUF" + b"\0" * 1024)
    assert ensure_bundled_gguf(damaged) == damaged  # a wrong sha256 is assembled again
    assert damaged.stat().st_size == gguf_path.stat().st_size
    assert not list(damaged.parent.glob("*.partial"))


def test_unset_thread_count_uses_every_core(llama_model) -> None:
    # llama-cpp-python defaults to half the cores; POSTGRAPH_LLAMA_THREADS unset promises all.
    import os

    assert llama_model.loaded().llama.n_threads == os.cpu_count()
