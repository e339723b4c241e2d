"""Copies of the version registries for tests that promote and roll back."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from postgraph.settings import PROJECT_ROOT

# The roles of a drill that are fakes whatever the registry says; the drafter is left to each test.
FAKE_ROLES_BUT_DRAFTER = {"planner_model": "fake:planner", "critic_model": "fake:critic", "reviser_model": "fake:reviser"}
# A second draft prompt, recognisable in what the fake drafter is sent ("in capitals") and by
# its parameters (64 tokens, temperature 1.4).
SHORT_DRAFT_PROMPT = """version: 2
changelog: shorter prompt without the example posts (a bad idea: the base model rambles)
variables: notes, words
parameters: {"max_tokens": 64, "temperature": 1.4}
---
Write about {words} words in capitals from these notes:
{notes}
Post:"""


def copy_registries(root: Path, *, base_drafter: bool = True) -> dict[str, Path]:
    """Copies of the three registries (prompt files included); a dict of Settings overrides.

    With `base_drafter`, the copy's drafter is the packaged base model alone (version 1, the
    next registered is 2), which takes its draft prompt from the prompt label: tests of prompt
    versions, labels and drills depend on that, not on which drafter production runs (a
    fine-tuned drafter brings the prompt it was trained on, whatever the label says)."""
    prompts = root / "prompts"
    shutil.copytree(PROJECT_ROOT / "postgraph" / "prompts", prompts,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", "examples"))
    models = Path(shutil.copy(PROJECT_ROOT / "postgraph" / "registry" / "models.json", root))
    if base_drafter:
        data = json.loads(models.read_text())
        data["drafter"]["versions"] = {"1": data["drafter"]["versions"]["1"]}
        data["drafter"]["labels"] = {"production": "1"}
        data["drafter"]["history"] = {"production": ["1"]}
        models.write_text(json.dumps(data, indent=2))
    return {
        "prompt_registry_path": prompts / "registry.json",
        "model_registry_path": models,
        "retrieval_registry_path": Path(shutil.copy(PROJECT_ROOT / "postgraph" / "registry" / "retrieval.json", root)),
    }


def write_prompt(folder: Path, name: str, version: str, template: str, *, variables: str | None = None,
                 parameters: str = "{}", changelog: str = "test version") -> Path:
    """A prompt file in the registry's layout; variables default to the template's placeholders."""
    from postgraph.prompts.registry import placeholders

    variables = ", ".join(sorted(placeholders(template))) if variables is None else variables
    path = folder / name / f"{version}.txt"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"version: {version}\nchangelog: {changelog}\nvariables: {variables}\n"
                    f"parameters: {parameters}\n---\n{template}")
    return path
