"""Registry tests work on copies of the repository's registry files in tmp_path, never on
the files themselves."""

from __future__ import annotations

from pathlib import Path

import pytest






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
