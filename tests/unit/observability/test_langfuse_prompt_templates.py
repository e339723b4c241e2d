"""Template conversion between the registry's Python `{var}` syntax and Langfuse's `{{var}}`."""

from __future__ import annotations

import pytest

from postgraph.observability.langfuse_prompts import (
    from_langfuse_template,
    to_langfuse_template,
    version_label,
)
from postgraph.prompts import REGISTRY_PATH, PromptRegistry


def test_placeholders_and_literal_braces_convert_both_ways() -> None:
    python = 'Write {words} words for {audience}.\nAnswer as JSON: {{"issues": []}}'
    langfuse = to_langfuse_template(python)
    assert langfuse == 'Write {{words}} words for {{audience}}.\nAnswer as JSON: {"issues": []}'
    assert from_langfuse_template(langfuse) == python
    assert from_langfuse_template("Hi {{ name }}!") == "Hi {name}!"


def test_placeholders_langfuse_cannot_express_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot be expressed"):
        to_langfuse_template("score {value:.2f}")
    with pytest.raises(ValueError):
        to_langfuse_template("item {items[0]}")


def test_every_registered_prompt_survives_the_round_trip() -> None:
    registry = PromptRegistry(REGISTRY_PATH)
    checked = 0
    for name in registry.names():
        for version in registry.versions(name):
            template = registry.load(name, version).template
            assert from_langfuse_template(to_langfuse_template(template)) == template, f"{name}@{version}"
            checked += 1
    assert checked >= 5


def test_version_labels_are_valid_langfuse_labels() -> None:
    assert version_label(3) == "local-v3"
    assert version_label("2024.1 RC") == "local-v2024.1-rc"
