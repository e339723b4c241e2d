"""Rollback drills, one per registry: promote a bad version, see runs use it (their recorded
versions say so, and the fake models see it), roll back, see runs use the previous one again.
Each drill prints how long the rollback took (measured, not asserted)."""

from __future__ import annotations

import json
import time

from support.fake_graph import REQUEST
from support.registries import FAKE_ROLES_BUT_DRAFTER as FAKE_ROLES
from support.registries import SHORT_DRAFT_PROMPT as BAD_DRAFT_PROMPT

from postgraph.ingest.index_versions import alias_follower
from postgraph.prompts import PromptRegistry
from postgraph.registry.models import ModelEntry, ModelRegistry
from postgraph.registry.retrieval import RetrievalRegistry, Strategy


def report(what: str, seconds: float) -> None:
    print(f"\nrollback drill: {what} rolled back in {seconds * 1000:.1f} ms")


def run(writer) -> tuple[dict, dict]:
    outcome = writer.write(REQUEST)
    return outcome.as_dict(), dict(writer.snapshot(outcome.thread_id).values)


def test_prompt_rollback_drill(drill_writer, fakes, registry_paths) -> None:
    registry = PromptRegistry(registry_paths["prompt_registry_path"])
    (registry.folder / "draft" / "2.txt").write_text(BAD_DRAFT_PROMPT)
    writer = drill_writer(drafter_model="fake:drafter", **FAKE_ROLES)
    drafter = fakes["fake:drafter"]

    before, _ = run(writer)
    v1 = registry.load("draft", "1").identity
    assert before["versions"]["prompt.draft"] == v1
    assert "Use only facts from the notes." in drafter.prompts[-1] and drafter.calls[-1]["temperature"] == 0.3

    registry.promote("draft", "2", "production")
    bad, _ = run(writer)
    v2 = registry.load("draft", "2").identity
    assert bad["versions"]["prompt.draft"] == v2 and v2.startswith("draft@2#")
    assert "in capitals" in drafter.prompts[-1]
    assert drafter.calls[-1]["temperature"] == 1.4 and drafter.calls[-1]["max_tokens"] == 64

    started = time.perf_counter()
    move = registry.rollback("draft", "production")
    seconds = time.perf_counter() - started
    after, _ = run(writer)
    assert (move.previous, move.current) == ("2", "1")
    assert after["versions"]["prompt.draft"] == v1
    assert "Use only facts from the notes." in drafter.prompts[-1] and drafter.calls[-1]["temperature"] == 0.3
    report("prompt draft@2 -> draft@1", seconds)


def test_model_rollback_drill(drill_writer, fakes, registry_paths, tmp_path) -> None:
    registry = ModelRegistry(registry_paths["model_registry_path"])
    # In the copy, the drafter's production model is a fake too, so the drill needs no weights.
    data = json.loads(registry.file.path.read_text())
    data["drafter"]["versions"]["1"] = {"provider": "fake", "location": "drafter", "notes": "stands for the good drafter"}
    registry.file.path.write_text(json.dumps(data))
    registry.register("drafter", ModelEntry(provider="fake", location="drafter-v2", training_run="lora-bad",
                                            dataset_version="posts@2", notes="the bad fine-tune"))
    writer = drill_writer(**FAKE_ROLES)  # no drafter_model: the registry chooses
    good, bad_model = fakes["fake:drafter"], fakes["fake:drafter-v2"]

    before, _ = run(writer)
    assert before["versions"]["model.drafter"] == "fake:drafter"
    assert before["versions"]["model.drafter.registry"] == "drafter@1"
    assert before["versions"]["model.drafter.sha256"] == "-"  # not a local file
    assert len(good.prompts) == 1 and bad_model.prompts == []

    registry.promote("drafter", "2", "production", writer.settings)
    bad, _ = run(writer)
    assert bad["versions"]["model.drafter"] == "fake:drafter-v2"
    assert bad["versions"]["model.drafter.registry"] == "drafter@2"
    assert len(bad_model.prompts) == 1 and len(good.prompts) == 1

    started = time.perf_counter()
    move = registry.rollback("drafter", "production", writer.settings)
    seconds = time.perf_counter() - started
    after, _ = run(writer)
    assert (move.previous, move.current) == ("2", "1")
    assert after["versions"]["model.drafter"] == "fake:drafter"
    assert after["versions"]["model.drafter.registry"] == "drafter@1"
    assert len(good.prompts) == 2 and len(bad_model.prompts) == 1
    report("model drafter@2 -> drafter@1", seconds)


def test_retrieval_rollback_drill(drill_writer, registry_paths) -> None:
    registry = RetrievalRegistry(registry_paths["retrieval_registry_path"])
    registry.register(Strategy(k=1, candidates=16, hybrid=False, mmr_lambda=0.85, relevance_floor=0.6,
                               collection=None, notes="one dense result: too little evidence"))
    writer = drill_writer(drafter_model="fake:drafter", **FAKE_ROLES)

    before, state = run(writer)
    assert before["versions"]["retrieval.strategy"] == "retrieval@1"
    assert before["versions"]["retrieval"].startswith("hybrid-rrf+mmr(k=6,")
    kept = len(state["evidence"])
    assert kept > 1

    registry.promote("2", "production")
    bad, state = run(writer)
    assert bad["versions"]["retrieval.strategy"] == "retrieval@2"
    assert bad["versions"]["retrieval"].startswith("dense+mmr(k=1,")
    assert len(state["evidence"]) == 1

    started = time.perf_counter()
    move = registry.rollback("production")
    seconds = time.perf_counter() - started
    after, state = run(writer)
    assert (move.previous, move.current) == ("2", "1")
    assert after["versions"]["retrieval.strategy"] == "retrieval@1"
    assert len(state["evidence"]) == kept
    report("retrieval@2 -> retrieval@1", seconds)


def test_retrieval_rollback_drill_moves_the_index_alias(drill_writer, registry_paths, settings, embeddings) -> None:
    """A strategy that names a collection takes the alias with it, recorded in the store's
    alias history; rolling back brings the alias back."""
    from qdrant_client import models
    from support.fake_graph import build_sample_index

    from postgraph.search.index import document_filter
    from postgraph.stores.open import open_store

    index = build_sample_index(embeddings)  # alias chunks -> chunks__test, three newsletters
    points, _ = index.client.scroll("chunks__test", scroll_filter=document_filter(["doc_lora-budget"]),
                                    with_vectors=True, with_payload=True, limit=200)
    index.ensure_collection("chunks__lora", 384)
    index.client.upsert("chunks__lora", points=[models.PointStruct(id=p.id, vector=p.vector, payload=p.payload)
                                                for p in points])
    registry = RetrievalRegistry(registry_paths["retrieval_registry_path"])
    data = registry.file.read()
    data["versions"]["1"]["collection"] = "chunks__test"
    registry.file._write(data)
    registry.register(Strategy(k=6, candidates=16, hybrid=True, mmr_lambda=0.85, relevance_floor=0.6,
                               collection="chunks__lora", notes="one newsletter only"))
    writer = drill_writer(index=index, drafter_model="fake:drafter", mongodb_uri=settings.mongodb_uri,
                          mongodb_database=settings.mongodb_database, **FAKE_ROLES)
    try:
        with open_store(writer.settings) as store:
            for collection in ("chunks__test", "chunks__lora"):  # as rebuilds would have recorded them
                store.record_alias("chunks", collection, "minilm-l6-v2-int8@1", reason="built for the drill")
            moves: list = []

            before, state = run(writer)
            assert before["versions"]["retrieval.collection"] == "chunks__test"
            # the whole collection: the post is about the newsletter the request matches, not lora
            assert {e.document_id for e in state["evidence"]} == {"doc_retrieval-eval-regression"}

            registry.promote("2", "production", alias_follower(writer.settings, "production", "promote", moves,
                                                               index=index, store=store))
            bad, state = run(writer)
            assert moves[-1] == {"previous": "chunks__test", "active": "chunks__lora", "moved": True,
                                 "backfilled_documents": 0}
            assert bad["versions"]["retrieval.collection"] == "chunks__lora"
            assert bad["versions"]["retrieval.strategy"] == "retrieval@2"
            assert {e.document_id for e in state["evidence"]} == {"doc_lora-budget"}

            started = time.perf_counter()
            registry.rollback("production", alias_follower(writer.settings, "production", "rollback", moves,
                                                           index=index, store=store))
            seconds = time.perf_counter() - started
            after, state = run(writer)
            assert after["versions"]["retrieval.collection"] == "chunks__test"
            assert after["versions"]["retrieval.strategy"] == "retrieval@1"
            # the whole collection: the post is about the newsletter the request matches, not lora
            assert {e.document_id for e in state["evidence"]} == {"doc_retrieval-eval-regression"}
            history = store.alias_history_of("chunks")
            assert [h["reason"] for h in history[:2]] == ["rollback retrieval@1", "promote retrieval@2"]
            report("retrieval@2 -> retrieval@1 with the alias (chunks__lora -> chunks__test)", seconds)
    finally:
        index.close()
