"""Versioned prompt files, the registry that loads, hashes and labels them, and the original
example posts the drafter is shown. See `registry.py` for the file format.

The graph loads prompts only through the registry, by label (`postgraph.graph.pins`);
`load_prompt` reads the repository's own registry, for scripts and notebooks.
"""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path

from postgraph.prompts.registry import Prompt, PromptRegistry, parse_prompt

PROMPT_DIR = Path(__file__).parent
REGISTRY_PATH = PROMPT_DIR / "registry.json"

__all__ = ["PROMPT_DIR", "Prompt", "PromptRegistry", "examples_sha256", "load_prompt", "parse_prompt", "style_examples"]


def load_prompt(name: str, label: str = "production") -> Prompt:
    """The version of `name` that `label` names in the repository's registry."""
    return PromptRegistry(REGISTRY_PATH).get(name, label)


@cache
def style_examples() -> tuple[str, ...]:
    """Original example posts (notes -> post) shown to the drafter as few-shot examples."""
    return tuple(p.read_text(encoding="utf-8").strip() for p in sorted((PROMPT_DIR / "examples").glob("*.txt")))


def examples_sha256() -> str:
    return hashlib.sha256("\n\n".join(style_examples()).encode()).hexdigest()
