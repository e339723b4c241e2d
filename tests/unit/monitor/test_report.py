"""Per-bucket rates, drift and retrieval scores from made-up runs, and the alerts they raise."""

from __future__ import annotations

import datetime as dt

import pytest

from postgraph.monitor.alerts import Alert, Limit, alert_text, limits
from postgraph.monitor.report import embed_once, find_alerts, summarise_buckets
from postgraph.quality.metrics import Score
from postgraph.settings import Settings

WEEK_ONE = dt.datetime(2025, 3, 4, 10, tzinfo=dt.UTC)  # a Tuesday of 2025-W10
WEEK_TWO = WEEK_ONE + dt.timedelta(weeks=1)


def run(run_id: str, started: dt.datetime, *, status: str = "done", evidence: list[float] | None = None) -> dict:
    return {"_id": run_id, "started_at": started, "status": status,
            "evidence": [{"chunk_id": f"c{n}", "score": s} for n, s in enumerate(evidence or [])]}


def scores(format_passed: bool, grounding: float) -> dict[str, Score]:
    return {"format": Score("format", 1.0 if format_passed else 0.8, format_passed),
            "grounding": Score("grounding", grounding, grounding == 1.0)}


@pytest.fixture
def summaries():
    records = [run(f"a{n}", WEEK_ONE + dt.timedelta(hours=n), evidence=[0.8, 0.6]) for n in range(4)]
    records += [run(f"b{n}", WEEK_TWO + dt.timedelta(hours=n), evidence=[0.3] if n < 2 else None) for n in range(4)]
    records.append(run("b-none", WEEK_TWO, status="no_evidence"))
    post_scores = {f"a{n}": scores(True, 1.0) for n in range(4)}
    post_scores |= {"b0": scores(False, 0.5), "b1": scores(False, 1.0), "b2": scores(True, 0.0), "b3": scores(True, 1.0)}
    vectors = {f"a{n}": [1.0, 0.0] for n in range(4)} | {f"b{n}": [0.0, 1.0] for n in range(4)}
    similarity = {f"a{n}": 0.6 for n in range(4)} | {"b0": 0.2, "b1": 0.3}
    return summarise_buckets(records, "week", post_scores, vectors, similarity, min_runs=2)


def test_each_bucket_has_rates_means_and_their_counts(summaries):
    first, second = summaries
    assert (first.bucket.label, second.bucket.label) == ("2025-W10", "2025-W11")
    assert (first.runs, second.runs) == (4, 5) and second.statuses == {"done": 4, "no_evidence": 1}
    assert first.values["format_rate"] == 1.0 and first.values["grounding_rate"] == 1.0
    assert second.values["format_rate"] == 0.5 and second.counts["format_rate"] == 4  # the run without a post is not scored
    assert second.values["grounding_rate"] == 0.5 and second.values["grounding_mean"] == pytest.approx(0.625)
    assert second.values["length_rate"] is None and second.counts["length_rate"] == 0  # no run was scored on length


def test_drift_and_retrieval_values(summaries):
    first, second = summaries
    assert first.values["corpus_similarity"] == pytest.approx(0.6) and second.values["corpus_similarity"] == pytest.approx(0.25)
    assert second.counts["corpus_similarity"] == 2
    assert first.values["centroid_shift"] is None and first.counts["centroid_shift"] == 0
    assert second.values["centroid_shift"] == pytest.approx(1.0) and second.counts["centroid_shift"] == 4
    assert first.values["retrieval_score_mean"] == pytest.approx(0.7) and first.values["retrieval_score_median"] == pytest.approx(0.7)
    assert second.values["retrieval_score_mean"] == pytest.approx(0.3) and second.counts["retrieval_score_mean"] == 2


def test_alerts_name_the_bucket_value_and_threshold(summaries):
    thresholds = limits(Settings(monitor_min_format_rate=0.9, monitor_min_grounding_rate=0.8,
                                 monitor_min_corpus_similarity=0.3, monitor_max_centroid_shift=0.15,
                                 monitor_min_retrieval_score=0.5))
    alerts = find_alerts(summaries, thresholds, min_runs=2)
    assert [(a.bucket, a.metric) for a in alerts] == [
        ("2025-W11", "format_rate"), ("2025-W11", "grounding_rate"), ("2025-W11", "corpus_similarity"),
        ("2025-W11", "centroid_shift"), ("2025-W11", "retrieval_score_mean")]
    shift = alerts[3]
    assert shift == Alert("centroid_shift", pytest.approx(1.0), 0.15, "2025-W11", "above", 4)
    assert alert_text(shift.as_dict()) == "2025-W11: centroid_shift 1.000 is above the threshold 0.15 (4 runs)"


def test_too_few_runs_raise_no_alert(summaries):
    thresholds = {"corpus_similarity": Limit(0.3, "below"), "format_rate": Limit(0.9, "below")}
    # W11's similarity rests on 2 requests and its format rate on 4 posts.
    assert [a.metric for a in find_alerts(summaries, thresholds, min_runs=3)] == ["format_rate"]
    assert find_alerts(summaries, thresholds, min_runs=5) == []


def test_limits_come_from_settings():
    found = limits(Settings(monitor_min_grounding_rate=0.95, monitor_max_centroid_shift=0.2))
    assert found["grounding_rate"] == Limit(0.95, "below") and found["centroid_shift"] == Limit(0.2, "above")
    assert not found["grounding_rate"].breached(0.95) and found["grounding_rate"].breached(0.94)
    assert found["centroid_shift"].breached(0.21) and not found["centroid_shift"].breached(0.2)


class CountingEmbeddings:
    """Vectors made from the text itself, and a log of every call."""

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        self.calls.append(list(texts))
        return [[float(len(text)), float(text.count("a"))] for text in texts]


def test_embed_once_answers_from_one_call_and_embeds_the_rest_when_asked():
    model = CountingEmbeddings()
    embed = embed_once(model, ["banana", "kiwi", "banana", "apple"])
    assert model.calls == [["banana", "kiwi", "apple"]]
    assert embed(["apple", "banana", "kiwi"]) == [[5.0, 1.0], [6.0, 3.0], [4.0, 0.0]]
    assert embed(["papaya", "kiwi"]) == [[6.0, 3.0], [4.0, 0.0]] and model.calls[1:] == [["papaya"]]
    assert embed(["papaya"]) == [[6.0, 3.0]] and len(model.calls) == 2
