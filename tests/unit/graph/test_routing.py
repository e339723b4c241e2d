"""Routing functions on their own (the compiled graph is tested with fake models)."""

from postgraph.domain import ClaimCheck, CritiqueIssue
from postgraph.graph.context import Context
from postgraph.graph.routing import after_check_request, after_fact_check, after_finalize, after_retrieve

OK = ClaimCheck(claim="a", verdict="supported", chunk_id="c")
BAD = ClaimCheck(claim="b", verdict="unsupported")
ISSUE = CritiqueIssue(code="no_hook", problem="p", instruction="i")


def test_after_retrieve() -> None:
    assert after_retrieve({"evidence": []}) == "finalize"
    assert after_retrieve({"evidence": ["x"]}) == "check_request"


def test_after_check_request() -> None:
    assert after_check_request({"status": "running"}) == "draft"
    assert after_check_request({"status": "abstained"}) == "finalize"


def test_after_fact_check_routes() -> None:
    context = Context(max_revisions=2)
    assert after_fact_check({"claim_checks": [OK], "critique": []}, context) == "finalize"
    assert after_fact_check({"claim_checks": [BAD], "critique": [], "revisions": 0}, context) == "revise"
    assert after_fact_check({"claim_checks": [OK], "critique": [ISSUE], "revisions": 1}, context) == "revise"
    assert after_fact_check({"claim_checks": [BAD], "critique": [ISSUE], "revisions": 2}, context) == "finalize"
    exhausted = {"claim_checks": [BAD], "budget": {"model_calls": 0}, "revisions": 0}
    from postgraph.domain import BudgetUsage

    exhausted["budget"] = BudgetUsage(exhausted="tokens")
    assert after_fact_check(exhausted, context) == "finalize"


def test_after_finalize() -> None:
    assert after_finalize({"post": "x"}, Context(require_approval=True)) == "approve"
    assert after_finalize({"post": ""}, Context(require_approval=True)) == "__end__"
    assert after_finalize({"post": "x"}, Context()) == "__end__"
