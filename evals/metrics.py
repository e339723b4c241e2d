"""The release gate's metrics as DeepEval metrics: code, no cloud key, no model judge.

Each wraps one function of `postgraph.quality.metrics`. A test case is a written post
(`actual_output`) for a golden case's request (`input`); what the metrics need besides the
post travels in `metadata`, built by `case_metadata`:

    case            the GoldenCase (must_include, target_words, should_abstain, main_document)
    claim_checks    the post's claims checked against the case's whole source documents
    citations       the run's citations, and evidence, the chunks it retrieved
    sources         the text of every source document (for originality)
    status, unsupported_requests   how the run ended and what it said it could not support
    examples        the author's example posts (for style)

`DEEPEVAL_TELEMETRY_OPT_OUT=YES` keeps DeepEval offline; `deepeval test run` and `assert_test`
then fail on a metric below its threshold like any other DeepEval metric.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from deepeval.metrics import BaseMetric
from deepeval.test_case import LLMTestCase

from postgraph.domain import Citation, ClaimCheck, Evidence
from postgraph.quality import metrics as quality
from postgraph.quality.cases import GoldenCase
from postgraph.quality.metrics import Score

Scorer = Callable[[LLMTestCase, dict[str, Any]], Score]


def case_metadata(case: GoldenCase, *, claim_checks: Sequence[ClaimCheck], citations: Sequence[Citation],
                  evidence: Sequence[Evidence], sources: Sequence[str], status: str,
                  unsupported_requests: Sequence[str], examples: Sequence[str]) -> dict[str, Any]:
    return {"case": case, "claim_checks": list(claim_checks), "citations": list(citations), "evidence": list(evidence),
            "sources": list(sources), "status": status, "unsupported_requests": list(unsupported_requests),
            "examples": list(examples)}


SCORERS: dict[str, Scorer] = {
    "format": lambda tc, m: quality.format_score(tc.actual_output),
    "length": lambda tc, m: quality.length_score(tc.actual_output, m["case"].target_words),
    "grounding": lambda tc, m: quality.grounding_score(m["claim_checks"], tc.actual_output),
    "citation": lambda tc, m: quality.citation_score(m["citations"], m["evidence"]),
    "coverage": lambda tc, m: quality.coverage_score(tc.actual_output, m["case"].must_include),
    "originality": lambda tc, m: quality.originality_score(tc.actual_output, m["sources"]),
    "coherence": lambda tc, m: quality.coherence_score(m["claim_checks"], m["evidence"], m["case"].main_document),
    "abstention": lambda tc, m: quality.abstention_score(tc.actual_output, m["status"], m["unsupported_requests"],
                                                         m["case"].should_abstain),
    "style": lambda tc, m: quality.style_score(tc.actual_output, m["examples"]),
}


class PostMetric(BaseMetric):
    """One code metric of a post, for DeepEval: passes when the metric's own rule passes and
    its score reaches `threshold`."""

    def __init__(self, name: str, threshold: float = 0.0):
        if name not in SCORERS:
            raise ValueError(f"unknown post metric {name!r}; metrics: {', '.join(SCORERS)}")
        self.name = name
        self.threshold = threshold
        self.include_reason = True
        self.async_mode = False
        self.strict_mode = False
        self.details: dict[str, Any] = {}

    def measure(self, test_case: LLMTestCase, *args, **kwargs) -> float:
        result = SCORERS[self.name](test_case, test_case.metadata or {})
        self.score = result.value
        self.details = result.details
        self.success = result.passed and result.value >= self.threshold
        self.reason = f"{self.name} {result.value:.2f} ({'passed' if result.passed else 'failed'} its rule): {result.details}"
        return self.score

    async def a_measure(self, test_case: LLMTestCase, *args, **kwargs) -> float:
        return self.measure(test_case)

    def is_successful(self) -> bool:
        return bool(self.success)

    @property
    def __name__(self) -> str:
        return f"post {self.name}"
