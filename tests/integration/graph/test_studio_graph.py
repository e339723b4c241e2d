"""The repository's langgraph.json served by `langgraph dev` offline: the real writing graph
with the project's checkpointer runs a thread through the REST API on the embedded stack."""

from __future__ import annotations

from pathlib import Path

import httpx
from support.langgraph_dev import langgraph_dev

from postgraph.ingest.pipeline import open_ingestor
from postgraph.settings import PROJECT_ROOT, Settings

REQUEST = "a post about prompt versioning and rollback, for platform engineers, 60 words"


def test_langgraph_dev_serves_the_writing_graph(tmp_path: Path, mongo_server) -> None:
    settings = Settings(data_dir=tmp_path / "data", mongodb_uri=mongo_server.uri, mongodb_database="studio")
    with open_ingestor(settings) as ingestor:
        assert not ingestor.ingest([PROJECT_ROOT / "samples" / "corpus" / "prompt-versioning-rollback.md"]).failed
    env = {"POSTGRAPH_DATA_DIR": str(settings.data_dir), "POSTGRAPH_MONGODB_URI": mongo_server.uri,
           "POSTGRAPH_MONGODB_DATABASE": "studio"}
    with langgraph_dev(PROJECT_ROOT / "langgraph.json", env=env, log_path=tmp_path / "dev.log") as url:
        with httpx.Client(base_url=url, timeout=600) as client:
            assistants = client.post("/assistants/search", json={"graph_id": "postgraph"}).json()
            assert assistants and assistants[0]["graph_id"] == "postgraph"
            thread = client.post("/threads", json={}).json()["thread_id"]
            output = client.post(f"/threads/{thread}/runs/wait", json={
                "assistant_id": "postgraph",
                "input": {"request": REQUEST},
                # The packaged base drafter (its prompt from the label): this test is about serving the
                # graph, and the base model's quoted posts always carry cited claims. (The fine-tuned
                # drafter wrote this 60-word request as a post with no fact in it: a known gap.)
                "context": {"max_revisions": 0, "model_critique": False, "drafter_model": "llamacpp:gemma3-270m"},
            }).json()
            assert output["status"] in {"done", "quoted", "budget_exhausted"}, output
            assert output["post"] and output["citations"]
            assert all(c["source"].endswith("prompt-versioning-rollback.md") for c in output["citations"])
            history = client.post(f"/threads/{thread}/history", json={"limit": 50}).json()
            assert len(history) >= 6
            pins = client.get(f"/threads/{thread}/state").json()["values"]["pins"]
            assert pins["prompts"]["draft"].startswith("draft@") and pins["retrieval"]["version"]
    assert (settings.data_dir / "checkpoints.sqlite").exists()
