"""The judge model step fails closed: only claims that similarity alone backs go to it; yes
keeps them, no rejects them, an invalid answer or a spent budget leaves them unchecked."""

from __future__ import annotations

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.judge import Entailment, judge_claims, needs_judge

EVIDENCE = [Evidence(chunk_id="d:c0000", document_id="d", title="T", source="d.md",
                     text="Nobody looked at retrieval quality by hand.")]
BY_SIMILARITY = ClaimCheck(claim="Nobody checked retrieval quality by hand.", verdict="supported",
                           chunk_id="d:c0000", decided_by="similarity")
BY_NUMBERS = ClaimCheck(claim="Recall fell to 0.71.", verdict="supported", chunk_id="d:c0000",
                        decided_by="numbers bound to the same quantity")


def scripted(*answers):
    replies = list(answers)

    def ask(passage: str, claim: str):
        answer = replies.pop(0)
        if answer is None:
            return None, 2, 40, "not valid JSON"
        return Entailment(entailed=answer), 1, 20, None

    return ask


def test_only_claims_that_similarity_alone_backs_go_to_the_judge() -> None:
    assert needs_judge(BY_SIMILARITY) and not needs_judge(BY_NUMBERS)
    result = judge_claims([BY_NUMBERS, BY_SIMILARITY], EVIDENCE, scripted(True), judge="fake:judge",
                          calls_left=lambda calls: True)
    assert [c.verdict for c in result.checks] == ["supported", "supported"]
    assert result.checks[1].decided_by == "fake:judge" and result.calls == 1 and result.tokens == 20


def test_no_rejects_and_an_invalid_answer_is_unchecked_never_supported() -> None:
    no = judge_claims([BY_SIMILARITY], EVIDENCE, scripted(False), judge="j", calls_left=lambda c: True)
    assert no.checks[0].verdict == "unsupported"
    garbage = judge_claims([BY_SIMILARITY], EVIDENCE, scripted(None), judge="j", calls_left=lambda c: True)
    assert garbage.checks[0].verdict == "unchecked" and "did not validate" in garbage.checks[0].reason
    assert garbage.calls == 2 and garbage.notes


def test_a_spent_budget_leaves_claims_unchecked_without_asking() -> None:
    result = judge_claims([BY_SIMILARITY, BY_SIMILARITY], EVIDENCE, scripted(True), judge="j",
                          calls_left=lambda calls: calls < 1)
    assert [c.verdict for c in result.checks] == ["supported", "unchecked"]
    assert "budget ran out" in result.checks[1].reason and result.calls == 1
