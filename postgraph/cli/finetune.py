"""`postgraph finetune`: fine-tune the drafter (LoRA on CPU) and list the tracked runs.

Training needs torch, which the service does not: it runs in its own environment
(`.venv-train`, made on first use by `scripts/finetune.sh`), and the runs are MLflow
experiments in `POSTGRAPH_FINETUNE_TRACKING` (a local SQLite store by default)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Annotated

import typer

from postgraph.cli.common import JsonOption, console
from postgraph.settings import PROJECT_ROOT, get_settings

app = typer.Typer(help="Fine-tune the drafter and list the tracked training runs.", no_args_is_help=True)

TRAINING_PYTHON = PROJECT_ROOT / ".venv-train" / "bin" / "python"


@app.command("run")
def finetune_run(
    config: Annotated[Path | None, typer.Option(help="JSON of training settings (rank, lr, epochs, batch, ...).")] = None,
    author: Annotated[str | None, typer.Option(help="Train this author's adapter, continued from the shared one.")] = None,
    quick: Annotated[bool, typer.Option("--quick", help="A few steps on a few examples (CI's path).")] = False,
    resume: Annotated[bool, typer.Option("--resume", help="Continue the interrupted run from its checkpoint.")] = False,
    registry: Annotated[Path | None, typer.Option(help="Model registry to register the candidate in.")] = None,
    merge: Annotated[bool, typer.Option("--merge", help="Also merge into the base for Ollama: GGUF Q4_K_M and a "
                                                         "Modelfile.")] = False,
) -> None:
    """Build the dataset, train (tracked), export the llama.cpp adapter, check that it loads
    and writes, and register it as a candidate drafter. Promote it through the gate after:
    `postgraph models promote drafter VERSION`."""
    command = [str(PROJECT_ROOT / "scripts" / "finetune.sh")]
    for flag, value in (("--config", config), ("--author", author), ("--registry", registry)):
        if value is not None:
            command += [flag, str(value)]
    command += [flag for flag, on in (("--quick", quick), ("--resume", resume), ("--merge", merge)) if on]
    raise typer.Exit(subprocess.run(command, check=False).returncode)


@app.command("runs")
def finetune_runs(as_json: JsonOption = False) -> None:
    """The tracked fine-tuning runs, newest first: dataset, steps, losses, duration."""
    if not TRAINING_PYTHON.is_file():
        console.print("[red]No training environment yet: `postgraph finetune run` makes it.[/red]")
        raise typer.Exit(1)
    command = [str(TRAINING_PYTHON), str(PROJECT_ROOT / "training" / "drafter" / "runs.py"),
               "--tracking-uri", get_settings().finetune_tracking_uri] + (["--json"] if as_json else [])
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    sys.stdout.write(done.stdout)
    if done.returncode:
        sys.stderr.write(done.stderr[-2000:])
    raise typer.Exit(done.returncode)
