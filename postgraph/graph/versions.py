"""The versions a run used, recorded in every result:

    prompt.<name>             name@version#sha256[:12] of each prompt file
    prompt.examples           sha256[:12] of the few-shot example posts
    prompt.overrides          free-text call parameters the run set over the prompt's, or "none"
    model.<role>              the model id (provider:name), "none" for no judge
    model.<role>.registry     drafter@2 (registry), setting, settings default, or default
    model.<role>.sha256       sha256 of its local weights, "-" when it has none on disk
    embedding                 the embedding model's version (the index was built with it)
    model.embedding.registry  embedding@1 when the registry knows it, else unregistered
    retrieval                 the effective search (mode, k, candidates, MMR, floor, filters)
    retrieval.strategy        retrieval@2, plus the fields the run overrode
    retrieval.collection      the collection the index alias named
    labels                    the labels the run resolved
"""

from __future__ import annotations

from postgraph.graph.context import Context
from postgraph.graph.pinning import FREE_TEXT_PROMPTS, PARAMETER_FIELDS, pin
from postgraph.graph.resources import Resources
from postgraph.prompts import examples_sha256
from postgraph.registry.models import weights_sha256


def run_versions(context: Context, resources: Resources) -> dict[str, str]:
    pinned = pin(context, resources)
    versions = {f"prompt.{name}": prompt.identity for name, prompt in pinned.prompts.items()}
    versions["prompt.examples"] = examples_sha256()[:12]
    versions["prompt.overrides"] = _prompt_overrides(context, pinned.prompts) or "none"
    for role, choice in pinned.models.items():
        model_id = resources.model_id(choice.model_id) if choice.model_id else ""
        versions[f"model.{role}"] = model_id or "none"
        versions[f"model.{role}.registry"] = choice.source
        versions[f"model.{role}.sha256"] = (weights_sha256(model_id, resources.settings) if model_id else None) or "-"
    versions["embedding"] = resources.embedding_version
    versions["model.embedding.registry"] = pinned.embedding_source
    versions["retrieval"] = pinned.retrieval.describe()
    versions["retrieval.strategy"] = pinned.retrieval.source
    versions["retrieval.collection"] = resources.index.active_collection() or "none"
    versions["labels"] = " ".join(f"{kind}={label}" for kind, label in pinned.labels.items())
    return versions


def _prompt_overrides(context: Context, prompts) -> str:
    found = []
    for name in FREE_TEXT_PROMPTS:
        for parameter, field in PARAMETER_FIELDS.items():
            explicit = getattr(context, field)
            if explicit is not None and explicit != prompts[name].parameters.get(parameter):
                found.append(f"{name}.{parameter}={explicit}")
    return ", ".join(found)
