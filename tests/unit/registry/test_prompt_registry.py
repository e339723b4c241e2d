"""The prompt registry: files per version, identity with the content hash, labels, diff."""

from __future__ import annotations

import re

import pytest

from postgraph.graph.pins import check_prompt
from postgraph.prompts import PromptRegistry, load_prompt
from postgraph.prompts.registry import parse_prompt
from postgraph.registry.labels import RegistryError
from postgraph.settings import Settings

IDENTITY = re.compile(r"^[a-z_]+@\d+#[0-9a-f]{12}$")


@pytest.fixture
def registry(registry_paths) -> PromptRegistry:
    return PromptRegistry(registry_paths["prompt_registry_path"])


def test_the_repository_registry_is_valid_and_every_prompt_fits_its_step() -> None:
    registry = PromptRegistry(Settings().prompt_registry_path)
    registry.check()
    assert registry.names() == ["critique", "draft", "entailment", "plan", "revise"]
    for name in registry.names():
        check_prompt(registry.get(name))


def test_identity_is_name_version_and_twelve_hex_digits_of_the_file_hash(registry) -> None:
    prompt = registry.get("draft")
    assert IDENTITY.match(prompt.identity) and prompt.identity.startswith("draft@1#")
    assert prompt.identity.endswith(prompt.sha256[:12])
    assert prompt.variables == {"examples", "notes", "audience", "angle", "words"}
    assert prompt.parameters == {"max_tokens": 320, "temperature": 0.3}
    assert load_prompt("draft").identity == prompt.identity  # the copy is byte for byte the same


def test_the_hash_changes_when_the_file_changes_even_without_a_new_version(registry) -> None:
    before = registry.get("plan").identity
    path = registry.folder / "plan" / "1.txt"
    path.write_text(path.read_text().replace("one sentence", "one short sentence"))
    after = registry.get("plan").identity
    assert before != after and after.startswith("plan@1#")


def test_labels_choose_the_version_and_missing_labels_fall_back_to_production(registry, prompt_file) -> None:
    prompt_file(registry.folder, "draft", "2", "{notes}\nPost:")
    assert registry.get("draft", "staging").version == "1"
    registry.promote("draft", "2", "staging")
    assert registry.get("draft", "staging").version == "2"
    assert registry.get("draft", "production").version == "1"


def test_promote_and_rollback_move_the_label_and_keep_history(registry, prompt_file) -> None:
    prompt_file(registry.folder, "draft", "2", "{notes}\nPost:")
    move = registry.promote("draft", "2", "production")
    assert (move.name, move.label, move.previous, move.current) == ("draft", "production", "1", "2")
    assert registry.get("draft").version == "2"
    back = registry.rollback("draft")
    assert (back.previous, back.current) == ("2", "1")
    assert registry.get("draft").version == "1"
    assert registry.list()[1]["history"]["production"] == ["1"]


def test_promoting_an_unknown_version_is_a_clear_error(registry) -> None:
    with pytest.raises(RegistryError, match=r"Prompt draft has no version '5'; versions: 1, 2\."):
        registry.load("draft", "5")
    with pytest.raises(RegistryError, match=r"draft has no version '5'"):
        registry.promote("draft", "5", "production")
    with pytest.raises(RegistryError, match="No prompt named 'drafts'"):
        registry.promote("drafts", "1", "production")


def test_rollback_without_history_is_a_clear_error(registry) -> None:
    with pytest.raises(RegistryError, match="draft has no earlier production version to roll back to"):
        registry.rollback("draft")


def test_diff_is_a_unified_diff_between_identities(registry, prompt_file) -> None:
    prompt_file(registry.folder, "plan", "2", "Plan a post.\n\nRequest: {request}\n", changelog="shorter")
    text = registry.diff("plan", "1", "2")
    one, two = registry.load("plan", "1").identity, registry.load("plan", "2").identity
    assert text.startswith(f"--- {one}\n+++ {two}\n@@")
    assert "-version: 1\n" in text and "+version: 2\n" in text and "+Plan a post.\n" in text
    assert registry.diff("plan", "1", "1") == ""


def test_diff_marks_a_last_line_without_newline(registry, prompt_file) -> None:
    prompt_file(registry.folder, "plan", "2", "Request: {request}")
    prompt_file(registry.folder, "plan", "3", "Request: {request}!")
    text = registry.diff("plan", "2", "3")
    assert "-Request: {request}\n\\ No newline at end of file\n+Request: {request}!\n" in text


@pytest.mark.parametrize(
    ("header", "template", "message"),
    [
        ("version: 2\nchangelog: x\nvariables: notes\n", "{notes} {audience}", "differ from the template's placeholders"),
        ("version: 3\nchangelog: x\nvariables: notes\n", "{notes}", "the header says version '3', the file name '2'"),
        ("version: 2\nchangelog: x\n", "{notes}", "no 'variables:' line"),
        ("version: 2\nvariables: notes\nauthor: me\n", "{notes}", "is not one of"),
        ("version: 2\nvariables: notes\nparameters: {\"top_p\": 0.9}\n", "{notes}", "unknown parameter 'top_p'"),
        ("version: 2\nvariables: notes\nparameters: {\"max_tokens\": 1.5}\n", "{notes}", "max_tokens must be a int"),
        ("version: 2\nvariables: notes\nparameters: [1]\n", "{notes}", "is not a JSON object"),
        ("version: 2\nvariables: notes\n", "{notes", "not a valid format string"),
    ],
)
def test_invalid_prompt_files_are_refused_with_the_reason(tmp_path, header, template, message) -> None:
    path = tmp_path / "draft" / "2.txt"
    path.parent.mkdir()
    path.write_text(f"{header}---\n{template}")
    with pytest.raises(RegistryError, match=re.escape(message)):
        parse_prompt("draft", path)


def test_a_broken_version_cannot_be_promoted(registry) -> None:
    (registry.folder / "draft" / "2.txt").write_text("version: 2\nvariables: notes\n---\n{notes} {angle}")
    with pytest.raises(RegistryError, match="differ from the template's placeholders"):
        registry.promote("draft", "2", "production")
    assert registry.get("draft").version == "1"


def test_a_version_the_graph_cannot_use_is_refused(registry, prompt_file) -> None:
    prompt_file(registry.folder, "plan", "2", "{request} {tone}")
    with pytest.raises(RegistryError, match=r"uses \['tone'\], which the plan step does not supply"):
        check_prompt(registry.load("plan", "2"))
    prompt_file(registry.folder, "critique", "2", "{post}", parameters='{"temperature": 0.9}')
    with pytest.raises(RegistryError, match="structured answer"):
        check_prompt(registry.load("critique", "2"))
    prompt_file(registry.folder, "draft", "2", "{notes}", parameters='{"temperature": 0.9}')
    check_prompt(registry.load("draft", "2"))  # fewer variables and parameters are fine on a free-text prompt


def test_format_names_missing_variables(registry) -> None:
    with pytest.raises(KeyError, match="needs"):
        registry.get("plan").format()
    assert "Request: hello" in registry.get("plan").format(request="hello")


def test_iter_prompts_yields_every_version_with_its_labels(registry, prompt_file) -> None:
    prompt_file(registry.folder, "draft", "2", "{notes}\nPost:")
    registry.promote("draft", "2", "candidate")
    rows = {(name, version): (labels, config) for name, version, labels, _, config in registry.iter_prompts()}
    assert rows[("draft", "1")][0] == ["production"] and rows[("draft", "2")][0] == ["candidate"]
    assert rows[("draft", "1")][1]["parameters"] == {"max_tokens": 320, "temperature": 0.3}
