"""Copies of the version registries for tests that promote and roll back."""

from __future__ import annotations

import shutil
from pathlib import Path

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
