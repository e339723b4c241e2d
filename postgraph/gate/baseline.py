"""The committed production baseline, and what CI runs of the gate.

CI keeps nothing between runs, so the baseline a change is compared with is committed beside
the golden set (`evals/golden/baseline.json`): the exact production versions it was measured on
(`candidates.registry_versions`), the golden set and thresholds by hash, and every case's post
and scores. `postgraph eval baseline` measures and writes it (all cases, about 15 minutes on two
cores); commit it with the change it measured.

`postgraph eval baseline` replaces it only when the new production passes the gate against it
(or with a recorded reason), so a worse baseline cannot slip in beside the change it measures.

`postgraph eval ci` compares the checkout with it:

- nothing the gate measures changed (the same versions, golden set and thresholds): the quick
  subset (`gate_quick_cases`), each case held to what the baseline did on it (`decide_quick`),
  so the suite and the model still run end to end on every change;
- a prompt, the model registry, a retrieval strategy, the example posts, the golden set or the
  thresholds changed: the full suite, every case, against the thresholds and the committed
  baseline. A new case has no baseline score and is held to the thresholds alone.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from postgraph.errors import PostgraphError
from postgraph.gate.candidates import Candidate, candidate_settings, registry_versions
from postgraph.gate.evaluate import BASELINE_LABEL, GateRun, by_metric, prepare, run_cases
from postgraph.gate.run import CaseResult, gate_settings
from postgraph.quality.cases import GoldenCase
from postgraph.quality.gate import Decision, MetricVerdict, Thresholds, decide
from postgraph.settings import Settings


class NoBaseline(PostgraphError):
    code = "no_baseline"


class CommittedBaseline(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: str
    versions: dict[str, str]
    golden_set_sha256: str
    thresholds_sha256: str
    previous_versions: dict[str, str] | None = None
    problems: list[str] = []
    forced_reason: str | None = None
    results: list[dict[str, Any]]

    @classmethod
    def load(cls, path: Path) -> CommittedBaseline:
        if not path.is_file():
            raise NoBaseline(f"There is no committed gate baseline at {path}: run `postgraph eval baseline` and commit it.")
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))

    @classmethod
    def of(cls, gate: GateRun, forced_reason: str | None = None) -> CommittedBaseline:
        return cls(date=gate.date, versions=gate.versions, golden_set_sha256=gate.golden_set_sha256,
                   thresholds_sha256=gate.thresholds.sha256, previous_versions=gate.baseline_versions,
                   problems=gate.decision.problems, forced_reason=forced_reason,
                   results=[r.as_dict() for r in gate.candidate_results])

    def write(self, path: Path) -> None:
        path.write_text(json.dumps(self.model_dump(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    def case_results(self) -> dict[str, CaseResult]:
        return {row["case"]: CaseResult.from_dict(row) for row in self.results}


@dataclass(frozen=True)
class CiPlan:
    full: bool
    reasons: tuple[str, ...]
    cases: list[GoldenCase]


def ci_plan(settings: Settings, baseline: CommittedBaseline, cases: Sequence[GoldenCase], golden_set_sha256: str,
            thresholds: Thresholds) -> CiPlan:
    """The full suite when anything the gate measures differs from the baseline, else the quick subset."""
    versions = registry_versions(settings)
    reasons = [f"{name}: {baseline.versions.get(name, 'none')} -> {value}"
               for name, value in versions.items() if baseline.versions.get(name) != value]
    reasons += [f"{name} (baseline {old})" for name, old in baseline.versions.items() if name not in versions]
    if golden_set_sha256 != baseline.golden_set_sha256:
        reasons.append("the golden set changed")
    if thresholds.sha256 != baseline.thresholds_sha256:
        reasons.append("the thresholds changed")
    if reasons:
        return CiPlan(True, tuple(reasons), list(cases))
    quick = [case for case in cases if case.id in settings.gate_quick_cases]
    if len(quick) != len(settings.gate_quick_cases):
        missing = set(settings.gate_quick_cases) - {case.id for case in quick}
        raise PostgraphError(f"gate_quick_cases names cases the golden set lacks: {', '.join(sorted(missing))}.")
    return CiPlan(False, (), quick)


def decide_against(results: Sequence[CaseResult], thresholds: Thresholds, baseline: CommittedBaseline) -> Decision:
    """Thresholds over every case, and the baseline comparison over the cases it has."""
    known = baseline.case_results()
    paired = [result for result in results if result.case_id in known]
    if len(paired) == len(results):
        return decide(by_metric(results), thresholds, by_metric([known[r.case_id] for r in paired]))
    held = decide(by_metric(results), thresholds)
    if not paired:
        return held
    compared = decide(by_metric(paired), thresholds, by_metric([known[r.case_id] for r in paired]))
    metrics = {name: verdict if not compared.metrics[name].problems else compared.metrics[name]
               for name, verdict in held.metrics.items()}
    return Decision(held.passed and compared.passed, metrics)


def decide_quick(results: Sequence[CaseResult], thresholds: Thresholds, baseline: CommittedBaseline) -> Decision:
    """The quick subset's decision. Shares and means over three cases say little, so it holds
    each case to what the committed baseline did on it (a metric that passed there and fails now
    is a regression) and keeps only the floors that admit no failing case at all (grounding)."""
    known = baseline.case_results()
    verdicts = {}
    for name, scores in by_metric(results).items():
        problems = []
        limit = thresholds.metrics.get(name)
        failing = [r.case_id for r, score in zip(results, scores, strict=True) if not score.passed]
        if limit is not None and limit.max_failing_share == 0 and failing:
            problems.append(f"{name}: fails on {', '.join(failing)}; no case may")
        regressed = [case for case in failing if case in known and known[case].scores[name].passed]
        if regressed:
            problems.append(f"{name}: passed in the baseline and fails now on {', '.join(regressed)}")
        mean = sum(score.value for score in scores) / len(scores)
        verdicts[name] = MetricVerdict(name, mean, len(failing) / len(scores), None, tuple(problems))
    return Decision(not any(v.problems for v in verdicts.values()), verdicts)


def run_against(settings: Settings, cases: Sequence[GoldenCase], selection: str, thresholds: Thresholds,
                baseline: CommittedBaseline | None, golden_set_sha256: str,
                on_case: Callable[[str, CaseResult], None] | None = None,
                judge: Callable[[Sequence[CaseResult], Thresholds, CommittedBaseline], Decision] = decide_against) -> GateRun:
    """The production versions of this checkout over `cases`, against the thresholds and the
    committed baseline (when there is one), decided by `judge`."""
    prepare(settings, cases)
    results = run_cases(candidate_settings(gate_settings(settings), Candidate()), cases, BASELINE_LABEL, on_case)
    if baseline is None:
        return GateRun(thresholds, Candidate(), selection, golden_set_sha256, registry_versions(settings), results,
                       None, None, decide(by_metric(results), thresholds))
    known = baseline.case_results()
    return GateRun(thresholds, Candidate(), selection, golden_set_sha256, registry_versions(settings), results,
                   baseline.versions, [known[r.case_id] for r in results if r.case_id in known],
                   judge(results, thresholds, baseline))


def run_ci(settings: Settings, plan: CiPlan, thresholds: Thresholds, baseline: CommittedBaseline,
           golden_set_sha256: str, on_case: Callable[[str, CaseResult], None] | None = None) -> GateRun:
    return run_against(settings, plan.cases, "ci-full" if plan.full else "ci-quick", thresholds, baseline,
                       golden_set_sha256, on_case, decide_against if plan.full else decide_quick)


def measure_baseline(settings: Settings, cases: Sequence[GoldenCase], thresholds: Thresholds, golden_set_sha256: str,
                     path: Path, on_case: Callable[[str, CaseResult], None] | None = None,
                     forced_reason: str | None = None) -> tuple[GateRun, bool]:
    """Run production over every case and, when it passes the gate against the baseline already
    committed (or `forced_reason` says why not), write it as the new baseline: a baseline
    cannot be replaced by a worse one unnoticed. Returns the run and whether it was written."""
    previous = CommittedBaseline.load(path) if path.is_file() else None
    gate = run_against(settings, cases, "all", thresholds, previous, golden_set_sha256, on_case)
    written = gate.decision.passed or bool((forced_reason or "").strip())
    if written:
        CommittedBaseline.of(gate, forced_reason if not gate.decision.passed else None).write(path)
    return gate, written
