"""`postgraph serve`: the HTTP API."""

from __future__ import annotations

from typing import Annotated

import typer


def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
) -> None:
    """Serve the HTTP API (see /docs on the running server)."""
    import uvicorn

    from postgraph.api.app import create_app

    uvicorn.run(create_app(), host=host, port=port)
