"""The drafter's dataset: every committed example is one a good writer would publish from its
notes, the checks catch what would teach the model to invent or copy, the split keeps each
document on one side, and the version follows the content."""

from __future__ import annotations

import json

import pytest

from postgraph.domain import Evidence, Plan
from postgraph.nodes.draft import draft_prompt
from postgraph.prompts import REGISTRY_PATH, PromptRegistry
from postgraph.quality.cases import load_cases
from training.drafter.dataset import (
    AUTHORS,
    DRAFT_PROMPT_VERSION,
    KINDS,
    VALIDATION_DOCUMENTS,
    build,
    deduplicated,
    load_examples,
    problems_of,
    render,
)

NOTES = ("[1] Every night a job replays 1,240 golden queries against a staging index.\n"
         "[2] Recall@10 fell from 0.87 to 0.71 after the chunk size doubled.\n"
         "[3] The gate fails the build when recall drops by more than 3 points.")
OTHER_NOTES = "\n[4] In June the cluster cost $212,400."
POST = ("A red build caught what code review missed.\n\n"
        "Our nightly job replays 1,240 golden queries against a fresh staging index. When the chunk size "
        "doubled, recall@10 slid from 0.87 to 0.71.\n\n"
        "The gate refuses any drop of more than 3 points, so the change never shipped.\n\n"
        "#Retrieval #MLOps")


def example(**changes) -> dict:
    row = {"id": "retrieval-eval-regression-99", "author": "Marisol Quenby", "document": "retrieval-eval-regression.md",
           "request": "why our nightly eval caught the regression", "angle": "a nightly eval catches what review misses",
           "audience": "ML engineers", "words": 55, "kind": "single", "notes": NOTES, "focus_notes": 3, "post": POST}
    return {**row, **changes}


def messages(row: dict) -> list[str]:
    return [p.message for p in problems_of(row)]


def test_a_good_example_has_no_problem() -> None:
    assert messages(example()) == []


@pytest.mark.parametrize(("post", "expected"), [
    (POST.replace("1,240", "1,400"), "number '1,400"),
    (POST.replace("Our nightly job", "At Larkspur Freight our nightly job"), "name 'Larkspur Freight' is not in the notes"),
    (POST.replace("#Retrieval #MLOps", ""), "format: too_few_hashtags"),
    (POST.replace("so the change never shipped.", "so the change never shipped. The gate refuses any drop of more "
                  "than 3 points, so the change never shipped."), "said twice"),
    (POST.replace("Our nightly job replays 1,240 golden queries against a fresh staging index.",
                  "Every night a job replays 1,240 golden queries against a staging index."), "copied from the notes"),
])
def test_what_would_teach_the_model_to_invent_copy_or_ramble_is_flagged(post, expected) -> None:
    assert any(expected in m for m in messages(example(post=post))), messages(example(post=post))


def test_a_note_marker_is_no_number_the_post_may_use() -> None:
    post = POST.replace("slid from 0.87 to 0.71", "slid from 0.87 to 0.71 across 2 runs")
    assert any("number '2 runs'" in m for m in messages(example(post=post)))


def test_two_sources_may_use_only_the_notes_of_the_requests_document() -> None:
    row = example(kind="two_sources", other_document="gpu-cost-accounting.html", notes=NOTES + OTHER_NOTES)
    assert messages(row) == []
    leaked = POST.replace("so the change never shipped.", "so the change never shipped, unlike a $212,400 month.")
    assert any("number '$212,400" in m for m in messages({**row, "post": leaked}))


def test_length_and_fields_are_checked() -> None:
    assert any(m.startswith("length") for m in messages(example(words=150)))
    assert messages(example(post="")) == ["missing post"]
    assert any("author" in m for m in messages(example(author="Someone Else")))


def test_repeats_are_dropped_by_id_post_or_request_on_the_same_notes() -> None:
    first = example()
    rows = [first, example(id="other-1"), example(id="other-2", post=POST.replace("red build", "failing build"))]
    kept, dropped = deduplicated(rows)
    assert [r["id"] for r in kept] == ["retrieval-eval-regression-99"] and dropped == ["other-1", "other-2"]


def test_the_committed_examples_are_all_valid_and_cover_every_author_and_kind() -> None:
    rows = load_examples()
    assert len(rows) >= 250
    assert [str(p) for row in rows for p in problems_of(row)] == []
    assert {row["author"] for row in rows} == set(AUTHORS) and {row["kind"] for row in rows} == set(KINDS)
    assert len({row["id"] for row in rows}) == len(rows)


def test_the_split_is_by_document_and_the_gates_test_documents_are_never_trained_on(tmp_path) -> None:
    manifest = build(tmp_path / "dataset")
    documents = manifest["documents"]
    assert not set(documents["train"]) & set(documents["validation"]) | set(documents["train"]) & set(documents["test"])
    gate_test = {case.main_document for case in load_cases("test") if case.main_document}
    assert set(documents["test"]) <= gate_test and not gate_test & set(documents["train"])
    assert set(documents["validation"]) == set(VALIDATION_DOCUMENTS)
    assert sum(manifest["counts"].values()) == manifest["examples_read"] >= 250
    assert manifest["rejected"] == [] and manifest["duplicates"] == []
    lines = (tmp_path / "dataset" / "train.jsonl").read_text().splitlines()
    assert len(lines) == manifest["counts"]["train"] and all(json.loads(line)["completion"] for line in lines)


def test_the_version_is_the_content_hash(tmp_path) -> None:
    first, again = build(tmp_path / "a"), build(tmp_path / "b")
    assert first["sha256"] == again["sha256"] and first["dataset_version"] == first["sha256"][:16]
    rows = load_examples()
    rows[0]["post"] = rows[0]["post"].replace("\n\n", "\n\n\n", 1)
    changed = tmp_path / "changed.jsonl"
    changed.write_text("".join(json.dumps(r) + "\n" for r in rows))
    assert build(tmp_path / "c", [changed])["sha256"] != first["sha256"]


def test_an_example_is_rendered_in_the_prompt_the_draft_node_sends() -> None:
    row = example()
    prompt = PromptRegistry(REGISTRY_PATH).load("draft", DRAFT_PROMPT_VERSION)
    rendered = render(row, prompt)
    plan = Plan(angle=row["angle"], audience=row["audience"], queries=[row["request"]], target_words=row["words"])
    chunk = Evidence(chunk_id="d1:0", document_id="d1", title="Nightly eval", source="retrieval-eval-regression.md",
                     author="Marisol Quenby", text=" ".join(line.split("] ", 1)[1] for line in NOTES.splitlines()))
    assert rendered["prompt"] == draft_prompt(prompt, plan, [chunk], None, chunk.source)
    assert rendered["completion"] == POST and "Marisol Quenby" in rendered["prompt"]
    assert "{" not in rendered["prompt"] and "Use only facts from the notes." in rendered["prompt"]
