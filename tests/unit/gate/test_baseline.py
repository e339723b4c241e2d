"""The committed baseline and the CI plan: the quick subset when nothing the gate measures
changed, the full suite (with the reasons) when a prompt, model, strategy, the golden set or the
thresholds did, and a decision that holds new cases to the thresholds alone."""

from __future__ import annotations

import pytest

from postgraph.gate.baseline import CommittedBaseline, NoBaseline, ci_plan, decide_against, decide_quick
from postgraph.gate.candidates import Registries, registry_versions
from postgraph.gate.run import CaseResult
from postgraph.quality.cases import golden_set_sha256, load_cases
from postgraph.quality.gate import Thresholds
from postgraph.quality.metrics import METRIC_NAMES, Score
from postgraph.settings import Settings

THRESHOLDS = Thresholds.load(Settings().gate_thresholds_path)
CASES = load_cases()


def result(case_id: str, value: float = 1.0, passed: bool = True) -> CaseResult:
    scores = {name: Score(name, value, passed, {"why": "test"}) for name in METRIC_NAMES}
    return CaseResult(case_id, "dev", "A post.\n\n#MLOps", "done", scores, 12.5, 4, 900, {"prompt.draft": "draft@1#x"})


def committed(settings: Settings, results: list[CaseResult]) -> CommittedBaseline:
    return CommittedBaseline(date="2026-12-03T00:00:00+00:00", versions=registry_versions(settings),
                             golden_set_sha256=golden_set_sha256(CASES), thresholds_sha256=THRESHOLDS.sha256,
                             results=[r.as_dict() for r in results])


@pytest.fixture
def settings(registry_paths, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, **registry_paths)


def test_a_case_result_survives_the_committed_file(tmp_path, settings) -> None:
    original = result("retrieval-named", 0.75, False)
    path = tmp_path / "baseline.json"
    committed(settings, [original]).write(path)
    again = CommittedBaseline.load(path).case_results()["retrieval-named"]
    assert again == original
    with pytest.raises(NoBaseline, match="postgraph eval baseline"):
        CommittedBaseline.load(tmp_path / "missing.json")


def test_ci_runs_the_quick_subset_when_nothing_measured_changed(settings) -> None:
    plan = ci_plan(settings, committed(settings, []), CASES, golden_set_sha256(CASES), THRESHOLDS)
    assert not plan.full and [c.id for c in plan.cases] == [c.id for c in CASES if c.id in settings.gate_quick_cases]
    assert len(plan.cases) == 3


def test_ci_runs_the_full_suite_when_a_prompt_or_the_golden_set_changed(settings, prompt_file) -> None:
    baseline = committed(settings, [])
    prompts = Registries.of(settings).prompts
    prompt_file(prompts.folder, "draft", "2", prompts.load("draft", "1").template + " ")
    prompts.promote("draft", "2", "production")
    plan = ci_plan(settings, baseline, CASES, golden_set_sha256(CASES), THRESHOLDS)
    assert plan.full and len(plan.cases) == len(CASES)
    assert [r.split(":")[0] for r in plan.reasons] == ["prompt.draft"] and "-> draft@2#" in plan.reasons[0]

    edited = ci_plan(settings, committed(settings, []), CASES, "another golden set", THRESHOLDS)
    assert edited.full and edited.reasons == ("the golden set changed",)


def test_new_cases_are_held_to_the_thresholds_and_known_ones_to_the_baseline(settings) -> None:
    known = [result(f"case-{i}") for i in range(6)]
    baseline = committed(settings, known)
    steady = decide_against([*known, result("new-case")], THRESHOLDS, baseline)
    assert steady.passed, steady.problems
    worse = decide_against([result(f"case-{i}", 0.5) for i in range(6)] + [result("new-case")], THRESHOLDS, baseline)
    assert not worse.passed and any("worse than the baseline by 0.500" in p for p in worse.problems), worse.problems
    ungrounded = decide_against([*known, result("new-case", 0.0, False)], THRESHOLDS, baseline)
    assert not ungrounded.passed and any(p.startswith("grounding: 14% of cases fail") for p in ungrounded.problems)


def failing(case_id: str, *names: str) -> CaseResult:
    case = result(case_id)
    case.scores.update({name: Score(name, 0.3, False) for name in names})
    return case


def test_the_quick_subset_is_held_case_by_case_to_the_baseline(settings) -> None:
    baseline = committed(settings, [result("a"), failing("b", "style", "format"), result("c")])
    same = decide_quick([result("a"), failing("b", "style", "format"), result("c")], THRESHOLDS, baseline)
    assert same.passed, same.problems  # what failed in the baseline too is not a regression
    decision = decide_quick([result("a"), failing("b", "style", "grounding"), failing("c", "style")], THRESHOLDS,
                            baseline)
    assert not decision.passed
    assert decision.problems == ["grounding: fails on b; no case may",
                                 "grounding: passed in the baseline and fails now on b",
                                 "style: passed in the baseline and fails now on c"]
