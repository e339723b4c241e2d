"""Build the chat model a model id names, for either provider."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from postgraph.llm.llamacpp import LlamaCppChatModel
from postgraph.llm.ollama import OllamaChatModel
from postgraph.llm.weights import BUNDLED_MODEL, ModelId, bundled_gguf_path, check_gguf_file, default_model_id, gguf_path_for
from postgraph.settings import Settings


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

