"""What the gate measures: the production versions, or a candidate that changes some of them.

A candidate is written on the command line as one or more changes against production:

    prompts:draft@3      version 3 of the draft prompt
    models:drafter@2     version 2 of the drafter role's model
    retrieval@2          retrieval strategy 2

or as a label (`staging`, `candidate`) that already names versions in the registries.

For changes, the gate copies the three registries into a workspace under the data dir, points
the `candidate` label of every entry at its production version and then at each changed
version, and runs with label `candidate`: the graph resolves the versions exactly as it would
in production after the promotion, and nothing in the user's registries moves.

`registry_versions` names the exact versions a label resolves to (prompt files by hash, model
weights by sha256, strategies by the hash of their settings). A gate result is stored under the
candidate's, and `promote` looks for a passing result under the versions production would have
after the move (`gate/promotion.py`).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from postgraph.errors import PostgraphError
from postgraph.graph.pins import PROMPTS, check_prompt
from postgraph.prompts import PromptRegistry, examples_sha256
from postgraph.registry.labels import DEFAULT_LABEL, LABELS, RegistryError, check_label, current
from postgraph.registry.models import CHAT_ROLES, ModelRegistry
from postgraph.registry.retrieval import NAME as RETRIEVAL
from postgraph.registry.retrieval import RetrievalRegistry
from postgraph.settings import Settings

Kind = Literal["prompts", "models", "retrieval"]
CANDIDATE_LABEL = "candidate"
CHANGE = re.compile(r"^(?:(?P<kind>prompts|models):(?P<name>[a-z_]+)|(?P<retrieval>retrieval))@(?P<version>[\w.-]+)$")


class BadCandidate(PostgraphError):
    code = "bad_candidate"


@dataclass(frozen=True)
class Change:
    """One registry entry moved to another version."""

    kind: Kind
    name: str
    version: str

    def __str__(self) -> str:
        return f"{RETRIEVAL}@{self.version}" if self.kind == "retrieval" else f"{self.kind}:{self.name}@{self.version}"


@dataclass(frozen=True)
class Candidate:
    """A label, or changes against production (never both)."""

    label: str = DEFAULT_LABEL
    changes: tuple[Change, ...] = ()

    @property
    def is_baseline(self) -> bool:
        return self.label == DEFAULT_LABEL and not self.changes

    def __str__(self) -> str:
        return " + ".join(map(str, self.changes)) if self.changes else self.label


def parse_candidate(specs: Sequence[str]) -> Candidate:
    """`["prompts:draft@3", "retrieval@2"]`, or one label; a clear error for anything else."""
    if len(specs) == 1 and specs[0] in LABELS:
        return Candidate(label=specs[0])
    changes = []
    for spec in specs:
        match = CHANGE.match(spec.strip())
        if match is None:
            raise BadCandidate(f"Cannot read candidate {spec!r}: write prompts:NAME@VERSION, models:ROLE@VERSION, "
                               f"retrieval@VERSION, or one label ({', '.join(LABELS)}).")
        if match["retrieval"]:
            changes.append(Change("retrieval", RETRIEVAL, match["version"]))
        else:
            changes.append(Change(match["kind"], match["name"], match["version"]))
    entries = [(c.kind, c.name) for c in changes]
    if len(set(entries)) != len(entries):
        raise BadCandidate(f"Candidate {' + '.join(specs)} names one entry twice.")
    return Candidate(changes=tuple(changes))


@dataclass(frozen=True)
class Registries:
    prompts: PromptRegistry
    models: ModelRegistry
    retrieval: RetrievalRegistry

    @classmethod
    def of(cls, settings: Settings) -> Registries:
        return cls(PromptRegistry(settings.prompt_registry_path), ModelRegistry(settings.model_registry_path),
                   RetrievalRegistry(settings.retrieval_registry_path))


def check_change(registries: Registries, change: Change) -> None:
    """Refuse a change to a version that does not exist or that the graph cannot run."""
    if change.kind == "prompts":
        check_prompt(registries.prompts.load(change.name, change.version))
    elif change.kind == "models":
        if change.name not in CHAT_ROLES:
            raise BadCandidate(f"The gate measures chat models ({', '.join(CHAT_ROLES)}), not {change.name!r}: "
                               "a new embedding needs an index rebuild first (postgraph index rebuild).")
        registries.models.entry(change.name, change.version)
    else:
        registries.retrieval.strategy(change.version)


def registry_versions(settings: Settings, label: str = DEFAULT_LABEL, changes: Sequence[Change] = ()) -> dict[str, str]:
    """The exact versions runs under `label` use, with `changes` applied on top:
    `prompt.<name>` name@version#sha256[:12], `prompt.examples` sha256[:12],
    `model.<role>` role@version#sha256[:12] of the weights ("-" without local weights), and
    `retrieval` retrieval@version#sha256[:12] of the strategy's settings."""
    registries = Registries.of(settings)
    moved = {(c.kind, c.name): c.version for c in changes}
    models, trained_on = {}, {}
    for role in CHAT_ROLES:
        found = registries.models.resolve(role, label)
        if found is None:
            models[f"model.{role}"] = "default"
            continue
        version = moved.get(("models", role)) or found[0]
        entry = registries.models.entry(role, version)
        models[f"model.{role}"] = f"{role}@{version}#{(entry.sha256 or '-')[:12]}"
        if entry.trained_prompt:  # a fine-tuned model brings the prompt it was trained on (graph/pins.py)
            trained_on[entry.trained_prompt[0]] = entry.trained_prompt[1]
    versions = {}
    for name in PROMPTS:
        version = trained_on.get(name) or moved.get(("prompts", name)) or registries.prompts.version_for(name, label)
        versions[f"prompt.{name}"] = registries.prompts.load(name, version).identity
    versions["prompt.examples"] = examples_sha256()[:12]
    versions.update(models)
    version = moved.get(("retrieval", RETRIEVAL)) or registries.retrieval.resolve(label)[0]
    strategy = registries.retrieval.strategy(version).model_dump(mode="json", exclude={"notes"})
    digest = hashlib.sha256(json.dumps(strategy, sort_keys=True).encode()).hexdigest()
    versions["retrieval"] = f"{RETRIEVAL}@{version}#{digest[:12]}"
    return versions


def candidate_settings(settings: Settings, candidate: Candidate, workspace: Path | None = None) -> Settings:
    """Settings that run `candidate`: its label, or (for changes) label `candidate` over copies
    of the registries in `workspace` where that label names production plus the changes."""
    if candidate.changes and workspace is None:
        raise ValueError("a candidate with changes needs a workspace for its registries")
    if not candidate.changes:
        check_label(candidate.label)
        return settings.model_copy(update={"prompt_label": candidate.label, "model_label": candidate.label,
                                           "retrieval_label": candidate.label})
    registries = Registries.of(settings)
    for change in candidate.changes:
        try:
            check_change(registries, change)
        except RegistryError as error:
            raise BadCandidate(f"Candidate {change}: {error.message}") from error
    if workspace.exists():
        shutil.rmtree(workspace)
    prompts = workspace / "prompts"
    # Prompt versions are files beside their registry; code and caches are not needed.
    shutil.copytree(registries.prompts.folder, prompts, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    copies = {"prompts": prompts / registries.prompts.file.path.name,
              "models": workspace / "models.json", "retrieval": workspace / "retrieval.json"}
    shutil.copyfile(registries.models.file.path, copies["models"])
    shutil.copyfile(registries.retrieval.file.path, copies["retrieval"])
    moved = {(c.kind, c.name): c.version for c in candidate.changes}
    for kind in ("prompts", "models"):
        data = json.loads(copies[kind].read_text(encoding="utf-8"))
        for name, entry in data.items():
            _label_candidate(entry, name, moved.get((kind, name)))
        copies[kind].write_text(json.dumps(data, indent=2), encoding="utf-8")
    data = json.loads(copies["retrieval"].read_text(encoding="utf-8"))
    _label_candidate(data, RETRIEVAL, moved.get(("retrieval", RETRIEVAL)))
    copies["retrieval"].write_text(json.dumps(data, indent=2), encoding="utf-8")
    return settings.model_copy(update={
        "prompt_registry_path": copies["prompts"], "model_registry_path": copies["models"],
        "retrieval_registry_path": copies["retrieval"],
        "prompt_label": CANDIDATE_LABEL, "model_label": CANDIDATE_LABEL, "retrieval_label": CANDIDATE_LABEL,
    })


def _label_candidate(entry: dict, name: str, version: str | None) -> None:
    labels = entry.setdefault("labels", {})
    labels[CANDIDATE_LABEL] = version or current(entry, name, DEFAULT_LABEL)
    entry.setdefault("history", {})[CANDIDATE_LABEL] = [labels[CANDIDATE_LABEL]]
