"""`postgraph monitor`: post quality and request drift of the recorded production runs, for cron."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from postgraph.cli.common import JsonOption, console, errors, fail, print_json
from postgraph.errors import PostgraphError
from postgraph.settings import get_settings

TABLE_VALUES = ("format_rate", "length_rate", "grounding_rate", "originality_rate", "relevance_rate",
                "corpus_similarity", "centroid_shift", "retrieval_score_mean")


def monitor(
    days: Annotated[int | None, typer.Option(min=1, help="Days of runs to read, up to now "
                                                         "(default POSTGRAPH_MONITOR_WINDOW_DAYS, 28).")] = None,
    sample: Annotated[int | None, typer.Option(min=1, help="Runs to score at most, a seeded random sample "
                                                           "(default POSTGRAPH_MONITOR_SAMPLE_SIZE, 200).")] = None,
    out: Annotated[Path | None, typer.Option(help="Report directory (default DATA_DIR/monitor/reports).")] = None,
    as_json: JsonOption = False,
) -> None:
    """Score a sample of the recorded runs of the last days with the release gate's metrics,
    measure how the requests drift from the corpus and from bucket to bucket, and write the
    report as JSON and HTML. Exit 1 when a threshold is breached (each breach is also an
    `alert` record in the JSON logs); 0 otherwise, also when no run finished in the window
    (nothing to score, no report written); 2 when the store or the index cannot be read."""
    from postgraph.monitor.report import run_monitor
    from postgraph.observability.logging import configure_logging

    settings = get_settings()
    configure_logging(settings)
    try:
        report = run_monitor(settings, days=days, sample_size=sample)
        paths = report.write(out or settings.data_dir / "monitor" / "reports") if report.sampled else None
    except (PostgraphError, OSError, ValueError) as error:
        fail(error if isinstance(error, PostgraphError) else PostgraphError(str(error)))
    data = report.as_dict()
    if paths is None:
        message = f"Nothing to score: no run started between {data['since']} and {data['until']} has finished."
        if as_json:
            print_json({**data, "message": message})
        else:
            console.print(message, markup=False)
        return
    if as_json:
        print_json({**data, "report": str(paths[0]), "html": str(paths[1])})
    else:
        table = Table("bucket", "runs", *TABLE_VALUES,
                      title=f"{report.sampled} of {report.runs_in_window} runs, {data['since']} to {data['until']}")
        alerted = {(alert.bucket, alert.metric) for alert in report.alerts}
        for bucket in report.buckets:
            cells = []
            for name in TABLE_VALUES:
                value = bucket.values.get(name)
                text = "" if value is None else f"{value:.3f}"
                cells.append(f"[red]{text}[/]" if (bucket.bucket.label, name) in alerted else text)
            table.add_row(bucket.bucket.label, str(bucket.runs), *cells)
        console.print(table)
        for note in report.notes:
            console.print(f"[dim]{escape(note)}[/]")
        for alert in report.alerts:
            errors.print(f"[bold red]alert[/] {escape(str(alert))}", highlight=False)
        console.print(f"report: {paths[0]}\nhtml: {paths[1]}", markup=False)
    if report.alerts:
        raise typer.Exit(1)
