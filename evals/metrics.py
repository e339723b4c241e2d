"""The release gate's metrics as DeepEval metrics: code, no cloud key, no model judge.

Each wraps one metric of `postgraph.quality.metrics` (`score_metric`). A test case is a written
post (`actual_output`) for a golden case's request (`input`); what the metrics need besides the
post travels in `metadata`, built by `case_metadata`: the golden case, the run (status,
citations, evidence, unsupported requests), the chunks of the case's whole source documents and
the post's claims checked against them, the author's example posts, and the embedder (relevance).

`DEEPEVAL_TELEMETRY_OPT_OUT=YES` keeps DeepEval offline; `deepeval test run` and `assert_test`
then fail on a metric below its threshold like any other DeepEval metric.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from deepeval.metrics import BaseMetric
from deepeval.test_case import LLMTestCase

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.verdicts import Embed
from postgraph.quality.cases import GoldenCase
from postgraph.quality.metrics import METRIC_NAMES, PostRun, score_metric


def case_metadata(case: GoldenCase, run: PostRun, *, claim_checks: Sequence[ClaimCheck],
                  documents: Sequence[Evidence], examples: Sequence[str], embed: Embed) -> dict[str, Any]:
    return {"case": case, "run": run, "claim_checks": list(claim_checks), "documents": list(documents),
            "examples": list(examples), "embed": embed}


class PostMetric(BaseMetric):
    """One code metric of a post, for DeepEval: passes when the metric's own rule passes and
    its score reaches `threshold`. A metric that is not `gating` is measured and reported but
    never fails the test (the gate judges it over all cases, against the baseline)."""

    def __init__(self, name: str, threshold: float = 0.0, *, gating: bool = True):
        if name not in METRIC_NAMES:
            raise ValueError(f"unknown post metric {name!r}; metrics: {', '.join(METRIC_NAMES)}")
        self.name = name
        self.threshold = threshold
        self.gating = gating
        self.include_reason = True
        self.async_mode = False
        self.strict_mode = False
        self.details: dict[str, Any] = {}

    def measure(self, test_case: LLMTestCase, *args, **kwargs) -> float:
        meta = test_case.metadata or {}
        run: PostRun = meta["run"]
        result = score_metric(self.name, run, meta["case"].expectations(), meta["claim_checks"], meta["documents"],
                              meta["examples"], meta["embed"])
        self.score = result.value
        self.details = result.details
        self.success = not self.gating or (result.passed and result.value >= self.threshold)
        self.reason = f"{self.name} {result.value:.2f} ({'passed' if result.passed else 'failed'} its rule): {result.details}"
        return self.score

    async def a_measure(self, test_case: LLMTestCase, *args, **kwargs) -> float:
        return self.measure(test_case)

    def is_successful(self) -> bool:
        return bool(self.success)

    @property
    def __name__(self) -> str:
        return f"post {self.name}"
