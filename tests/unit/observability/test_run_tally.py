"""What a run record says, gathered from the stream of node updates."""

from __future__ import annotations

from postgraph.domain import BudgetUsage, Evidence
from postgraph.graph.context import Context
from postgraph.observability.runs import (
    RunTally,
    context_summary,
    outcome_record,
    supported_share,
)

VERSIONS = {"model.planner": "fake:planner", "model.drafter": "fake:drafter", "prompt.draft": "draft@1#abc"}


def test_tally_charges_each_step_the_budget_it_used() -> None:
    tally = RunTally(BudgetUsage(model_calls=2, tokens=100), VERSIONS)
    tally.update("plan", {"timings": {"plan": 0.5}, "budget": BudgetUsage(model_calls=3, tokens=160)})
    tally.update("retrieve", {"timings": {"retrieve": 0.25}})
    tally.update("draft", {"timings": {"draft": 1.0}, "budget": {"model_calls": 4, "tokens": 400}})
    tally.update("__interrupt__", {"anything": 1})
    tally.update("draft", {"timings": {"draft": 0.5}, "budget": BudgetUsage(model_calls=4, tokens=400)})

    assert tally.timings == {"plan": 0.5, "retrieve": 0.25, "draft": 1.5}
    assert (tally.model_calls, tally.tokens) == (2, 300)
    assert [(s["node"], s["model_calls"], s["tokens"]) for s in tally.steps] == [
        ("plan", 1, 60), ("retrieve", 0, 0), ("draft", 1, 240), ("draft", 0, 0)]
    assert tally.steps[0]["model"] == "fake:planner" and tally.steps[2]["model"] == "fake:drafter"
    assert "model" not in tally.steps[1]


def test_tally_survives_a_budget_that_starts_afresh() -> None:
    tally = RunTally(BudgetUsage(model_calls=9, tokens=900))
    tally.update("plan", {"budget": BudgetUsage(model_calls=1, tokens=50)})
    assert (tally.model_calls, tally.tokens) == (1, 50)


def test_outcome_record_counts_verdicts_and_citations() -> None:
    tally = RunTally(None, VERSIONS)
    result = {
        "status": "done", "post": "A post.", "versions": {"prompt.draft": "draft@2#def"},
        "claim_checks": [{"claim": "a", "verdict": "supported", "chunk_id": "c1", "score": 0.9},
                         {"claim": "b", "verdict": "unsupported", "chunk_id": None}],
        "citations": [{"claim": "a"}], "unsupported_requests": ["x"], "notes": ["n"],
        "budget": {"model_calls": 3},
    }
    record = outcome_record(result, tally, VERSIONS)
    assert record["status"] == "done" and record["post"] == "A post."
    assert record["versions"] == {"prompt.draft": "draft@2#def"}, "the versions the run reports win"
    assert record["verdicts"] == {"supported": 1, "unsupported": 1} and record["citations"] == 1
    assert record["claim_checks"][1] == {"claim": "b", "verdict": "unsupported", "chunk_id": None}
    assert supported_share(record) == 0.5
    assert supported_share({"verdicts": {}}) is None
    assert record["evidence"] == []


def test_outcome_record_keeps_each_retrieved_chunk_and_its_score() -> None:
    evidence = [Evidence(chunk_id="d:c1", document_id="d", title="T", source="s.md", text="x", score=0.8123456),
                {"chunk_id": "d:c2", "score": 0.5}]
    record = outcome_record({"status": "done"}, RunTally(), VERSIONS, evidence=evidence)
    assert record["evidence"] == [{"chunk_id": "d:c1", "score": 0.8123}, {"chunk_id": "d:c2", "score": 0.5}]


def test_outcome_record_of_a_run_waiting_for_approval_keeps_the_proposed_post() -> None:
    result = {"status": "awaiting_approval", "awaiting_approval": {"post": "Proposed."}, "post": "Proposed."}
    record = outcome_record(result, RunTally(), {"model.drafter": "m"}, ["approve"])
    assert record["status"] == "awaiting_approval" and record["post"] == "Proposed."
    assert record["next"] == ["approve"] and record["versions"] == {"model.drafter": "m"}


def test_context_summary_leaves_out_the_run_kit() -> None:
    context = Context(kit=object())
    summary = context_summary(context)
    assert "kit" not in summary
    assert summary["max_revisions"] == context.max_revisions and "retrieval_k" in summary
