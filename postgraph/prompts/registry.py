"""Prompt versions on disk and the labels that choose between them.

    prompts/registry.json          {name: {"labels": {...}, "history": {...}}}
    prompts/<name>/<version>.txt   one file per version:

        version: 2
        changelog: what changed in this version, in one line
        variables: notes, audience
        parameters: {"max_tokens": 320, "temperature": 0.3}
        ---
        the template, with {notes} and {audience}

A prompt's identity is `name@version#` + the first 12 hex digits of the file's sha256: the
hash covers the header too, so an edit that forgets to bump the version still shows up in
every run's recorded versions.
"""

from __future__ import annotations

import difflib
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from string import Formatter
from typing import Any

from postgraph.registry import labels as lbl
from postgraph.registry.labels import LabelMove, RegistryError, RegistryFile

HEADER_KEYS = ("version", "changelog", "variables", "parameters")
# The model call parameters a prompt may carry; the nodes that make free-text calls pass them on.
PARAMETERS = {"max_tokens": int, "temperature": float}


@dataclass(frozen=True)
class Prompt:
    name: str
    version: str
    changelog: str
    template: str
    sha256: str
    variables: frozenset[str] = frozenset()
    parameters: dict[str, Any] = field(default_factory=dict)
    path: Path | None = None

    @property
    def identity(self) -> str:
        return f"{self.name}@{self.version}#{self.sha256[:12]}"

    def format(self, **values: object) -> str:
        missing = self.variables - values.keys()
        if missing:
            raise KeyError(f"prompt {self.identity} needs {sorted(missing)}")
        return self.template.format(**values)


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in Formatter().parse(template) if name}


def parse_prompt(name: str, path: Path) -> Prompt:
    """Read and validate one prompt file; every problem is a RegistryError naming the file."""
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise RegistryError(f"Cannot read prompt file {path}: {error}") from error
    header, sep, template = raw.partition("\n---\n")
    if not sep:
        raise RegistryError(f"{path} has no '---' line between header and template.")
    fields: dict[str, str] = {}
    for line in header.strip().splitlines():
        key, colon, value = line.partition(":")
        key = key.strip()
        if not colon or key not in HEADER_KEYS:
            raise RegistryError(f"{path}: header line {line!r} is not one of {', '.join(HEADER_KEYS)}.")
        fields[key] = value.strip()
    if fields.get("version") != path.stem:
        raise RegistryError(f"{path}: the header says version {fields.get('version')!r}, the file name {path.stem!r}.")
    if "variables" not in fields:
        raise RegistryError(f"{path}: the header has no 'variables:' line.")
    declared = {v.strip() for v in fields["variables"].split(",") if v.strip()}
    try:
        found = placeholders(template)
    except ValueError as error:
        raise RegistryError(f"{path}: the template is not a valid format string ({error}).") from error
    if declared != found:
        raise RegistryError(
            f"{path}: declared variables {sorted(declared)} differ from the template's placeholders {sorted(found)}."
        )
    return Prompt(
        name=name,
        version=fields["version"],
        changelog=fields.get("changelog", ""),
        template=template,
        sha256=hashlib.sha256(raw.encode()).hexdigest(),
        variables=frozenset(declared),
        parameters=_parameters(path, fields.get("parameters", "{}")),
        path=path,
    )


def _parameters(path: Path, text: str) -> dict[str, Any]:
    try:
        parameters = json.loads(text or "{}")
    except json.JSONDecodeError as error:
        raise RegistryError(f"{path}: 'parameters:' is not a JSON object ({error}).") from error
    if not isinstance(parameters, dict):
        raise RegistryError(f"{path}: 'parameters:' is not a JSON object.")
    for key, value in parameters.items():
        kind = PARAMETERS.get(key)
        if kind is None:
            raise RegistryError(f"{path}: unknown parameter {key!r}; known: {', '.join(PARAMETERS)}.")
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (kind is int and not isinstance(value, int)):
            raise RegistryError(f"{path}: parameter {key} must be a {kind.__name__}, not {value!r}.")
    return parameters


class PromptRegistry:
    """The prompts beside `path` (registry.json) and their labels."""

    def __init__(self, path: Path) -> None:
        self.file = RegistryFile(path, "prompt")
        self.folder = self.file.path.parent

    # -- reading ----------------------------------------------------------------------------
    def names(self) -> list[str]:
        return sorted(self.file.read())

    def _entry(self, data: dict[str, Any], name: str) -> dict[str, Any]:
        if name not in data:
            raise RegistryError(f"No prompt named {name!r}; prompts: {', '.join(sorted(data)) or 'none'}.")
        return data[name]

    def versions(self, name: str) -> list[str]:
        return lbl.version_order(p.stem for p in (self.folder / name).glob("*.txt"))

    def load(self, name: str, version: str) -> Prompt:
        path = self.folder / name / f"{version}.txt"
        if not path.is_file():
            known = ", ".join(self.versions(name)) or "none"
            raise RegistryError(f"Prompt {name} has no version {version!r}; versions: {known}.")
        return parse_prompt(name, path)

    def version_for(self, name: str, label: str = lbl.DEFAULT_LABEL) -> str:
        return lbl.current(self._entry(self.file.read(), name), name, label)

    def get(self, name: str, label: str = lbl.DEFAULT_LABEL) -> Prompt:
        """The version `label` names (production when the prompt has no such label)."""
        return self.load(name, self.version_for(name, label))

    def list(self) -> list[dict[str, Any]]:
        rows = []
        for name, entry in sorted(self.file.read().items()):
            rows.append({
                "name": name,
                "labels": dict(entry.get("labels") or {}),
                "versions": {v: self.load(name, v).identity for v in self.versions(name)},
                "history": dict(entry.get("history") or {}),
            })
        return rows

    def iter_prompts(self) -> Iterator[tuple[str, str, list[str], str, dict[str, Any]]]:
        """Every version as (name, version, labels, template, config), the shape the Langfuse
        prompt sync (observability/langfuse_prompts.py) pushes."""
        for name, entry in sorted(self.file.read().items()):
            labels = entry.get("labels") or {}
            for version in self.versions(name):
                prompt = self.load(name, version)
                config = {"parameters": dict(prompt.parameters), "variables": sorted(prompt.variables),
                          "identity": prompt.identity}
                yield name, version, sorted(k for k, v in labels.items() if v == version), prompt.template, config

    def diff(self, name: str, a: str, b: str) -> str:
        """Unified diff of two versions' files (header and template)."""
        first, second = self.load(name, a), self.load(name, b)
        lines = difflib.unified_diff(
            first.path.read_text(encoding="utf-8").splitlines(keepends=True),
            second.path.read_text(encoding="utf-8").splitlines(keepends=True),
            fromfile=first.identity, tofile=second.identity,
        )
        # A last line without a newline would run into the next diff line: mark it as git does.
        return "".join(line if line.endswith("\n") else f"{line}\n\\ No newline at end of file\n" for line in lines)

    def check(self) -> None:
        """Every prompt's files parse and every label names one of them."""
        for name, entry in self.file.read().items():
            versions = self.versions(name)
            for version in versions:
                self.load(name, version)
            lbl.check_entry(entry, f"prompt {name}", versions)

    # -- moving labels ----------------------------------------------------------------------
    def promote(self, name: str, version: str, label: str) -> LabelMove:
        """Point `label` at `version`, after checking that its file parses and is valid."""
        with self.file.edit() as data:
            entry = self._entry(data, name)
            versions = self.versions(name)
            if version in versions:
                self.load(name, version)  # refuse a broken file before any label names it
            return lbl.promote(entry, name, version, label, versions)

    def rollback(self, name: str, label: str = lbl.DEFAULT_LABEL) -> LabelMove:
        with self.file.edit() as data:
            entry = self._entry(data, name)
            self.load(name, lbl.rollback_target(entry, name, label))
            return lbl.rollback(entry, name, label)
