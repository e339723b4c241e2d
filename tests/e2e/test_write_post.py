"""End to end with the real GGUF in llama.cpp on the ingested sample corpus: the run finishes
within its budget, its outputs validate, every citation points at a stored chunk, and a
planted unsupported claim is caught by fact-check."""

from __future__ import annotations

import pytest
from pydantic import TypeAdapter

from postgraph.domain import BudgetUsage, Citation, ClaimCheck
from postgraph.graph.writer import open_writer
from postgraph.ingest.pipeline import open_ingestor
from postgraph.settings import PROJECT_ROOT, Settings
from postgraph.stores.open import open_store

REQUEST = "a post about why our retrieval evals caught a regression, for ML engineers, 120 words, include one number"
PLANTED = "Recall@10 fell from 0.87 to 0.42 in a single night."


@pytest.fixture(scope="module")
def corpus_settings(tmp_path_factory, mongo_server, samples=None) -> Settings:
    from postgraph.settings import PROJECT_ROOT

    settings = Settings(data_dir=tmp_path_factory.mktemp("e2e-write"), mongodb_uri=mongo_server.uri,
                        mongodb_database="e2e_write", max_revisions=1)
    with open_ingestor(settings) as ingestor:
        report = ingestor.ingest([PROJECT_ROOT / "samples" / "corpus"])
        assert not report.failed
    return settings


def test_real_model_writes_a_cited_post_within_budget(corpus_settings: Settings) -> None:
    with open_writer(corpus_settings) as writer:
        outcome = writer.write(REQUEST, require_approval=True)
        assert outcome.awaiting_approval is not None, outcome.as_dict()
        values = outcome.values

        assert values["status"] in {"running", "done", "quoted", "budget_exhausted"}
        budget = BudgetUsage.model_validate(values["budget"])
        assert budget.model_calls <= corpus_settings.max_model_calls
        assert budget.seconds <= corpus_settings.max_seconds
        checks = TypeAdapter(list[ClaimCheck]).validate_python(values["claim_checks"])
        citations = TypeAdapter(list[Citation]).validate_python(values["citations"])
        assert values["post"], values.get("notes")
        assert all(c.verdict == "supported" for c in checks), "the returned post passes fact-check"
        assert set(values["timings"]) >= {"plan", "retrieve", "draft", "critique", "fact_check", "finalize"}
        # the production drafter: the fine-tuned adapter over the packaged base, with its prompt
        adapter = PROJECT_ROOT / "models" / "drafter" / "shared.gguf"
        assert values["versions"]["model.drafter"] == f"llamacpp:gemma3-270m+lora:{adapter}"
        assert values["versions"]["prompt.draft"].startswith("draft@2#")
        with open_store(corpus_settings) as store:
            for citation in citations:
                stored = store.get_chunk(citation.chunk_id)
                assert stored is not None, citation
                assert store.get_document(stored["document_id"])["status"] == "indexed"

        planted = values["post"] + "\n\n" + PLANTED
        edited = writer.resume(outcome.thread_id, decision={"action": "edit", "post": planted}).as_dict()

    # The reviewer's edit is checked: the planted claim is caught and removed (the default), the
    # rest of the post stays, and every claim left is supported.
    assert "0.42" not in edited["post"] and edited["post"].strip()
    assert any("removed" in note and "0.42" in note for note in edited["notes"]), edited["notes"]
    assert edited["claim_checks"] and all(c["verdict"] == "supported" for c in edited["claim_checks"])
    assert all("0.42" not in c["claim"] for c in edited["citations"])
