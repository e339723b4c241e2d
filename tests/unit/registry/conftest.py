"""Registry tests work on copies of the repository's registry files in tmp_path, never on
the files themselves."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from postgraph.settings import PROJECT_ROOT


def copy_registries(root: Path) -> dict[str, Path]:
    """Copies of the three registries (prompt files included); a dict of Settings overrides."""
    prompts = root / "prompts"
    shutil.copytree(PROJECT_ROOT / "postgraph" / "prompts", prompts,
                    ignore=shutil.ignore_patterns("*.py", "__pycache__", "examples"))
    return {
        "prompt_registry_path": prompts / "registry.json",
        "model_registry_path": Path(shutil.copy(PROJECT_ROOT / "postgraph" / "registry" / "models.json", root)),
        "retrieval_registry_path": Path(shutil.copy(PROJECT_ROOT / "postgraph" / "registry" / "retrieval.json", root)),
    }


@pytest.fixture
def registry_paths(tmp_path: Path) -> dict[str, Path]:
    return copy_registries(tmp_path / "registries")


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


@pytest.fixture
def prompt_file():
    return write_prompt
