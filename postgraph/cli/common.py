"""What every command shares: the consoles, the error line, JSON output, progress bars."""

from __future__ import annotations

import json
import sys
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from postgraph.errors import PostgraphError

console = Console()
errors = Console(stderr=True)
JsonOption = Annotated[bool, typer.Option("--json", help="Print the result as JSON.")]
PromoteLabel = Annotated[str, typer.Option("--label", help="Label to move: production, staging or candidate.")]
RollbackLabel = Annotated[str, typer.Option("--label", help="Label to move back: production, staging or candidate.")]
ForceOption = Annotated[bool, typer.Option("--force", help="Promote to production without a passing gate result "
                                                        "for these versions (needs --reason; recorded).")]
ReasonOption = Annotated[str | None, typer.Option(help="Why the promotion skips the gate (with --force).")]


def fail(error: PostgraphError) -> None:
    errors.print(f"[bold red]error[/] {escape(f'[{error.code}]')}: {escape(error.message)}", highlight=False)
    raise typer.Exit(2)


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


def progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=errors, transient=True,
    )



def when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S") if hasattr(value, "strftime") else str(value or "")


def budget_line(budget: dict[str, Any]) -> str:
    return (f"budget: {budget.get('model_calls')} model calls, {budget.get('tokens')} tokens, {budget.get('seconds')}s"
            + (f" - exhausted: {budget['exhausted']}" if budget.get("exhausted") else ""))


def show_move(move, started: float, as_json: bool, **extra: Any) -> None:
    import time

    seconds = time.perf_counter() - started
    if as_json:
        print_json({**move.as_dict(), "seconds": round(seconds, 4), **extra})
        return
    console.print(f"{move.name}: {move.label} {move.previous or '-'} -> {move.current} "
                  f"({seconds * 1000:.0f} ms)", markup=False)
    for key, value in extra.items():
        console.print(f"{key}: {value}", markup=False)

