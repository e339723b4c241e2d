"""The `postgraph` command line: one module per command group, assembled here.

    services    start, check and stop the local services
    docs        ingest, docs list, search
    index       index status, rebuild, rollback
    write       write, threads show / resume / replay
    claims      claims check
    runs        runs list / show / feedback
    prompts     prompts list / show / diff / promote / rollback / sync
    models      models list / promote / rollback
    retrieval   retrieval list / promote / rollback
    serve       the HTTP API
    eval        eval run / ci / baseline / results: the release gate over the golden set
    monitor     post quality and request drift of recorded runs, for cron (exit 1 on an alert)

Commands import what they run inside their function, so `postgraph --help` stays fast.
"""

from __future__ import annotations

import typer

from postgraph.cli import (
    claims,
    docs,
    evaluation,
    finetune,
    index,
    models,
    monitor,
    prompts,
    retrieval,
    runs,
    serve,
    services,
    write,
)

app = typer.Typer(help="Turn your newsletters and notes into fact-checked LinkedIn posts.", no_args_is_help=True)
app.add_typer(services.app, name="services")
app.command()(docs.ingest)
app.add_typer(docs.app, name="docs")
app.add_typer(index.app, name="index")
app.command()(serve.serve)
app.command()(docs.search)
app.command()(write.write)
app.add_typer(write.app, name="threads")
app.add_typer(claims.app, name="claims")
app.add_typer(runs.app, name="runs")
app.add_typer(prompts.app, name="prompts")
app.add_typer(models.app, name="models")
app.add_typer(retrieval.app, name="retrieval")
app.add_typer(evaluation.app, name="eval")
app.add_typer(finetune.app, name="finetune")
app.command()(monitor.monitor)
