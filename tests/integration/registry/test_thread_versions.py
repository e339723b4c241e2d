"""A thread keeps the versions it started with. A prompt promoted while the thread waits for
approval, after it crashed, or before it is replayed does not reach it (its run records and
what the fake drafter is sent say so); a new thread uses the promoted version."""

from __future__ import annotations

import pytest
from support.fake_graph import REQUEST
from support.registries import FAKE_ROLES_BUT_DRAFTER, SHORT_DRAFT_PROMPT

from postgraph.prompts import PromptRegistry

FAKE_ROLES = {**FAKE_ROLES_BUT_DRAFTER, "drafter_model": "fake:drafter"}
V1_MARK = "Use only facts from the notes."
V2_MARK = "in capitals"


@pytest.fixture
def prompts(registry_paths) -> PromptRegistry:
    registry = PromptRegistry(registry_paths["prompt_registry_path"])
    (registry.folder / "draft" / "2.txt").write_text(SHORT_DRAFT_PROMPT)
    return registry


def test_a_promotion_while_a_thread_waits_for_approval_does_not_reach_it(drill_writer, fakes, prompts,
                                                                          run_store) -> None:
    writer = drill_writer(run_store=run_store, **FAKE_ROLES)
    v1 = prompts.load("draft", "1").identity
    waiting = writer.write(REQUEST, require_approval=True)
    assert waiting.awaiting_approval is not None and waiting.values["pins"].prompts["draft"] == v1

    prompts.promote("draft", "2", "production")
    kits = []
    build_kit = writer.kit
    writer.kit = lambda context, pins=None: kits.append(build_kit(context, pins)) or kits[-1]
    done = writer.resume(waiting.thread_id, decision={"action": "approve"})

    assert [kit.prompt("draft").identity for kit in kits] == [v1]  # the resumed run was set up with v1
    assert done.as_dict()["status"] == "done" and done.as_dict()["versions"]["prompt.draft"] == v1
    assert run_store.require(done.run_id)["versions"]["prompt.draft"] == v1
    assert writer.snapshot(waiting.thread_id).values["pins"].prompts["draft"] == v1

    fresh = writer.write(REQUEST)  # a new thread takes the promoted version
    v2 = prompts.load("draft", "2").identity
    assert fresh.as_dict()["versions"]["prompt.draft"] == v2
    assert run_store.require(fresh.run_id)["versions"]["prompt.draft"] == v2
    assert V2_MARK in fakes["fake:drafter"].prompts[-1]


def test_a_thread_resumed_after_a_crash_drafts_with_the_prompt_it_started_with(drill_writer, fakes,
                                                                               prompts) -> None:
    writer = drill_writer(**FAKE_ROLES)
    drafter = fakes["fake:drafter"]
    drafter.errors.append(RuntimeError("the process died while drafting"))
    with pytest.raises(RuntimeError, match="died while drafting"):
        writer.write(REQUEST, thread_id="crashed")
    assert writer.snapshot("crashed").next == ("draft",)

    prompts.promote("draft", "2", "production")
    resumed = writer.resume("crashed")

    assert V1_MARK in drafter.prompts[-1] and V2_MARK not in drafter.prompts[-1]
    assert drafter.calls[-1]["temperature"] == 0.3  # draft@1's parameter, not draft@2's 1.4
    assert resumed.as_dict()["versions"]["prompt.draft"] == prompts.load("draft", "1").identity


def test_a_replay_after_a_promotion_uses_the_threads_versions(drill_writer, fakes, prompts) -> None:
    writer = drill_writer(**FAKE_ROLES)
    outcome = writer.write(REQUEST)
    before_draft = next(s for s in writer.history(outcome.thread_id) if s.next == ("draft",))

    prompts.promote("draft", "2", "production")
    writer.replay(outcome.thread_id, before_draft.config["configurable"]["checkpoint_id"])

    assert V1_MARK in fakes["fake:drafter"].prompts[-1]
    assert writer.snapshot(outcome.thread_id).values["versions"]["prompt.draft"] == prompts.load("draft", "1").identity
