"""Build the chat model a model id names, for either provider."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from postgraph.llm.llamacpp import LlamaCppChatModel
from postgraph.llm.ollama import OllamaChatModel
from postgraph.llm.weights import (
    BUNDLED_MODEL,
    LORA_SEPARATOR,
    ModelId,
    bundled_gguf_path,
    check_gguf_file,
    default_model_id,
    gguf_path_for,
    split_adapter,
)
from postgraph.settings import Settings


def load_chat_model(model_id: str | None, settings: Settings, **params: Any) -> BaseChatModel:
    """Build the chat model `model_id` names ("provider:name"; None = `default_model_id`).

    Nothing loads or connects here. `params` are model defaults (temperature, max_tokens, stop,
    ...); for Ollama, max_tokens becomes num_predict. A llamacpp file that does not exist is
    refused at once (`ModelUnavailable`), and so is a missing LoRA adapter (`BASE+lora:ADAPTER`);
    the packaged model is assembled on first use."""
    parsed = ModelId.parse(model_id or default_model_id(settings))
    if parsed.provider == "llamacpp":
        path = gguf_path_for(parsed.name, settings)
        adapter = split_adapter(parsed.name)[1]
        bundled = path == bundled_gguf_path(settings)
        if not bundled:
            check_gguf_file(path)
        if adapter is not None:
            check_gguf_file(adapter)
        name = BUNDLED_MODEL if bundled else path.name
        return LlamaCppChatModel(
            model_path=path,
            model_name=f"{name}{LORA_SEPARATOR}{adapter.name}" if adapter else name,
            bundled=bundled,
            lora_path=adapter,
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

