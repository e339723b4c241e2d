"""The release gate's decision: thresholds per metric, and a candidate compared with the
production baseline case by case, with bootstrap confidence intervals.

A gate result holds, for each metric, every case's score for the candidate (and for the
baseline when one was run on the same cases). The candidate fails when

- a metric's mean is below its `min_mean`, or more cases fail the metric's own rule than its
  `max_failing_share` allows (thresholds.json, versioned beside the golden set), or
- it is significantly worse than the baseline: the paired bootstrap interval of the mean
  difference (candidate - baseline, over the cases) lies wholly below zero and the mean
  difference is larger than the metric's `tolerance`.

DeepEval's open-source runner has no baseline comparison; this is it.
"""

from __future__ import annotations

import hashlib
import json
import random
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from postgraph.quality.cases import GoldenCase, golden_set_sha256, load_cases
from postgraph.quality.metrics import Score

BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95


class Threshold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_mean: float | None = Field(default=None, ge=0, le=1, description="The candidate's mean score must reach this.")
    max_failing_share: float | None = Field(default=None, ge=0, le=1,
                                            description="At most this share of cases may fail the metric's rule.")
    tolerance: float = Field(default=0.05, ge=0, le=1,
                             description="A drop from the baseline smaller than this is not a regression.")


class Thresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(ge=1)
    about: str = ""
    metrics: dict[str, Threshold]

    @classmethod
    def load(cls, path: Path) -> Thresholds:
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    @property
    def sha256(self) -> str:
        """Of the values, not the file's layout: a result measured under other limits does not count."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


@dataclass(frozen=True)
class GoldenSet:
    """The cases, their hash (cases file and every source) and the thresholds: what a gate
    result is measured on."""

    cases: list[GoldenCase]
    sha256: str
    thresholds: Thresholds

    @classmethod
    def load(cls, cases_path: Path, thresholds_path: Path) -> GoldenSet:
        cases = load_cases(None, cases_path)
        return cls(cases, golden_set_sha256(cases, cases_path), Thresholds.load(thresholds_path))


@dataclass(frozen=True)
class Delta:
    mean: float
    low: float
    high: float

    @property
    def significant_drop(self) -> bool:
        return self.high < 0


def bootstrap_delta(baseline: Sequence[float], candidate: Sequence[float], *, resamples: int = BOOTSTRAP_RESAMPLES,
                    confidence: float = CONFIDENCE, seed: int = 7) -> Delta:
    """The mean of candidate - baseline over paired cases, with a percentile bootstrap interval."""
    if len(baseline) != len(candidate) or not baseline:
        raise ValueError("the baseline and the candidate need scores for the same, non-empty list of cases")
    differences = [c - b for b, c in zip(baseline, candidate, strict=True)]
    rng = random.Random(seed)
    means = sorted(statistics.fmean(rng.choices(differences, k=len(differences))) for _ in range(resamples))
    tail = (1 - confidence) / 2
    low, high = means[int(tail * (resamples - 1))], means[int((1 - tail) * (resamples - 1))]
    return Delta(statistics.fmean(differences), low, high)


@dataclass(frozen=True)
class MetricVerdict:
    name: str
    mean: float
    failing_share: float
    delta: Delta | None
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    passed: bool
    metrics: dict[str, MetricVerdict] = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        return [problem for verdict in self.metrics.values() for problem in verdict.problems]


def decide(candidate: Mapping[str, Sequence[Score]], thresholds: Thresholds,
           baseline: Mapping[str, Sequence[Score]] | None = None) -> Decision:
    """The gate's decision over one candidate's scores (metric -> one Score per case, in case
    order), against the thresholds and, when given, the baseline's scores on the same cases."""
    verdicts: dict[str, MetricVerdict] = {}
    for name, scores in candidate.items():
        if not scores:
            raise ValueError(f"no scores for metric {name}")
        limit = thresholds.metrics.get(name, Threshold())
        mean = statistics.fmean(score.value for score in scores)
        failing = sum(not score.passed for score in scores) / len(scores)
        problems = []
        if limit.min_mean is not None and mean < limit.min_mean:
            problems.append(f"{name}: mean {mean:.3f} is below {limit.min_mean:.3f}")
        if limit.max_failing_share is not None and failing > limit.max_failing_share:
            problems.append(f"{name}: {failing:.0%} of cases fail, more than {limit.max_failing_share:.0%}")
        delta = None
        if baseline is not None and name in baseline:
            delta = bootstrap_delta([s.value for s in baseline[name]], [s.value for s in scores])
            if delta.significant_drop and -delta.mean > limit.tolerance:
                problems.append(f"{name}: worse than the baseline by {-delta.mean:.3f} "
                                f"(95% interval {delta.low:+.3f} to {delta.high:+.3f})")
        verdicts[name] = MetricVerdict(name, mean, failing, delta, tuple(problems))
    return Decision(not any(v.problems for v in verdicts.values()), verdicts)
