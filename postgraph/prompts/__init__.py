"""Prompt files and their loader. Each prompt is a text file with a small header:

    version: 1
    changelog: what changed in this version
    ---
    the template, with {placeholders}

A prompt's identity is its name, version and the sha256 of the file, recorded with every run.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from string import Formatter

PROMPT_DIR = Path(__file__).parent


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    changelog: str
    template: str
    sha256: str

    @property
    def variables(self) -> set[str]:
        return {field for _, field, _, _ in Formatter().parse(self.template) if field}

    @property
    def identity(self) -> str:
        return f"{self.name}@{self.version}#{self.sha256[:12]}"

    def format(self, **values: object) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise KeyError(f"prompt {self.name} needs {sorted(missing)}")
        return self.template.format(**values)


@cache
def load_prompt(name: str) -> Prompt:
    path = PROMPT_DIR / f"{name}.txt"
    raw = path.read_text(encoding="utf-8")
    header, sep, template = raw.partition("\n---\n")
    if not sep:
        raise ValueError(f"{path} has no '---' line between header and template")
    fields = dict(line.split(":", 1) for line in header.strip().splitlines())
    return Prompt(
        name=name,
        version=fields["version"].strip(),
        changelog=fields.get("changelog", "").strip(),
        template=template,
        sha256=hashlib.sha256(raw.encode()).hexdigest(),
    )


@cache
def style_examples() -> tuple[str, ...]:
    """Original example posts (notes -> post) shown to the drafter as few-shot examples."""
    return tuple(p.read_text(encoding="utf-8").strip() for p in sorted((PROMPT_DIR / "examples").glob("*.txt")))


def examples_sha256() -> str:
    return hashlib.sha256("\n\n".join(style_examples()).encode()).hexdigest()
