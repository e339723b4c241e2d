"""`postgraph prompts sync` against the local Langfuse stand-in, on a copy of the repository's
prompt registry: every version pushed with its labels; a label moved in Langfuse is put back,
or followed with --follow-langfuse."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from support.langfuse_server import SECRET_KEY, LangfuseTestServer, closed_port

from postgraph.prompts import PROMPT_DIR, PromptRegistry
from postgraph.settings import PROJECT_ROOT


@pytest.fixture
def registry(tmp_path) -> PromptRegistry:
    """A copy of the prompt registry with a second draft version in production."""
    folder = tmp_path / "prompts"
    shutil.copytree(PROMPT_DIR, folder, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    first = (folder / "draft" / "1.txt").read_text()
    second = first.replace("version: 1", "version: 2", 1).replace(
        "changelog: first version: few-shot completion with numbered notes", "changelog: shorter notes", 1)
    (folder / "draft" / "2.txt").write_text(second.replace("Notes:", "Notes (numbered):", 1))
    registry = PromptRegistry(folder / "registry.json")
    registry.promote("draft", "2", "production")
    return registry


def sync(registry: PromptRegistry, url: str, public_key: str, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("POSTGRAPH_", "LANGFUSE_"))}
    env.update({"POSTGRAPH_PROMPT_REGISTRY_PATH": str(registry.file.path), "LANGFUSE_PUBLIC_KEY": public_key,
                "LANGFUSE_SECRET_KEY": SECRET_KEY, "LANGFUSE_HOST": url, "POSTGRAPH_LANGFUSE_TIMEOUT_S": "1",
                "POSTGRAPH_DATA_DIR": str(Path(registry.file.path).parent.parent / "data"), "COLUMNS": "200"})
    return subprocess.run([sys.executable, "-m", "postgraph", "prompts", "sync", *args], capture_output=True, check=False,
                          text=True, cwd=PROJECT_ROOT, env=env, timeout=120)


def test_prompts_sync_pushes_the_registry_and_follows_langfuse_on_request(registry) -> None:
    with LangfuseTestServer(public_key=f"pk-lf-{uuid.uuid4().hex[:10]}") as server:
        first = sync(registry, server.url, server.public_key, "--json")
        assert first.returncode == 0, first.stderr
        report = json.loads(first.stdout)
        created = {(p["name"], p["version"]) for p in report["pushed"] if p["action"] == "created"}
        assert created == {(n, v) for n in registry.names() for v in registry.versions(n)}
        assert set(server.prompts) == set(registry.names())
        assert "production" in server.find_prompt("draft", "production", None)["labels"]
        assert server.find_prompt("draft", "production", None)["version"] == 2
        assert server.prompts["draft"][0]["config"]["identity"] == registry.load("draft", "1").identity

        again = sync(registry, server.url, server.public_key)
        assert again.returncode == 0 and "unchanged" in again.stdout and "created" not in again.stdout

        server.add_labels("draft", 1, ["production"])  # rolled back in the Langfuse UI
        kept = json.loads(sync(registry, server.url, server.public_key, "--json").stdout)
        assert registry.version_for("draft", "production") == "2", "by default the registry wins"
        assert server.find_prompt("draft", "production", None)["version"] == 2
        assert any(p["name"] == "draft" and p["local_version"] == "1" for p in kept["pulled"])

        server.add_labels("draft", 1, ["production"])
        followed = sync(registry, server.url, server.public_key, "--follow-langfuse")
        assert followed.returncode == 0, followed.stderr
        assert "draft: production -> 1 (followed Langfuse)" in followed.stdout
        assert registry.version_for("draft", "production") == "1"
        assert server.find_prompt("draft", "production", None)["version"] == 1


def test_prompts_sync_with_langfuse_unreachable_fails_clearly(registry) -> None:
    result = sync(registry, f"http://127.0.0.1:{closed_port()}", "pk-lf-closed")
    assert result.returncode == 2 and "langfuse_unavailable" in result.stderr
