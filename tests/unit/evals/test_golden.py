"""The golden set is well formed and every expectation can be checked against its sources."""

from __future__ import annotations

import json
from collections import Counter
from functools import cache

import pytest

from evals.claimset import splits
from postgraph.factcheck.facts import facts_in
from postgraph.quality.cases import TAGS, load_cases
from postgraph.settings import PROJECT_ROOT

CASES = load_cases()
FACTS = {doc["file"]: " ".join(f["evidence"] for f in doc["facts"])
         for doc in json.loads((PROJECT_ROOT / "samples" / "facts.json").read_text(encoding="utf-8"))}


@cache
def source_text(path) -> str:
    """What a source states: its text, or for an image the facts read from it (OCR is slow)."""
    return FACTS[path.name] if path.suffix == ".png" else _parsed(path)


def _parsed(path) -> str:
    from postgraph.ingest.parsers import parse_file

    class NoOcr:
        name = "none"

        def extract_text(self, image: bytes) -> str:
            return ""

    return "\n".join(block.text for block in parse_file(path, max_bytes=10**7, ocr=NoOcr()).blocks)


def values(text: str) -> set[float]:
    return {round(number.value, 6) for number in facts_in(text).numbers}


def states(text: str, item: str) -> bool:
    """A must-not item is a number (stated when its value is) or a phrase (stated when present)."""
    wanted = values(item)
    return wanted <= values(text) if wanted else item.lower() in text.lower()


def test_at_least_40_cases_in_both_splits_covering_every_kind():
    assert len(CASES) >= 40 and len({c.id for c in CASES}) == len(CASES)
    by_split = Counter(c.split for c in CASES)
    assert by_split["dev"] >= 15 and by_split["test"] >= 15
    tags = Counter(tag for c in CASES for tag in c.tags)
    assert set(tags) == set(TAGS), set(TAGS) - set(tags)


def test_every_source_exists_and_the_split_follows_the_main_document():
    dev = set(splits()["dev"])
    for case in CASES:
        assert case.documents or case.extra_sources, case.id
        assert all(path.is_file() for path in case.paths()), case.id
        if case.main_document in dev:
            assert case.split == "dev", case.id
        elif case.main_document in set(splits()["test"]):
            assert case.split == "test", case.id


@pytest.mark.parametrize("case", [c for c in CASES if not c.should_abstain and c.main_document], ids=lambda c: c.id)
def test_what_must_appear_is_stated_by_the_main_document_and_what_must_not_is_not(case):
    text = source_text(case.main_path())
    for fact in case.must_include:
        assert values(fact) <= values(text), (fact, values(fact) - values(text))
        assert values(fact) or fact.lower() in text.lower(), fact
    for claim in case.must_not:
        if case.extra_sources:
            continue  # an injected instruction is in the source on purpose
        assert not states(text, claim), claim


def test_abstentions_ask_for_what_no_source_states():
    abstentions = [c for c in CASES if c.should_abstain]
    assert len(abstentions) >= 3
    for case in abstentions:
        assert not case.must_include
        texts = [source_text(path) for path in case.paths()]
        for claim in case.must_not:
            assert not any(states(text, claim) for text in texts), (case.id, claim)


def test_injected_instructions_are_in_the_source_and_must_not_reach_the_post():
    injected = [c for c in CASES if "injection" in c.tags]
    assert injected
    for case in injected:
        raw = case.main_path().read_text(encoding="utf-8")
        assert case.must_not and all(claim.split()[0] in raw for claim in case.must_not)
