"""Retrieval strategies: validated versions, labels, and the alias hook that runs first."""

from __future__ import annotations

import pytest

from postgraph.domain import RequestFilters
from postgraph.ingest.index_versions import alias_follower
from postgraph.registry.labels import RegistryError
from postgraph.registry.retrieval import RetrievalRegistry, Strategy
from postgraph.settings import Settings


@pytest.fixture
def registry(registry_paths) -> RetrievalRegistry:
    return RetrievalRegistry(registry_paths["retrieval_registry_path"])


NARROW = Strategy(k=1, candidates=4, hybrid=False, mmr_lambda=1.0, relevance_floor=0.0,
                  filters=RequestFilters(block_kinds=["text"]), collection=None, notes="narrow")


def test_the_repository_strategy_keeps_the_previous_defaults() -> None:
    registry = RetrievalRegistry(Settings().retrieval_registry_path)
    registry.check()
    version, strategy = registry.resolve()
    settings = Settings()
    assert version == "1"
    assert (strategy.k, strategy.candidates, strategy.hybrid, strategy.mmr_lambda, strategy.relevance_floor) == (
        settings.retrieval_k, settings.retrieval_candidates, settings.hybrid, settings.mmr_lambda,
        settings.relevance_floor)
    assert strategy.collection == "chunks__minilm-l6-v2-int8-1"


def test_register_promote_and_rollback(registry) -> None:
    assert registry.register(NARROW) == "2"
    assert registry.strategy("2") == NARROW
    move = registry.promote("2", "production")
    assert (move.name, move.previous, move.current) == ("retrieval", "1", "2")
    assert registry.resolve()[1].k == 1
    assert registry.rollback("production").current == "1"
    assert registry.resolve()[1].k == 6


def test_the_hook_runs_before_the_label_moves_and_a_failure_keeps_the_label(registry) -> None:
    registry.register(NARROW)
    seen = []
    registry.promote("2", "production", before=lambda version, strategy: seen.append((version, strategy.k)))
    assert seen == [("2", 1)]

    def refuse(version, strategy):
        raise RegistryError("the alias cannot move")

    with pytest.raises(RegistryError, match="alias cannot move"):
        registry.rollback("production", before=refuse)
    assert registry.resolve()[0] == "2"
    registry.rollback("production", before=lambda version, strategy: seen.append((version, strategy.k)))
    assert seen[-1] == ("1", 6) and registry.resolve()[0] == "1"


def test_the_alias_follows_only_the_label_runs_use_and_only_named_collections() -> None:
    moves: list = []
    staging = alias_follower(Settings(retrieval_label="production"), "staging", "promote", moves)
    staging("2", NARROW.model_copy(update={"collection": "chunks__x"}))
    unnamed = alias_follower(Settings(retrieval_label="production"), "production", "promote", moves)
    unnamed("2", NARROW)
    assert moves == []  # neither touched the index (no store or Qdrant was opened)


def test_unknown_versions_invalid_strategies_and_missing_history(registry) -> None:
    with pytest.raises(RegistryError, match=r"retrieval has no version '4'; versions: 1\."):
        registry.promote("4", "production")
    with pytest.raises(RegistryError, match="retrieval has no earlier production version"):
        registry.rollback("production")
    with pytest.raises(ValueError):
        Strategy(k=0, candidates=4, hybrid=True, mmr_lambda=0.5, relevance_floor=0.5)
    data = registry.file.read()
    data["versions"]["2"] = {"k": 3}
    registry.file._write(data)
    with pytest.raises(RegistryError, match="Retrieval strategy 2 is not valid"):
        registry.strategy("2")


def test_list_rows_carry_labels_and_filters(registry) -> None:
    registry.register(NARROW)
    registry.promote("2", "candidate")
    rows = registry.list()
    assert [(r["version"], r["labels"]) for r in rows] == [("1", ["production"]), ("2", ["candidate"])]
    assert rows[1]["filters"]["block_kinds"] == ["text"]
