"""The compiled writing graph (fake chat models for the roles) persisted in each real
checkpoint backend: a run paused for approval survives closing the saver and is resumed by
a new writer, as after a process restart; its history is readable."""

from __future__ import annotations

import json

import pytest
from support.fake_graph import FAKE_MODEL_SETTINGS, fake_adapters

from postgraph.graph.checkpointing import open_checkpointer
from postgraph.graph.writer import PostWriter, UnknownThread

PLAN = json.dumps({"angle": "Nightly retrieval evals catch quiet regressions", "key_points": []})
# The hook is an opinion (checked claims must be backed; opinions are reported, not checked).
POST = ("Our nightly eval was worth every minute.\n\n"
        "Recall@10 fell from 0.87 to 0.71 after a chunk size change.\n\n#MLOps")




@pytest.mark.parametrize("backend", ["sqlite", "mongodb", "postgres"])
def test_fake_models_paused_run_resumes_after_reopening_the_backend(
    backend, settings, postgres_server, sample_index, embeddings
) -> None:
    settings = settings.model_copy(update={"checkpointer": backend, "postgres_uri": postgres_server.uri,
                                           "judge_model": "", **FAKE_MODEL_SETTINGS})
    scripts = {"planner": [PLAN], "drafter": [POST]}
    with open_checkpointer(settings) as saver:
        writer = PostWriter(settings, saver, fake_adapters(settings, sample_index, embeddings, **scripts))
        paused = writer.write("a post about nightly retrieval evals, 30 words", require_approval=True)
        assert paused.awaiting_approval is not None

    with open_checkpointer(settings) as saver:
        writer = PostWriter(settings, saver, fake_adapters(settings, sample_index, embeddings, **scripts))
        assert writer.snapshot(paused.thread_id).next == ("approve",)
        done = writer.resume(paused.thread_id, decision={"action": "approve"}).as_dict()
        assert done["status"] == "done" and done["post"].startswith(POST.split("#")[0].strip())
        steps = [s.metadata["step"] for s in writer.history(paused.thread_id)]
        assert steps == sorted(steps, reverse=True) and len(steps) >= 8
        with pytest.raises(UnknownThread):
            writer.snapshot("never-started")
