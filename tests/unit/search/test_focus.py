"""Which source a post is about: the named one, else the best-scored; none for a roundup."""

from __future__ import annotations

from postgraph.domain import Evidence
from postgraph.search.focus import focus_source, grouped_by_source, is_roundup


def item(source: str, score: float, author: str, title: str, n: int = 0) -> Evidence:
    return Evidence(chunk_id=f"doc_{source}:c{n:04d}", document_id=f"doc_{source}", title=title, source=source,
                    author=author, text="text", score=score)


EVIDENCE = [
    item("regression.md", 0.9, "Marisol Quenby", "What our nightly retrieval eval caught"),
    item("rollback.md", 0.8, "Hana Brightwater", "Prompt versions are releases"),
    item("rollback.md", 0.7, "Hana Brightwater", "Prompt versions are releases", 1),
    item("postmortem.md", 0.3, "Marisol Quenby", "Two vector spaces in one index"),
]


def test_the_best_scored_source_is_the_focus_when_none_is_named():
    assert focus_source("a post about retrieval evals", EVIDENCE) == "rollback.md"  # 1.5 beats 0.9


def test_a_named_author_or_title_picks_among_their_sources():
    assert focus_source("from Marisol Quenby's newsletter: what the revert taught us", EVIDENCE) == "regression.md"
    assert focus_source("what Quenby wrote about two vector spaces in one index", EVIDENCE) == "postmortem.md"
    assert focus_source("a post on 'Prompt versions are releases'", EVIDENCE) == "rollback.md"


def test_a_comparison_or_roundup_has_no_focus_and_keeps_each_source_together():
    for request in ("compare the rollback and the regression stories", "a roundup of this month's newsletters",
                    "the common thread across all the newsletters", "what each newsletter says about evals"):
        assert is_roundup(request) and focus_source(request, EVIDENCE) is None, request
    assert not is_roundup("the most important lesson in these newsletters")
    grouped = grouped_by_source(EVIDENCE[:1] + EVIDENCE[3:] + EVIDENCE[1:3])
    assert [e.source for e in grouped] == ["regression.md", "postmortem.md", "rollback.md", "rollback.md"]
