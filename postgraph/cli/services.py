"""`postgraph services`: start, check and stop the local MongoDB-compatible server."""

from __future__ import annotations

import typer

from postgraph.cli.common import JsonOption, console, fail, print_json
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Start, check and stop the local services.", no_args_is_help=True)


@app.command("up")
def services_up() -> None:
    """Start the local MongoDB-compatible server (nothing when POSTGRAPH_MONGODB_URI is set)."""
    from postgraph.services.local_mongo import LocalMongo

    try:
        status = LocalMongo(get_settings()).up()
    except PostgraphError as error:
        fail(error)
    where = "external" if status.external else f"pid {status.pid}"
    console.print(f"mongodb: running ({where}) at {status.uri}")


@app.command("install")
def services_install() -> None:
    """Build the local server's own Python 3.13 virtualenv (done by `up` when missing)."""
    from postgraph.services.local_mongo import LocalMongo

    try:
        LocalMongo(get_settings()).ensure_runtime()
    except PostgraphError as error:
        fail(error)
    console.print("mongodb runtime: ready")


@app.command("down")
def services_down() -> None:
    """Stop the local server if it runs."""
    from postgraph.services.local_mongo import LocalMongo

    stopped = LocalMongo(get_settings()).down()
    console.print("mongodb: stopped" if stopped else "mongodb: was not running")


@app.command("status")
def services_status(as_json: JsonOption = False) -> None:
    """Say whether the document store answers a ping; exit 1 when it does not."""
    from postgraph.services.local_mongo import LocalMongo

    status = LocalMongo(get_settings()).status()
    if as_json:
        print_json(vars(status))
    else:
        state = "running" if status.running else "not running"
        console.print(f"mongodb: {state} {status.uri or ''} ({status.detail})")
    raise typer.Exit(0 if status.running else 1)
