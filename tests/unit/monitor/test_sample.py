"""Buckets follow ISO weeks (or UTC days) across year ends and time zones; the sample is seeded,
bounded and kept in time order."""

from __future__ import annotations

import datetime as dt

import pytest

from postgraph.monitor.sample import Bucket, bucket_of, sample_runs

UTC = dt.UTC
PLUS_TWO = dt.timezone(dt.timedelta(hours=2))


@pytest.mark.parametrize(("moment", "label", "start"), [
    (dt.datetime(2025, 1, 8, 15, 0, tzinfo=UTC), "2025-W02", dt.datetime(2025, 1, 6, tzinfo=UTC)),
    # ISO weeks cross the calendar year: the Monday 30 December 2024 opens week 1 of 2025 ...
    (dt.datetime(2024, 12, 30, 0, 0, tzinfo=UTC), "2025-W01", dt.datetime(2024, 12, 30, tzinfo=UTC)),
    # ... the Sunday before still belongs to 2024's week 52, and 1 January 2027 to 2026's week 53.
    (dt.datetime(2024, 12, 29, 23, 59, tzinfo=UTC), "2024-W52", dt.datetime(2024, 12, 23, tzinfo=UTC)),
    (dt.datetime(2027, 1, 1, 12, 0, tzinfo=UTC), "2026-W53", dt.datetime(2026, 12, 28, tzinfo=UTC)),
    # A stored date without a zone is UTC; another zone is converted first (00:30 at +02:00 is Sunday in UTC).
    (dt.datetime(2025, 1, 6, 0, 30), "2025-W02", dt.datetime(2025, 1, 6, tzinfo=UTC)),
    (dt.datetime(2025, 1, 6, 0, 30, tzinfo=PLUS_TWO), "2025-W01", dt.datetime(2024, 12, 30, tzinfo=UTC)),
])
def test_week_buckets(moment, label, start):
    assert bucket_of(moment, "week") == Bucket(start, label)


def test_day_buckets_and_their_order():
    late = bucket_of(dt.datetime(2025, 1, 6, 23, 59, tzinfo=UTC), "day")
    assert late == Bucket(dt.datetime(2025, 1, 6, tzinfo=UTC), "2025-01-06")
    assert bucket_of(dt.datetime(2025, 1, 7, 1, 0, tzinfo=PLUS_TWO), "day").label == "2025-01-06"
    earlier = bucket_of(dt.datetime(2024, 12, 31, tzinfo=UTC), "day")
    assert sorted([late, earlier]) == [earlier, late]


RECORDS = [{"_id": f"run-{n:03d}", "started_at": dt.datetime(2025, 1, 1, tzinfo=UTC) + dt.timedelta(hours=n)}
           for n in range(100)]


def test_a_small_window_is_scored_whole():
    assert sample_runs(RECORDS[:7], 10, seed=7) == RECORDS[:7]


def test_the_sample_is_seeded_bounded_and_in_time_order():
    first = sample_runs(RECORDS, 20, seed=7)
    assert len(first) == 20 and len({r["_id"] for r in first}) == 20
    assert first == sample_runs(RECORDS, 20, seed=7)
    assert first != sample_runs(RECORDS, 20, seed=8)
    assert [r["started_at"] for r in first] == sorted(r["started_at"] for r in first)
    assert first != RECORDS[:20] and first != RECORDS[-20:]  # drawn from the whole window
