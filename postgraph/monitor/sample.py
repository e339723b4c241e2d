"""Which runs the monitor scores: the finished runs started in the window, a seeded random
sample of them when there are more than the sample size, and the time bucket each falls in."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from postgraph.stores.documents import store_errors
from postgraph.stores.runs import RunStore

BucketUnit = Literal["week", "day"]
# What the monitor reads of a run record; the rest (steps, context, budget) stays on the server.
FIELDS = ("status", "request", "post", "claim_checks", "evidence", "started_at")


@dataclass(frozen=True, order=True)
class Bucket:
    """A time bucket: its first moment (UTC) and its label (`2025-W03` or `2025-01-14`)."""

    start: dt.datetime
    label: str


def as_utc(moment: dt.datetime) -> dt.datetime:
    """Stored dates without a zone are UTC (what BSON keeps)."""
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def bucket_of(moment: dt.datetime, unit: BucketUnit) -> Bucket:
    moment = as_utc(moment)
    if unit == "day":
        start = dt.datetime.combine(moment.date(), dt.time(), dt.UTC)
        return Bucket(start, start.date().isoformat())
    year, week, _ = moment.isocalendar()
    return Bucket(dt.datetime.fromisocalendar(year, week, 1).replace(tzinfo=dt.UTC), f"{year}-W{week:02d}")


def finished_runs(runs: RunStore, since: dt.datetime, until: dt.datetime) -> list[dict[str, Any]]:
    """Runs started in [since, until) that have ended (whatever their status), oldest first."""
    query = {"started_at": {"$gte": since, "$lt": until}, "finished_at": {"$ne": None}}
    with store_errors("reading the runs to monitor"):
        cursor = runs.runs.find(query, {name: 1 for name in FIELDS}).sort([("started_at", 1), ("_id", 1)])
        return list(cursor)


def sample_runs(records: Sequence[dict[str, Any]], size: int, seed: int) -> list[dict[str, Any]]:
    """At most `size` records, drawn uniformly with a fixed seed (the same runs give the same
    sample), kept in time order."""
    if len(records) <= size:
        return list(records)
    chosen = sorted(random.Random(seed).sample(range(len(records)), size))
    return [records[position] for position in chosen]
