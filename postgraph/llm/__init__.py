"""Chat models, chosen by a model id "provider:name": llama.cpp in process (GGUF weights) or
Ollama over HTTP, each behind LangChain's `BaseChatModel`.

    weights      model ids, the packaged GGUF, file hashes
    results      usage, completions, JSON schemas
    llamacpp     the in-process llama.cpp chat model and its loaded-model cache
    ollama       ChatOllama with clear errors and raw completions
    factory      load_chat_model(model_id, settings)
    completion   raw completion with any model; the nodes' free-text call
    structured   schema-constrained answers: validate, retry once, then degrade
    callbacks    report raw completions to LangChain callbacks (tracing)

Errors that mean "this model cannot be used" (server down, weights missing or damaged) are
`ModelUnavailable` with the URL or path and what to do. Nothing loads or connects at import.
"""
