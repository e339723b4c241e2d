"""The compiled writing graph with deterministic fake chat models (langchain-core's
FakeListChatModel): every route, loop cap, budget, abstention, degraded structured output,
interrupt and resume, crash and resume, and time travel."""

from __future__ import annotations

import json

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import FAKE_MODEL_SETTINGS, GOOD, PLAN, fake_adapters
from support.reader import assert_reads_as_a_post

from postgraph.domain import RequestFilters
from postgraph.errors import PostgraphError
from postgraph.graph.state import checkpoint_serde
from postgraph.graph.writer import PostWriter, UnknownThread
from postgraph.settings import Settings

REQUEST = "a post about why our retrieval evals caught a regression, for ML engineers, 50 words"
PLANTED = GOOD.replace("Cheap evals", "The fix also cut our cloud bill by 45% in March. Cheap evals")
NO_ISSUES = json.dumps({"issues": []})
ONE_ISSUE = json.dumps({"issues": [{"problem": "the ending is flat", "instruction": "end with a question"}]})


def test_fake_models_happy_path_finishes_in_one_pass(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    outcome = writer.write(REQUEST)
    result = outcome.as_dict()

    assert result["status"] == "done"
    assert result["post"] == GOOD
    cited = {c["claim"]: c for c in result["citations"]}
    assert any("0.87 to 0.71" in claim for claim in cited)
    assert all(c["chunk_id"].startswith("doc_retrieval-eval-regression:c") for c in cited.values())
    assert all(c["verdict"] == "supported" for c in result["claim_checks"])
    assert set(result["timings"]) == {"plan", "retrieve", "check_request", "draft", "critique", "fact_check", "finalize"}
    assert result["budget"]["model_calls"] == 3 and result["budget"]["exhausted"] is None
    assert result["versions"]["model.drafter"] == "fake:drafter"
    assert result["versions"]["prompt.draft"].startswith("draft@1#")
    assert result["versions"]["retrieval"].startswith("hybrid-rrf+mmr")


def test_fake_models_planted_claim_is_caught_and_removed(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[PLANTED], critic=[NO_ISSUES], reviser=["x"])
    outcome = writer.write(REQUEST)
    result = outcome.as_dict()

    first_checks = [
        s.values["claim_checks"] for s in writer.history(outcome.thread_id)
        if s.values.get("draft") == PLANTED and "claim_checks" in s.values
    ][-1]
    planted = [c for c in first_checks if "45%" in c.claim]
    assert planted and planted[0].verdict != "supported"
    assert "45%" not in result["post"] and result["status"] == "done"
    assert result["timings"]["revise"] > 0
    assert any("removed 1 unsupported" in note for note in result["notes"])


def test_fake_models_loop_stops_at_max_revisions(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[ONE_ISSUE], reviser=[GOOD])
    outcome = writer.write(REQUEST, max_revisions=2)
    result = outcome.as_dict()

    snapshot = writer.snapshot(outcome.thread_id)
    assert snapshot.values["revisions"] == 2
    assert result["status"] == "done" and result["post"] == GOOD


def test_fake_models_budget_exhaustion_returns_best_passing_draft(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[ONE_ISSUE], reviser=[PLANTED])
    outcome = writer.write(REQUEST, max_model_calls=4, max_revisions=5)
    result = outcome.as_dict()

    assert result["status"] == "budget_exhausted"
    assert "model calls" in result["budget"]["exhausted"]
    assert result["budget"]["model_calls"] <= 5
    assert "45%" not in result["post"] and result["post"]
    assert all(c["verdict"] == "supported" for c in result["claim_checks"])


def test_fake_models_budget_spent_before_drafting_composes_a_post_from_one_source(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=["never called"])
    result = writer.write(REQUEST, max_model_calls=1).as_dict()
    post = result["post"]
    assert result["status"] == "quoted" and result["budget"]["exhausted"]
    assert any("quoted from the sources" in note for note in result["notes"]), result["notes"]
    assert post and "never called" not in post
    assert_reads_as_a_post(post, target_words=50)
    assert result["claim_checks"] and all(c["verdict"] == "supported" for c in result["claim_checks"])
    assert len({c["source"] for c in result["citations"]}) == 1, result["citations"]



def test_fake_models_unsupported_request_is_named_not_invented(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    request = REQUEST + ", mention the 73% cost cut at Brightline Shipping"
    result = writer.write(request).as_dict()
    assert result["unsupported_requests"] == ["the 73% cost cut at Brightline Shipping"]
    assert "73%" not in result["post"]


def test_fake_models_a_request_resting_on_an_unsupported_premise_abstains_before_drafting(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=["We raised 48 million dollars from Sequoia."])
    result = writer.write("Write a post announcing that our company raised 48 million dollars from Sequoia "
                          "last Tuesday.").as_dict()
    assert result["status"] == "abstained" and result["post"] == ""
    assert result["unsupported_requests"] == ["our company raised 48 million dollars from Sequoia last Tuesday"]
    assert "Sequoia" in result["message"] and "closest sources are about" in result["message"]
    assert "draft" not in result["timings"] and result["budget"]["model_calls"] == 1  # the planner only


def test_fake_models_a_contradicted_premise_is_corrected_from_the_source(make_writer) -> None:
    wrong_plan = json.dumps({"angle": "Recall@10 fell to 0.42 after the chunking change", "key_points": []})
    writer = make_writer(planner=[wrong_plan], drafter=[GOOD], critic=[NO_ISSUES])
    outcome = writer.write("a post about how recall@10 fell to 0.42 after the chunking change, 50 words")
    result = outcome.as_dict()
    [corrected] = result["corrected_requests"]
    assert corrected["premise"] == "recall@10 fell to 0.42 after the chunking change"
    assert "0.71" in corrected["correction"] and corrected["source"].endswith("retrieval-eval-regression.md")
    assert result["status"] == "done" and "0.42" not in result["post"] and "0.71" in result["post"]
    plan = writer.snapshot(outcome.thread_id).values["plan"]
    assert "0.42" not in plan.angle and any("0.71" in point for point in plan.key_points)  # the drafter never saw 0.42


def test_fake_models_no_evidence_abstains(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=["never called"])
    result = writer.write(REQUEST, filters=RequestFilters(authors=["Nobody Atall"])).as_dict()
    assert result["status"] == "no_evidence" and result["post"] == ""
    assert result["unsupported_requests"] == [REQUEST]
    assert "draft" not in result["timings"]


def test_fake_models_degraded_plan_output_is_logged_and_the_run_goes_on(make_writer, caplog) -> None:
    writer = make_writer(planner=["not json", "{still not json"], drafter=[GOOD], critic=[NO_ISSUES])
    result = writer.write(REQUEST).as_dict()
    assert result["status"] == "done"
    assert any("plan: model output did not validate" in note for note in result["notes"])
    assert any("degraded path" in record.message for record in caplog.records)
    assert result["budget"]["model_calls"] == 4  # two planner attempts, draft, critique


def test_fake_models_approval_interrupt_and_resume(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    waiting = writer.write(REQUEST, require_approval=True)
    assert waiting.as_dict()["status"] == "awaiting_approval"
    assert waiting.awaiting_approval["post"] == GOOD
    with pytest.raises(PostgraphError, match="waits for approval"):
        writer.resume(waiting.thread_id)

    edited = GOOD.replace("Cheap evals", "The gate fails the build if recall@10 drops by more than 3 points. Cheap evals")
    done = writer.resume(waiting.thread_id, decision={"action": "edit", "post": edited}).as_dict()
    assert done["post"] == edited and done["status"] == "done"
    assert any("more than 3 points" in c["claim"] for c in done["citations"])

    rejected = writer.write(REQUEST, require_approval=True)
    result = writer.resume(rejected.thread_id, decision={"action": "reject"}).as_dict()
    assert result["status"] == "rejected"


def test_fake_models_crash_then_resume_from_last_checkpoint(make_writer, monkeypatch) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    planner = writer.adapters.chat_model("fake:planner")
    drafter = writer.adapters.chat_model("fake:drafter")
    original = type(drafter).invoke
    calls = {"planner": 0, "drafter": 0}

    def counted(self, *args, **kwargs):
        if self is planner:
            calls["planner"] += 1
        if self is drafter:
            calls["drafter"] += 1
            if calls["drafter"] == 1:
                raise RuntimeError("model process died")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(type(drafter), "invoke", counted)
    thread = "crash-thread"
    with pytest.raises(RuntimeError, match="model process died"):
        writer.write(REQUEST, thread_id=thread)
    assert writer.snapshot(thread).next == ("draft",)

    result = writer.resume(thread).as_dict()
    assert result["status"] == "done" and result["post"] == GOOD
    assert calls == {"planner": 1, "drafter": 2}, "the plan step is not redone"


def test_fake_models_time_travel_replays_from_an_earlier_checkpoint(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[PLANTED, GOOD], critic=[NO_ISSUES], reviser=[GOOD])
    first = writer.write(REQUEST, max_revisions=0)
    before_draft = next(s for s in writer.history(first.thread_id) if s.next == ("draft",))

    replayed = writer.replay(first.thread_id, before_draft.config["configurable"]["checkpoint_id"]).as_dict()

    assert replayed["post"] == GOOD
    assert len(writer.history(first.thread_id)) > 10, "the earlier run stays in the history"


def test_fake_models_bad_requests_and_unknown_threads(make_writer) -> None:
    writer = make_writer()
    with pytest.raises(PostgraphError, match="empty"):
        writer.write("   ")
    with pytest.raises(PostgraphError, match="limit is 4000"):
        writer.write("x" * 4001)
    with pytest.raises(UnknownThread):
        writer.snapshot("no-such-thread")
    with pytest.raises(UnknownThread):
        writer.resume("no-such-thread")
    with pytest.raises(UnknownThread):
        writer.history("no-such-thread")


def test_fake_models_a_run_without_a_kit_pins_its_versions_at_the_first_node(make_writer, monkeypatch) -> None:
    """The LangGraph server and Studio run the exported graph with no writer: the kit is built
    lazily over the process-wide adapters, the first node writes the pins into the thread's
    state, and the later nodes build from those pins."""
    from langgraph.checkpoint.memory import InMemorySaver

    from postgraph.graph import kit as run_kit_module
    from postgraph.graph.builder import build_graph
    from postgraph.graph.state import checkpoint_serde

    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    built = []
    real_build = run_kit_module.build_run_kit
    monkeypatch.setattr(run_kit_module, "shared_adapters", lambda: writer.adapters)
    monkeypatch.setattr(run_kit_module, "build_run_kit",
                        lambda context, adapters, pins=None: built.append(pins) or real_build(context, adapters, pins))
    graph = build_graph(InMemorySaver(serde=checkpoint_serde()))
    config = {"configurable": {"thread_id": "studio-thread"}}
    result = graph.invoke({"request": REQUEST}, config, context=writer.context())

    state = graph.get_state(config).values
    assert result["status"] == "done" and result["post"] == GOOD
    assert state["pins"].prompts["draft"].startswith("draft@1#")
    assert state["pins"].models["drafter"].model_id == "fake:drafter"
    assert built[0] is None and built[1:] and all(pins == state["pins"] for pins in built[1:])
    assert result["versions"]["prompt.draft"] == state["pins"].prompts["draft"]


EDIT_WITH_INVENTION = GOOD.replace("Cheap evals", "The fix also cut our cloud bill by 45% in March. Cheap evals")


def test_fake_models_an_edit_with_unsupported_claims_loses_them_by_default(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    waiting = writer.write(REQUEST, require_approval=True)
    done = writer.resume(waiting.thread_id, decision={"action": "edit", "post": EDIT_WITH_INVENTION}).as_dict()
    assert done["status"] == "done" and "45%" not in done["post"] and "0.87 to 0.71" in done["post"]
    assert all(c["verdict"] == "supported" for c in done["claim_checks"]) and done["claim_checks"]
    assert any("removed 1 unsupported claim(s) from the edit" in note for note in done["notes"])
    assert not done.get("unverified_claims")


def test_fake_models_an_edit_can_be_refused_or_accepted_as_unverified(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    waiting = writer.write(REQUEST, require_approval=True)
    refused = writer.resume(waiting.thread_id, decision={"action": "edit", "post": EDIT_WITH_INVENTION,
                                                         "unsupported": "refuse"})
    assert refused.as_dict()["status"] == "awaiting_approval", "a refused edit leaves the thread waiting"
    assert [c["claim"] for c in refused.awaiting_approval["refused"]["unsupported"]] == [
        "The fix also cut our cloud bill by 45% in March."]
    confused = writer.resume(waiting.thread_id, decision={"action": "publish"})
    assert "Unknown approval action 'publish'" in confused.awaiting_approval["problem"]
    accepted = writer.resume(waiting.thread_id, decision={"action": "edit", "post": EDIT_WITH_INVENTION,
                                                          "unsupported": "accept"}).as_dict()
    assert accepted["post"] == EDIT_WITH_INVENTION
    assert accepted["unverified_claims"] == ["The fix also cut our cloud bill by 45% in March."]
    assert any("recorded as unverified" in note for note in accepted["notes"])


SIMILAR_ONLY = "Nobody checked retrieval quality by hand."
EDIT_WITH_PARAPHRASE = GOOD.replace("Cheap evals", f"{SIMILAR_ONLY} Cheap evals")


@pytest.mark.parametrize(("answer", "verdict"), [('{"entailed": false}', "unsupported"), ("not json", "unchecked")])
def test_fake_models_an_edit_is_judged_and_a_no_or_an_invalid_answer_removes_the_claim(
        sample_index, embeddings, tmp_path, answer, verdict) -> None:
    settings = Settings(data_dir=tmp_path, judge_model="fake:judge", **FAKE_MODEL_SETTINGS)
    adapters = fake_adapters(settings, sample_index, embeddings, planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES],
                             judge=[answer] * 4)
    writer = PostWriter(settings, InMemorySaver(serde=checkpoint_serde()), adapters)
    waiting = writer.write(REQUEST, require_approval=True)
    refused = writer.resume(waiting.thread_id, decision={"action": "edit", "post": EDIT_WITH_PARAPHRASE,
                                                         "unsupported": "refuse"})
    assert [(c["claim"], c["verdict"]) for c in refused.awaiting_approval["refused"]["unsupported"]] == [
        (SIMILAR_ONLY, verdict)]
    done = writer.resume(waiting.thread_id, decision={"action": "edit", "post": EDIT_WITH_PARAPHRASE}).as_dict()
    assert done["status"] == "done" and SIMILAR_ONLY not in done["post"] and "0.87 to 0.71" in done["post"]


def test_fake_models_without_a_judge_a_paraphrase_stays_supported_by_similarity(make_writer) -> None:
    writer = make_writer(planner=[PLAN], drafter=[GOOD], critic=[NO_ISSUES])
    waiting = writer.write(REQUEST, require_approval=True)
    done = writer.resume(waiting.thread_id, decision={"action": "edit", "post": EDIT_WITH_PARAPHRASE}).as_dict()
    assert SIMILAR_ONLY in done["post"]
    assert [c["decided_by"] for c in done["claim_checks"] if c["claim"] == SIMILAR_ONLY] == ["similarity"]


def test_fake_models_evidence_comes_from_one_source_unless_a_comparison_is_asked(make_writer) -> None:
    writer = make_writer(planner=[PLAN, PLAN], drafter=[GOOD, GOOD], critic=[NO_ISSUES, NO_ISSUES])
    focused = writer.write(REQUEST)
    values = writer.snapshot(focused.thread_id).values
    assert {e.source for e in values["evidence"]} == {values["focus"]} and len(values["evidence"]) >= 3
    assert values["focus"].endswith("retrieval-eval-regression.md")

    compared = writer.write("compare how the retrieval regression and the prompt rollback were caught, 80 words")
    values = writer.snapshot(compared.thread_id).values
    sources = [e.source for e in values["evidence"]]
    assert values["focus"] == "" and len(set(sources)) >= 2
    assert sources == sorted(sources, key=sources.index)  # each source's notes together
