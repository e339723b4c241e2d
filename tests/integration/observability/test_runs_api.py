"""Run records and feedback over the HTTP API, against the real local server."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from postgraph.api.app import create_app
from postgraph.stores.runs import RunStore


@pytest.fixture
def client(settings):
    with TestClient(create_app(settings.model_copy(update={"langfuse_public_key": None}))) as test_client:
        yield test_client


def test_runs_and_feedback_over_http(client: TestClient, run_store: RunStore) -> None:
    run_store.start("api-run", "api-thread", "a post", versions={"model.drafter": "fake:drafter"})
    run_store.finish("api-run", {"status": "done"})

    runs = client.get("/runs", params={"thread_id": "api-thread"}).json()
    assert [r["_id"] for r in runs] == ["api-run"] and runs[0]["versions"] == {"model.drafter": "fake:drafter"}
    assert client.get("/runs/api-run").json()["status"] == "done"

    given = client.post("/runs/api-run/feedback", json={"score": 0.6, "comment": "too long"})
    assert given.status_code == 200
    assert given.json() == {"run_id": "api-run", "score": 0.6, "comment": "too long", "feedback_count": 1,
                            "langfuse": "not configured"}
    assert run_store.require("api-run")["feedback"][0]["source"] == "api"

    assert client.post("/runs/api-run/feedback", json={"score": 2}).status_code == 422
    missing = client.post("/runs/nope/feedback", json={"score": 0.5})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "unknown_run"
    assert client.get("/runs/nope").status_code == 404
