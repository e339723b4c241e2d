"""The gate end to end: ingest the cases' sources into the gate's namespace, run the baseline
(the production versions) and optionally a candidate (`gate/candidates.py`) over the same
cases, decide, and write the reports (JSON, HTML) and the stored result."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postgraph.gate.candidates import Candidate, candidate_settings, registry_versions
from postgraph.gate.html import render_gate_report
from postgraph.gate.run import CaseResult, gate_settings, gate_sources, run_case
from postgraph.graph.writer import open_writer
from postgraph.ingest.pipeline import IngestReport, open_ingestor
from postgraph.prompts import style_examples
from postgraph.quality.cases import GoldenCase
from postgraph.quality.gate import Decision, Thresholds, decide
from postgraph.quality.metrics import METRIC_NAMES, Score
from postgraph.reporting.page import write_report
from postgraph.settings import Settings
from postgraph.stores.gate_results import GateResultStore
from postgraph.stores.open import open_store

BASELINE_LABEL = "production"


def prepare(settings: Settings, cases: Sequence[GoldenCase]) -> IngestReport:
    """The cases' documents in the gate's namespace (files already ingested are skipped by
    their content hash)."""
    with open_ingestor(gate_settings(settings)) as ingestor:
        return ingestor.ingest(gate_sources(cases))


def run_cases(settings: Settings, cases: Sequence[GoldenCase], name: str,
              on_case: Callable[[str, CaseResult], None] | None = None) -> list[CaseResult]:
    """Every case written with the versions `settings` resolve to (labels and registries)."""
    results = []
    with open_writer(settings) as writer:
        for case in cases:
            result = run_case(writer, case, settings, writer.adapters.embed_texts, style_examples())
            results.append(result)
            if on_case is not None:
                on_case(name, result)
    return results


def by_metric(results: Sequence[CaseResult]) -> dict[str, list[Score]]:
    return {name: [result.scores[name] for result in results] for name in METRIC_NAMES}


@dataclass
class GateRun:
    thresholds: Thresholds
    candidate: Candidate
    selection: str
    golden_set_sha256: str
    versions: dict[str, str]
    candidate_results: list[CaseResult]
    baseline_versions: dict[str, str] | None
    baseline_results: list[CaseResult] | None
    decision: Decision
    date: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.date,
            "passed": self.decision.passed,
            "problems": self.decision.problems,
            "candidate": str(self.candidate),
            "selection": self.selection,
            "cases": [result.case_id for result in self.candidate_results],
            "golden_set_sha256": self.golden_set_sha256,
            "thresholds_version": self.thresholds.version,
            "thresholds_sha256": self.thresholds.sha256,
            "versions": self.versions,
            "baseline_versions": self.baseline_versions,
            "metrics": {
                name: {"mean": round(v.mean, 4), "failing_share": round(v.failing_share, 4),
                       "delta": None if v.delta is None else {"mean": round(v.delta.mean, 4), "low": round(v.delta.low, 4),
                                                               "high": round(v.delta.high, 4)},
                       "problems": list(v.problems)}
                for name, v in self.decision.metrics.items()},
            "candidate_results": [result.as_dict() for result in self.candidate_results],
            "baseline_results": None if self.baseline_results is None else [r.as_dict() for r in self.baseline_results],
        }

    def write(self, directory: Path) -> tuple[Path, Path]:
        """The JSON report and its HTML page, named by the run's time."""
        return write_report(directory, "gate", self.as_dict(), render_gate_report)

    def store(self, settings: Settings) -> str:
        """Keep the result in MongoDB (the configured database), where `promote` looks for it."""
        with open_store(settings) as store:
            return GateResultStore.of(store).save(self.as_dict())


def run_gate(settings: Settings, cases: Sequence[GoldenCase], thresholds: Thresholds, candidate: Candidate,
             selection: str, golden_set_sha256: str,
             on_case: Callable[[str, CaseResult], None] | None = None) -> GateRun:
    """The baseline alone (no candidate: the production versions against the thresholds), or a
    candidate against the thresholds and against the baseline on the same cases. `selection`
    says which cases ran (dev, test, all, or subset): only a whole split can back a promotion."""
    namespace, workspace = gate_settings(settings), settings.data_dir / "gate" / "workspace"
    # The candidate's workspace first: a version that does not exist is refused before any case runs.
    labelled = None if candidate.is_baseline else candidate_settings(namespace, candidate, workspace)
    prepare(settings, cases)
    baseline_versions = registry_versions(settings)
    baseline = run_cases(candidate_settings(namespace, Candidate()), cases, BASELINE_LABEL, on_case)
    if labelled is None:
        return GateRun(thresholds, candidate, selection, golden_set_sha256, baseline_versions, baseline, None, None,
                       decide(by_metric(baseline), thresholds))
    results = run_cases(labelled, cases, str(candidate), on_case)
    return GateRun(thresholds, candidate, selection, golden_set_sha256,
                   registry_versions(settings, candidate.label, candidate.changes), results, baseline_versions, baseline,
                   decide(by_metric(results), thresholds, by_metric(baseline)))
