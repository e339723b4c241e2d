"""The gate's decision: thresholds, and paired bootstrap comparison with the baseline."""

from __future__ import annotations

import pytest

from postgraph.quality.gate import Threshold, Thresholds, bootstrap_delta, decide
from postgraph.quality.metrics import Score
from postgraph.settings import PROJECT_ROOT


def scores(name: str, values: list[float], passed: list[bool] | None = None) -> list[Score]:
    return [Score(name, v, True if passed is None else p) for v, p in zip(values, passed or values, strict=True)]


def test_the_same_scores_give_no_difference_and_an_interval_around_zero():
    same = [0.2, 0.5, 0.9, 0.4, 0.7]
    delta = bootstrap_delta(same, same)
    assert delta.mean == delta.low == delta.high == 0 and not delta.significant_drop


def test_a_consistent_drop_is_significant_and_noise_is_not():
    baseline = [0.8, 0.9, 0.85, 0.95, 0.9, 0.8, 0.88, 0.92]
    worse = [b - 0.3 for b in baseline]
    drop = bootstrap_delta(baseline, worse)
    assert drop.mean == pytest.approx(-0.3) and drop.high < 0
    noisy = [b + d for b, d in zip(baseline, [0.1, -0.1, 0.05, -0.05, 0.1, -0.1, 0.02, -0.02], strict=True)]
    assert not bootstrap_delta(baseline, noisy).significant_drop


def test_unpaired_scores_are_refused():
    with pytest.raises(ValueError, match="same, non-empty"):
        bootstrap_delta([0.1], [0.1, 0.2])


def test_decide_blocks_a_threshold_miss_and_a_significant_regression_and_passes_a_benign_change():
    thresholds = Thresholds(version=1, metrics={"grounding": Threshold(max_failing_share=0.0),
                                                "originality": Threshold(tolerance=0.05)})
    baseline = {"grounding": scores("grounding", [1.0] * 6), "originality": scores("originality", [0.8] * 6)}
    benign = {"grounding": scores("grounding", [1.0] * 6), "originality": scores("originality", [0.8, 0.82, 0.78, 0.8, 0.81, 0.79])}
    assert decide(benign, thresholds, baseline).passed
    invents = {"grounding": scores("grounding", [1.0, 0.5, 1.0, 1.0, 1.0, 1.0], [True, False, True, True, True, True]),
               "originality": benign["originality"]}
    decision = decide(invents, thresholds, baseline)
    assert not decision.passed and decision.problems == ["grounding: 17% of cases fail, more than 0%"]
    collage = {"grounding": baseline["grounding"], "originality": scores("originality", [0.1] * 6)}
    decision = decide(collage, thresholds, baseline)
    assert not decision.passed and decision.problems[0].startswith("originality: worse than the baseline by 0.700")


def test_the_repository_thresholds_load_and_name_only_known_metrics():
    from postgraph.quality.metrics import METRIC_NAMES

    thresholds = Thresholds.load(PROJECT_ROOT / "evals" / "golden" / "thresholds.json")
    assert thresholds.version >= 1 and thresholds.metrics["grounding"].max_failing_share == 0.0
    assert set(thresholds.metrics) == set(METRIC_NAMES)
