"""The MongoDB stores: documents with their blocks, chunks and index-alias history
(`documents`), run records (`runs`), and the functions that open them from settings (`open`).
A lost connection is one clear `StoreUnavailable`; nothing connects at import."""
