"""List the drafter's tracked fine-tuning runs (MLflow), newest first.

    python training/drafter/runs.py --tracking-uri URI [--json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging

import mlflow

EXPERIMENT = "postgraph-drafter"
COLUMNS = ("run_id", "name", "status", "started", "author", "quick", "dataset_version", "steps",
           "train_examples", "loss_last", "validation_loss_before", "validation_loss_after", "duration_s")


def runs(tracking_uri: str) -> list[dict]:
    mlflow.set_tracking_uri(tracking_uri)
    client = mlflow.MlflowClient()
    experiment = client.get_experiment_by_name(EXPERIMENT)
    if experiment is None:
        return []
    rows = []
    for run in client.search_runs([experiment.experiment_id], order_by=["attributes.start_time DESC"]):
        params, metrics = run.data.params, run.data.metrics
        history = client.get_metric_history(run.info.run_id, "validation_loss")
        ordered = sorted(history, key=lambda m: m.step)
        rows.append({
            "run_id": run.info.run_id, "name": run.info.run_name, "status": run.info.status,
            "started": dt.datetime.fromtimestamp(run.info.start_time / 1000, dt.UTC).isoformat(timespec="seconds"), "author": params.get("author"), "quick": params.get("quick"),
            "dataset_version": params.get("dataset_version"), "steps": params.get("steps"),
            "train_examples": params.get("train_examples"), "loss_last": metrics.get("loss"),
            "validation_loss_before": ordered[0].value if ordered else None,
            "validation_loss_after": ordered[-1].value if len(ordered) > 1 else None,
            "duration_s": metrics.get("duration_seconds"),
        })
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tracking-uri", required=True)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    logging.getLogger("mlflow").setLevel(logging.ERROR)
    found = runs(args.tracking_uri)
    if args.json:
        print(json.dumps(found, indent=1))
        return
    if not found:
        print("no fine-tuning runs yet")
        return
    widths = {c: max(len(c), *(len(str(r[c] if r[c] is not None else "")) for r in found)) for c in COLUMNS}
    print("  ".join(c.ljust(widths[c]) for c in COLUMNS))
    for row in found:
        print("  ".join(str(row[c] if row[c] is not None else "").ljust(widths[c]) for c in COLUMNS))


if __name__ == "__main__":
    main()
