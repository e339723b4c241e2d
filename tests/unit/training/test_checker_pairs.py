"""Training pairs for the claim checker: perturbations make false claims, and only dev
documents are read."""

from __future__ import annotations

import random

from evals.claimset import splits
from training.checker.pairs import OPPOSITES, build, perturbations

SENTENCE = "Recall@10 fell from 0.87 to 0.71 after Dana Whitfield changed the embedding model."


def test_every_perturbation_changes_the_sentence_in_the_way_its_kind_says():
    variants = dict(perturbations(SENTENCE, ["0.64", "0.52"], ["Dana Whitfield", "Ravi Anand"], random.Random(3)))
    assert set(variants) == {"number", "number_swap", "direction", "name"}
    assert all(text != SENTENCE for text in variants.values())
    changed = [(a, b) for a, b in zip(SENTENCE.split(), variants["direction"].split(), strict=True) if a != b]
    assert len(changed) == 1 and OPPOSITES[changed[0][0]] == changed[0][1]
    assert "from 0.71 to 0.87" in variants["number_swap"]
    assert variants["name"] == SENTENCE.replace("Dana Whitfield", "Ravi Anand")
    changed = [(a, b) for a, b in zip(SENTENCE.split(), variants["number"].split(), strict=True) if a != b]
    assert len(changed) == 1 and changed[0][0] in ("0.87", "0.71")


def test_a_sentence_with_an_auxiliary_gets_a_negation():
    variants = dict(perturbations("The gate was green on Friday.", [], [], random.Random(1)))
    assert variants["negation_added"] == "The gate was not green on Friday."


def test_a_negated_sentence_loses_its_negation():
    variants = dict(perturbations("The gate did not block the release.", [], [], random.Random(1)))
    assert variants["negation_dropped"] == "The gate did block the release."


def test_pairs_come_from_dev_documents_only_and_are_balanced():
    rows = build(seed=7)
    documents = {row["document"] for row in rows}
    assert documents <= set(splits()["dev"])
    assert not documents & set(splits()["test"])
    true = sum(row["label"] for row in rows)
    assert len(rows) >= 600
    assert 0.35 <= true / len(rows) <= 0.65
    assert all(row["prompt"].endswith("Does the passage state the claim? Answer:") for row in rows)
