"""llama.cpp in process: the loaded-model cache and the LangChain chat model over it.

llama.cpp weights are loaded once per process per (file, context size, threads) and shared by
every role that uses the same file; llama.cpp is not re-entrant, so calls on one loaded model
are serialised by a lock. Nothing loads until the first call.

Two ways to ask a model:
- chat (`invoke`, `stream`): messages in, an `AIMessage` with `usage_metadata` out. The base
  Gemma 270M has no chat template and chats poorly.
- completion (`complete(prompt, ...)`): a raw text prompt continued by the model. The base
  model writes far better from few-shot completion prompts.
Both take an optional JSON schema for constrained decoding (a llama.cpp grammar); constrained
decoding is slow on the 262k-token vocabulary (~7 tok/s): keep schemas small.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage, SystemMessage
from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from pydantic import BaseModel, ConfigDict

from postgraph.errors import ModelUnavailable
from postgraph.llm.results import Completion, json_schema_of, message_text, usage
from postgraph.llm.weights import check_gguf_file, ensure_bundled_gguf

log = logging.getLogger(__name__)

GEMMA_CHAT_FORMAT = "gemma"


# --- loaded llama.cpp models, one per process per file -----------------------------------


@dataclass
class LoadedLlama:
    """A llama.cpp model in memory and the lock that serialises calls on it."""

    path: Path
    llama: Any
    n_ctx: int
    n_threads: int | None
    load_seconds: float
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


_loaded: dict[tuple[str, str, int, int | None], LoadedLlama] = {}
_loaded_lock = threading.Lock()


def _cache_key(path: Path, n_ctx: int, n_threads: int | None,
               lora_path: Path | None = None) -> tuple[str, str, int, int | None]:
    return (str(path), str(lora_path or ""), n_ctx, n_threads)


def shared_llama(path: Path, *, n_ctx: int, n_threads: int | None, seed: int,
                 lora_path: Path | None = None) -> LoadedLlama:
    """The process-wide llama.cpp model for `path` (with the LoRA adapter at `lora_path` applied,
    when given), loaded on the first request."""
    key = _cache_key(path, n_ctx, n_threads, lora_path)
    with _loaded_lock:
        loaded = _loaded.get(key)
        if loaded is not None:
            return loaded
        check_gguf_file(path)
        if lora_path is not None:
            check_gguf_file(lora_path)
        try:
            from llama_cpp import Llama
        except ImportError as error:
            raise ModelUnavailable(
                f"llama-cpp-python is not installed ({error}); run scripts/setup.sh."
            ) from error
        started = time.perf_counter()
        try:
            llama = Llama(
                model_path=str(path),
                lora_path=str(lora_path) if lora_path is not None else None,
                n_ctx=n_ctx,
                # llama-cpp-python's own default is half the cores; the setting promises all.
                n_threads=n_threads or os.cpu_count(),
                n_threads_batch=n_threads or os.cpu_count(),
                seed=seed,
                chat_format=GEMMA_CHAT_FORMAT,
                verbose=False,
            )
        except (ValueError, RuntimeError, OSError) as error:
            raise ModelUnavailable(
                f"llama.cpp could not load {path}{f' with adapter {lora_path}' if lora_path else ''}: {error}. "
                "The file may be truncated or not a "
                "model llama.cpp supports; export it again or point POSTGRAPH_GGUF_PATH at a "
                "good copy."
            ) from error
        loaded = LoadedLlama(path, llama, n_ctx, n_threads, time.perf_counter() - started)
        _loaded[key] = loaded
        log.info("loaded %s in %.2f s", path, loaded.load_seconds)
        return loaded


def loaded_models() -> list[LoadedLlama]:
    """The llama.cpp models this process holds in memory."""
    with _loaded_lock:
        return list(_loaded.values())


def unload_models(path: Path | None = None) -> int:
    """Forget loaded llama.cpp models (all, or those of one file); returns how many. Models in
    use finish their call first (each one's lock is taken before it is closed)."""
    with _loaded_lock:
        keys = [k for k in _loaded if path is None or str(path) in (k[0], k[1])]
        dropped = [_loaded.pop(k) for k in keys]
    for loaded in dropped:
        with loaded.lock:
            close = getattr(loaded.llama, "close", None)
            if close is not None:
                close()
    return len(dropped)


def gemma_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp chat messages for the gemma chat format.

    Gemma has no system role (llama.cpp's gemma formatter drops system messages), so system
    text is folded into the first user turn; consecutive turns of one role are merged so that
    user and model turns alternate."""
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for message in messages:
        text = message_text(message)
        if isinstance(message, SystemMessage):
            system.append(text)
            continue
        role = "assistant" if isinstance(message, AIMessage) else "user"
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"] += "\n\n" + text
        else:
            turns.append({"role": role, "content": text})
    if system:
        preamble = "\n\n".join(system)
        first_user = next((t for t in turns if t["role"] == "user"), None)
        if first_user is None:
            turns.insert(0, {"role": "user", "content": preamble})
        else:
            first_user["content"] = f"{preamble}\n\n{first_user['content']}"
    return turns


# --- llama.cpp -----------------------------------------------------------------------------


class LlamaCppChatModel(BaseChatModel):
    """A chat model over an in-process llama.cpp `Llama` (chat format "gemma").

    Call parameters (`temperature`, `max_tokens`, `stop`, `top_p`, `top_k`, `repeat_penalty`,
    `seed`, and `response_format={"type": "json_object", "schema": {...}}` for JSON-schema
    constrained decoding) may be given per call or bound with `.bind(...)`.
    """

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: Path
    """The GGUF file."""
    model_name: str = ""
    """Name used in metadata and traces (the model id's name)."""
    bundled: bool = False
    """Assemble the packaged Gemma 3 270M at model_path before the first load."""
    lora_path: Path | None = None
    """A LoRA adapter (GGUF) applied on top of the model, e.g. the fine-tuned drafter."""
    n_ctx: int = 4096
    n_threads: int | None = None
    seed: int = 7
    temperature: float = 0.7
    max_tokens: int = 256
    top_p: float = 0.95
    top_k: int = 40
    repeat_penalty: float = 1.1
    stop: list[str] | None = None

    @property
    def _llm_type(self) -> str:
        return "llamacpp-chat"

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"model_path": str(self.model_path), "lora_path": str(self.lora_path or ""), "n_ctx": self.n_ctx,
                "seed": self.seed}

    def _get_ls_params(self, stop: list[str] | None = None, **kwargs: Any) -> LangSmithParams:
        return LangSmithParams(
            ls_provider="llamacpp",
            ls_model_name=self.model_name or self.model_path.name,
            ls_model_type="chat",
            ls_temperature=kwargs.get("temperature", self.temperature),
            ls_max_tokens=kwargs.get("max_tokens", self.max_tokens),
        )

    # loading ---------------------------------------------------------------------------

    def loaded(self) -> LoadedLlama:
        """The shared in-memory model, loading it (and assembling the packaged file) if needed.
        Looked up on every call, so a model unloaded with `unload_models` loads again."""
        if self.bundled:
            ensure_bundled_gguf(self.model_path)
        return shared_llama(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.seed,
                            lora_path=self.lora_path)

    @property
    def is_loaded(self) -> bool:
        with _loaded_lock:
            return _cache_key(self.model_path, self.n_ctx, self.n_threads, self.lora_path) in _loaded

    # parameters ------------------------------------------------------------------------

    def _sampling(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        # LangChain passes its own tracing hints (ls_*) through; anything else unknown is a
        # mistake (an Ollama option name, a typo) and is refused rather than ignored.
        unknown = {k for k in kwargs if not k.startswith("ls_")} - {
            "temperature", "max_tokens", "top_p", "top_k", "repeat_penalty", "seed",
            "response_format", "stop",
        }
        if unknown:
            raise TypeError(f"LlamaCppChatModel got unknown call parameters: {sorted(unknown)}")
        stops = stop if stop is not None else kwargs.get("stop", self.stop)
        return {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "top_p": kwargs.get("top_p", self.top_p),
            "top_k": kwargs.get("top_k", self.top_k),
            "repeat_penalty": kwargs.get("repeat_penalty", self.repeat_penalty),
            "seed": kwargs.get("seed", self.seed),
            "stop": list(stops or []),
        }

    def _metadata(self, finish_reason: str | None, seconds: float) -> dict[str, Any]:
        return {
            "model_provider": "llamacpp",
            "model_name": self.model_name or self.model_path.name,
            "model_path": str(self.model_path),
            "finish_reason": finish_reason,
            "seconds": round(seconds, 3),
        }

    # chat -----------------------------------------------------------------------------

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        params = self._sampling(stop, kwargs)
        constrain(params, kwargs.pop("response_format", None))
        loaded = self.loaded()
        started = time.perf_counter()
        with loaded.lock:
            response = loaded.llama.create_chat_completion(messages=gemma_messages(messages), **params)
        choice = response["choices"][0]
        counts = response.get("usage") or {}
        message = AIMessage(
            content=choice["message"].get("content") or "",
            usage_metadata=usage(counts.get("prompt_tokens", 0), counts.get("completion_tokens", 0)),
            response_metadata=self._metadata(choice.get("finish_reason"), time.perf_counter() - started),
        )
        return ChatResult(generations=[ChatGeneration(message=message)])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        params = self._sampling(stop, kwargs)
        constrain(params, kwargs.pop("response_format", None))
        loaded = self.loaded()
        llama_messages = gemma_messages(messages)
        started = time.perf_counter()
        pieces: list[str] = []
        finish_reason = None
        with loaded.lock:
            for part in loaded.llama.create_chat_completion(messages=llama_messages, stream=True, **params):
                choice = part["choices"][0]
                text = choice.get("delta", {}).get("content") or ""
                finish_reason = choice.get("finish_reason") or finish_reason
                if not text:
                    continue
                pieces.append(text)
                chunk = ChatGenerationChunk(message=AIMessageChunk(content=text))
                if run_manager:
                    run_manager.on_llm_new_token(text, chunk=chunk)
                yield chunk
            # The streamed API reports no usage: count the tokens of the prompt and the answer.
            from llama_cpp.llama_chat_format import format_gemma

            prompt = format_gemma(messages=llama_messages).prompt
            input_tokens = len(loaded.llama.tokenize(prompt.encode(), add_bos=True, special=True))
            output_tokens = len(loaded.llama.tokenize("".join(pieces).encode(), add_bos=False))
        yield ChatGenerationChunk(
            message=AIMessageChunk(
                content="",
                usage_metadata=usage(input_tokens, output_tokens),
                response_metadata=self._metadata(finish_reason, time.perf_counter() - started),
                chunk_position="last",
            )
        )

    # completion -----------------------------------------------------------------------

    def complete(
        self,
        prompt: str,
        *,
        max_tokens: int | None = None,
        stop: Sequence[str] | None = None,
        temperature: float | None = None,
        schema: type[BaseModel] | dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> Completion:
        """Continue `prompt` as raw text (no chat template): the way the base model writes best.
        With `schema`, the continuation is constrained to JSON matching it."""
        call: dict[str, Any] = dict(kwargs)
        if max_tokens is not None:
            call["max_tokens"] = max_tokens
        if temperature is not None:
            call["temperature"] = temperature
        params = self._sampling(list(stop) if stop is not None else None, call)
        loaded = self.loaded()
        if schema is not None:
            params["grammar"] = json_grammar(schema)
        with loaded.lock:
            response = loaded.llama.create_completion(prompt, **params)
        choice = response["choices"][0]
        counts = response.get("usage") or {}
        return Completion(
            text=choice.get("text") or "",
            usage=usage(counts.get("prompt_tokens", 0), counts.get("completion_tokens", 0)),
            finish_reason=choice.get("finish_reason"),
            model=self.model_name or self.model_path.name,
        )

    # structured output ----------------------------------------------------------------

    def with_structured_output(
        self,
        schema: type[BaseModel] | dict[str, Any],
        *,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Constrain decoding to `schema` (llama.cpp JSON-schema grammar) and parse the answer
        into the pydantic model (or a dict for a dict schema). No retry here: use
        `postgraph.llm.structured.invoke_structured` for the retry-then-degrade policy."""
        if kwargs:
            raise TypeError(f"unsupported arguments: {sorted(kwargs)}")
        return _structured_runnable(self.bind(response_format=llama_response_format(schema)), schema, include_raw)


# llama.cpp's JSON-schema grammar lets a string hold raw control characters (a newline, a tab),
# which JSON forbids: an answer valid by the grammar then fails to parse. The string character
# rule is narrowed to what JSON allows (as llama.cpp's own C++ converter does).
GRAMMAR_CHAR_RULE = 'char ::= [^"\\\\] |'
JSON_CHAR_RULE = 'char ::= [^"\\\\\\x7F\\x00-\\x1F] |'


def json_gbnf(schema: type[BaseModel] | dict[str, Any]) -> str:
    """The GBNF grammar of JSON matching `schema`, whose strings hold no control character."""
    from llama_cpp.llama_grammar import json_schema_to_gbnf

    gbnf = json_schema_to_gbnf(json.dumps(json_schema_of(schema)))
    if "char ::=" in gbnf and GRAMMAR_CHAR_RULE not in gbnf:
        raise RuntimeError("llama.cpp's JSON grammar changed its string rule; update GRAMMAR_CHAR_RULE")
    return gbnf.replace(GRAMMAR_CHAR_RULE, JSON_CHAR_RULE)


def json_grammar(schema: type[BaseModel] | dict[str, Any]) -> Any:
    from llama_cpp.llama_grammar import LlamaGrammar

    return LlamaGrammar.from_string(json_gbnf(schema), verbose=False)


def constrain(params: dict[str, Any], response_format: dict[str, Any] | None) -> None:
    """A `response_format` with a schema becomes the strict grammar; without one, JSON mode."""
    if response_format and response_format.get("schema"):
        params["grammar"] = json_grammar(response_format["schema"])
    elif response_format:
        params["response_format"] = response_format


def llama_response_format(schema: type[BaseModel] | dict[str, Any]) -> dict[str, Any]:
    """The `response_format` that makes llama.cpp decode JSON matching `schema`."""
    return {"type": "json_object", "schema": json_schema_of(schema)}


def _structured_runnable(
    llm: Runnable, schema: type[BaseModel] | dict[str, Any], include_raw: bool
) -> Runnable[LanguageModelInput, Any]:
    if isinstance(schema, type) and issubclass(schema, BaseModel):
        parser: Runnable = PydanticOutputParser(pydantic_object=schema)
    else:
        from langchain_core.output_parsers import JsonOutputParser

        parser = JsonOutputParser()
    if not include_raw:
        return llm | parser
    parser_assign = RunnablePassthrough.assign(
        parsed=itemgetter("raw") | parser, parsing_error=lambda _: None
    )
    parser_none = RunnablePassthrough.assign(parsed=lambda _: None)
    return RunnableMap(raw=llm) | parser_assign.with_fallbacks([parser_none], exception_key="parsing_error")

