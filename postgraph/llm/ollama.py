"""Ollama through `langchain-ollama`: `ChatOllama` with clear errors and raw completions."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.messages import BaseMessage
from langchain_ollama import ChatOllama
from pydantic import BaseModel

from postgraph.errors import ModelUnavailable
from postgraph.llm.results import Completion, json_schema_of, usage


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

