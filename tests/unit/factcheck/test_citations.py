"""A post checked sentence by sentence: a made-up lesson is no opinion the sources back."""

from __future__ import annotations

from postgraph.domain import Evidence
from postgraph.factcheck.citations import check_post, passes

ONCALL = Evidence(chunk_id="doc_o:c0001", document_id="doc_o", title="On-call notes", source="oncall.txt",
                  text="Between April and September we received 143 pages. Every alert type must have a runbook "
                       "before it is allowed to page; we now have runbooks for 22 alert types.")


def test_an_invented_lesson_is_unsupported_and_a_lesson_in_the_sources_words_is_not():
    post = ("Between April and September we received 143 pages.\n\n"
            "The most important thing we learned was that you need to read the code to make a good decision.\n\n"
            "Give every alert type a runbook before it pages.\n\n#OnCall")
    checked = check_post(post, [ONCALL], None)
    assert [c.claim for c in checked.claims if c.verdict != "supported"] == [
        "The most important thing we learned was that you need to read the code to make a good decision."]
    assert checked.claims[-1].decided_by == "off_source" and not passes(checked.claims)
    assert [n.sentence for n in checked.not_claims] == ["Give every alert type a runbook before it pages.", "#OnCall"]
    assert [c.claim for c in checked.claims][0].startswith("Between April")  # in the post's order
