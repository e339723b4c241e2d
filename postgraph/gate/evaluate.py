"""The gate end to end: ingest the cases' sources into the gate's namespace, run the baseline
(the production labels) and optionally a candidate (another label) over the same cases,
decide, and write the report."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from postgraph.gate.run import CaseResult, gate_settings, gate_sources, run_case
from postgraph.graph.writer import open_writer
from postgraph.ingest.pipeline import IngestReport, open_ingestor
from postgraph.prompts import style_examples
from postgraph.quality.cases import GoldenCase
from postgraph.quality.gate import Decision, Thresholds, decide
from postgraph.quality.metrics import METRIC_NAMES, Score
from postgraph.settings import Settings

BASELINE_LABEL = "production"


def prepare(settings: Settings, cases: Sequence[GoldenCase]) -> IngestReport:
    """The cases' documents in the gate's namespace (files already ingested are skipped by
    their content hash)."""
    with open_ingestor(gate_settings(settings)) as ingestor:
        return ingestor.ingest(gate_sources(cases))


def run_label(settings: Settings, cases: Sequence[GoldenCase], label: str,
              on_case: Callable[[CaseResult], None] | None = None) -> list[CaseResult]:
    """Every case written with the versions `label` names in each registry."""
    labelled = gate_settings(settings).model_copy(
        update={"prompt_label": label, "model_label": label, "retrieval_label": label})
    results = []
    with open_writer(labelled) as writer:
        for case in cases:
            result = run_case(writer, case, labelled, writer.adapters.embed_texts, style_examples())
            results.append(result)
            if on_case is not None:
                on_case(result)
    return results


def by_metric(results: Sequence[CaseResult]) -> dict[str, list[Score]]:
    return {name: [result.scores[name] for result in results] for name in METRIC_NAMES}


@dataclass
class GateRun:
    thresholds: Thresholds
    candidate_label: str
    candidate: list[CaseResult]
    baseline: list[CaseResult] | None
    decision: Decision

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "passed": self.decision.passed,
            "problems": self.decision.problems,
            "thresholds_version": self.thresholds.version,
            "candidate_label": self.candidate_label,
            "cases": [result.case_id for result in self.candidate],
            "metrics": {
                name: {"mean": round(v.mean, 4), "failing_share": round(v.failing_share, 4),
                       "delta": None if v.delta is None else {"mean": round(v.delta.mean, 4), "low": round(v.delta.low, 4),
                                                               "high": round(v.delta.high, 4)},
                       "problems": list(v.problems)}
                for name, v in self.decision.metrics.items()},
            "candidate": [result.as_dict() for result in self.candidate],
            "baseline": None if self.baseline is None else [result.as_dict() for result in self.baseline],
        }

    def write(self, directory: Path) -> Path:
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"gate-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
        path.write_text(json.dumps(self.as_dict(), indent=1, default=str), encoding="utf-8")
        return path


def run_gate(settings: Settings, cases: Sequence[GoldenCase], thresholds: Thresholds, candidate_label: str | None,
             on_case: Callable[[str, CaseResult], None] | None = None) -> GateRun:
    """The baseline alone (no candidate: the production versions against the thresholds), or
    a candidate label against the thresholds and the baseline on the same cases."""
    prepare(settings, cases)

    def report(label: str) -> Callable[[CaseResult], None] | None:
        return None if on_case is None else (lambda result: on_case(label, result))

    baseline = run_label(settings, cases, BASELINE_LABEL, report(BASELINE_LABEL))
    if candidate_label is None or candidate_label == BASELINE_LABEL:
        return GateRun(thresholds, BASELINE_LABEL, baseline, None, decide(by_metric(baseline), thresholds))
    candidate = run_label(settings, cases, candidate_label, report(candidate_label))
    return GateRun(thresholds, candidate_label, candidate, baseline,
                   decide(by_metric(candidate), thresholds, by_metric(baseline)))
