"""`postgraph prompts`: versioned prompts, their labels, and the sync with Langfuse."""

from __future__ import annotations

import sys
import time
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import (
    ForceOption,
    JsonOption,
    PromoteLabel,
    ReasonOption,
    RollbackLabel,
    console,
    fail,
    print_json,
    show_move,
)
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

app = typer.Typer(help="Versioned prompts: list, show, diff, promote and roll back labels.", no_args_is_help=True)


def _prompt_registry():
    from postgraph.prompts import PromptRegistry

    return PromptRegistry(get_settings().prompt_registry_path)



@app.command("list")
def prompts_list(as_json: JsonOption = False) -> None:
    """Prompts, their versions (name@version#hash) and which version each label names."""
    from postgraph.registry.labels import LABELS

    try:
        rows = _prompt_registry().list()
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(rows)
        return
    table = Table("prompt", *LABELS, "versions", title="prompts")
    for row in rows:
        table.add_row(row["name"], *(row["labels"].get(label, "") for label in LABELS),
                      ", ".join(row["versions"].values()))
    console.print(table)


@app.command("show")
def prompts_show(
    name: str,
    version: Annotated[str | None, typer.Option(help="This version (default: the one --label names).")] = None,
    label: Annotated[str, typer.Option(help="Label to show when no version is given.")] = "production",
    as_json: JsonOption = False,
) -> None:
    """One prompt version: identity, changelog, variables, parameters and template."""
    try:
        registry = _prompt_registry()
        prompt = registry.load(name, version) if version else registry.get(name, label)
    except PostgraphError as error:
        fail(error)
    data = {"name": prompt.name, "version": prompt.version, "identity": prompt.identity,
            "changelog": prompt.changelog, "variables": sorted(prompt.variables),
            "parameters": prompt.parameters, "sha256": prompt.sha256, "template": prompt.template}
    if as_json:
        print_json(data)
        return
    console.print(f"[bold]{prompt.identity}[/]  {escape(prompt.changelog)}")
    console.print(f"variables: {', '.join(data['variables'])}; parameters: {prompt.parameters}", markup=False)
    console.print(prompt.template, markup=False, highlight=False)


@app.command("diff")
def prompts_diff(name: str, a: str, b: str) -> None:
    """Unified diff between two versions of a prompt."""
    try:
        text = _prompt_registry().diff(name, a, b)
    except PostgraphError as error:
        fail(error)
    sys.stdout.write(text or f"{name}: versions {a} and {b} have the same text\n")


@app.command("promote")
def prompts_promote(name: str, version: str, label: PromoteLabel, force: ForceOption = False,
                    reason: ReasonOption = None, as_json: JsonOption = False) -> None:
    """Point LABEL at VERSION of prompt NAME (the version must exist and fit its graph step).
    Production needs a passing gate result for exactly the versions it would run."""
    from postgraph.gate.candidates import Change
    from postgraph.gate.promotion import gated_promotion
    from postgraph.graph.pins import check_prompt

    started = time.perf_counter()
    try:
        registry = _prompt_registry()
        check_prompt(registry.load(name, version))
        move, allowed = gated_promotion(get_settings(), Change("prompts", name, version), label,
                                        lambda: registry.promote(name, version, label), force=force, reason=reason)
    except PostgraphError as error:
        fail(error)
    gate = {} if allowed is None else {"gate": allowed.as_dict()}
    show_move(move, started, as_json, identity=registry.load(name, move.current).identity, **gate)


@app.command("rollback")
def prompts_rollback(name: str, label: RollbackLabel = "production", as_json: JsonOption = False) -> None:
    """Move LABEL of prompt NAME back to the version it named before the last promote."""
    started = time.perf_counter()
    try:
        registry = _prompt_registry()
        move = registry.rollback(name, label)
    except PostgraphError as error:
        fail(error)
    show_move(move, started, as_json, identity=registry.load(name, move.current).identity)


@app.command("sync")
def prompts_sync(
    label: Annotated[str | None, typer.Option(help="Label to pull from Langfuse (default POSTGRAPH_LANGFUSE_PROMPT_LABEL).")] = None,
    follow_langfuse: Annotated[bool, typer.Option(
        "--follow-langfuse", help="Where Langfuse puts the label on another version, promote that version here too "
        "(default: the registry wins and the push puts the label back).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Push every prompt version and its labels to Langfuse, and pull where a label sits there."""
    from postgraph.observability.langfuse_prompts import sync_registry

    settings = get_settings()
    try:
        report = sync_registry(settings, _prompt_registry(), pull_label=label, follow_langfuse=follow_langfuse)
    except PostgraphError as error:
        fail(error)
    if as_json:
        print_json(report.as_dict())
    else:
        pushed = Table("prompt", "version", "action", "langfuse version", "labels", "detail", title=f"pushed to {settings.langfuse_host}")
        for p in report.pushed:
            pushed.add_row(p.name, p.version, p.action, str(p.langfuse_version or ""), ", ".join(p.labels), p.detail,
                           style="red" if p.action == "conflict" else None)
        console.print(pushed)
        pulled = Table("prompt", "label", "langfuse version", "version", "registry had", "detail", title="pulled")
        for p in report.pulled:
            pulled.add_row(p.name, p.label, str(p.langfuse_version or ""), p.local_version or "",
                           p.registry_version or "", p.detail)
        console.print(pulled)
        for p in report.applied:
            console.print(f"{p.name}: {p.label} -> {p.local_version} (followed Langfuse)", markup=False)
    raise typer.Exit(1 if report.conflicts else 0)
