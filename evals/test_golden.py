"""The golden set as a DeepEval suite: `deepeval test run evals/` (offline with
DEEPEVAL_TELEMETRY_OPT_OUT=YES) writes each case's post with the production versions, in the
gate's own namespace, and asserts the metrics that have a hard floor per case (grounding,
citation, abstention); every other metric is measured and shown in DeepEval's report. The
aggregate thresholds and the comparison with the baseline are `postgraph eval run`'s job.

POSTGRAPH_EVAL_SPLIT (dev, test or all; default dev) and POSTGRAPH_EVAL_LIMIT choose the cases.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from deepeval import assert_test
from deepeval.test_case import LLMTestCase

from evals.metrics import PostMetric, case_metadata
from postgraph.gate.candidates import Candidate, candidate_settings
from postgraph.gate.evaluate import prepare
from postgraph.gate.run import gate_settings, write_case
from postgraph.graph.writer import PostWriter, open_writer
from postgraph.prompts import style_examples
from postgraph.quality.cases import GoldenCase, load_cases
from postgraph.quality.metrics import METRIC_NAMES
from postgraph.settings import Settings, get_settings

FLOOR_METRICS = ("grounding", "citation", "abstention")
SPLIT = os.environ.get("POSTGRAPH_EVAL_SPLIT", "dev")
CASES = load_cases(None if SPLIT == "all" else SPLIT, get_settings().golden_set_path)
CASES = CASES[: int(os.environ["POSTGRAPH_EVAL_LIMIT"])] if os.environ.get("POSTGRAPH_EVAL_LIMIT") else CASES


@pytest.fixture(scope="module")
def production() -> Iterator[tuple[PostWriter, Settings]]:
    settings = get_settings()
    prepare(settings, CASES)
    run_settings = candidate_settings(gate_settings(settings), Candidate())
    with open_writer(run_settings) as writer:
        yield writer, run_settings


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_golden_case(case: GoldenCase, production: tuple[PostWriter, Settings]) -> None:
    writer, settings = production
    embed = writer.adapters.embed_texts
    written = write_case(writer, case, settings, embed)
    metadata = case_metadata(case, written.run, claim_checks=written.checks, documents=written.documents,
                             examples=list(style_examples()), embed=embed)
    test_case = LLMTestCase(input=case.request, actual_output=written.run.post or "(no post)", metadata=metadata)
    metrics = [PostMetric(name, gating=name in FLOOR_METRICS) for name in METRIC_NAMES]
    assert_test(test_case, metrics, run_async=False)
