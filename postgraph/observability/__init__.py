"""Observability: structured logs stamped with run and thread ids (`logging`), run records
(`postgraph.stores.runs`), and optional Langfuse tracing, scores and prompt sync (`tracing`,
`langfuse_prompts`). Nothing here connects, starts a thread or writes a file at import."""
