"""The gate blocks seeded regressions and passes a benign change: golden cases run through the
real compiled graph with deterministic fake chat models (named so), scored by the real metrics,
and decided against a baseline of the same cases."""

from __future__ import annotations

import datetime as dt

import pytest
from langgraph.checkpoint.memory import InMemorySaver
from support.fake_graph import CORPUS, FAKE_MODEL_SETTINGS, NO_ISSUES, PLAN, fake_adapters

from postgraph.domain import RequestFilters
from postgraph.gate.candidates import candidate_settings, parse_candidate
from postgraph.gate.evaluate import by_metric
from postgraph.gate.run import run_case
from postgraph.graph.state import checkpoint_serde
from postgraph.graph.writer import PostWriter
from postgraph.prompts import PromptRegistry, style_examples
from postgraph.quality.cases import GoldenCase, load_cases
from postgraph.quality.gate import Thresholds, decide
from postgraph.registry.retrieval import RetrievalRegistry, Strategy
from postgraph.settings import PROJECT_ROOT, Settings
from postgraph.text import word_count

CASES = [case for case in load_cases() if case.id in ("retrieval-regression-readme", "retrieval-named",
                                                      "retrieval-golden-size")]
THRESHOLDS = Thresholds.load(PROJECT_ROOT / "evals" / "golden" / "thresholds.json")
OWN_WORDS = ("A bigger chunk size looked harmless in review.\n\n"
             "Our nightly eval disagreed: recall@10 went from 0.87 to 0.71 overnight, and the gate stopped the "
             "release train before anyone shipped it.\n\n"
             "We reverted the change within 6 hours. Now every pull request that touches the splitter attaches an "
             "eval diff, and recall is reported per query slice, so one bad slice cannot hide in a good average.\n\n"
             "Measure retrieval every night. It costs minutes and saves weeks.\n\n#MLOps #Retrieval")
REWORDED = OWN_WORDS.replace("Measure retrieval every night.", "Measure retrieval nightly.")
INVENTS = OWN_WORDS.replace("It costs minutes and saves weeks.", "It cut our cloud bill by 45% in March.")
COLLAGE = ("On the morning of 29 January the job went red. Recall@10 fell from 0.87 to 0.71, and mean reciprocal rank "
           "dropped from 0.64 to 0.52. The gate fails the build if recall@10 drops by more than 3 points, so the "
           "16-point fall blocked the release train before it reached production. The chunking change was reverted "
           "within 6 hours of the failed run. Retrieval changes fail quietly.\n\n#MLOps")


def run(drafter_post: str, sample_index, embeddings, tmp_path, posts: list[str] | None = None,
        settings: Settings | None = None, examples: tuple[str, ...] | None = None) -> dict:
    settings = settings or Settings(data_dir=tmp_path, judge_model="", max_revisions=0, **FAKE_MODEL_SETTINGS)
    results = []
    for case in CASES:
        adapters = fake_adapters(settings, sample_index, embeddings, planner=[PLAN], drafter=[drafter_post] * 3,
                                 critic=[NO_ISSUES] * 3, reviser=[drafter_post] * 3)
        writer = PostWriter(settings, InMemorySaver(serde=checkpoint_serde()), adapters)
        results.append(run_case(writer, case, settings, embeddings.embed_documents, examples or style_examples()))
    if posts is not None:
        posts.extend(result.post for result in results)
    return by_metric(results)


def test_fake_models_gate_passes_a_benign_change_and_blocks_a_collage(sample_index, embeddings, tmp_path):
    assert len(CASES) == 3 and all(isinstance(case, GoldenCase) for case in CASES)
    baseline = run(OWN_WORDS, sample_index, embeddings, tmp_path)
    assert all(score.passed for score in baseline["grounding"]), [s.details for s in baseline["grounding"]]

    benign = decide(run(REWORDED, sample_index, embeddings, tmp_path), THRESHOLDS, baseline)
    assert benign.passed, benign.problems

    collage = decide(run(COLLAGE, sample_index, embeddings, tmp_path), THRESHOLDS, baseline)
    print("\nseeded collage:", collage.problems)
    assert not collage.passed and any(p.startswith("originality: worse than the baseline") for p in collage.problems), \
        collage.problems


def test_fake_models_an_inventing_drafter_never_reaches_the_reader(sample_index, embeddings, tmp_path):
    """The graph's fact-check removes the invented number before the post is returned, so the
    gate's grounding sees only supported claims (a grounding failure that does reach a post is
    blocked by the thresholds: tests/unit/quality/test_gate.py)."""
    posts: list[str] = []
    invents = run(INVENTS, sample_index, embeddings, tmp_path, posts)
    assert posts and all(post and "45%" not in post for post in posts)
    assert all(score.passed for score in invents["grounding"])


@pytest.fixture
def base_settings(tmp_path, registry_paths) -> Settings:
    return Settings(data_dir=tmp_path, judge_model="", max_revisions=0, **FAKE_MODEL_SETTINGS, **registry_paths)


def test_fake_models_a_retrieval_strategy_that_finds_nothing_is_blocked(sample_index, embeddings, tmp_path,
                                                                         base_settings):
    """retrieval@2 keeps only documents published after 2099: every case loses its evidence."""
    registry = RetrievalRegistry(base_settings.retrieval_registry_path)
    production = registry.strategy("1").model_dump()
    registry.register(Strategy(**{**production, "filters": RequestFilters(published_from=dt.date(2099, 1, 1)),
                                  "notes": "seeded regression: finds nothing"}))
    baseline = run(OWN_WORDS, sample_index, embeddings, tmp_path, settings=base_settings)
    candidate = candidate_settings(base_settings, parse_candidate(["retrieval@2"]), tmp_path / "workspace")
    posts: list[str] = []
    decision = decide(run(OWN_WORDS, sample_index, embeddings, tmp_path, posts, candidate), THRESHOLDS, baseline)
    print("\nseeded empty retrieval:", decision.problems)
    assert not decision.passed, posts
    assert any(p.startswith(("coverage: worse", "relevance: worse")) for p in decision.problems), decision.problems
    assert all("0.87" not in post for post in posts)  # nothing retrieved, nothing stated


def test_fake_models_a_whitespace_edit_of_the_draft_prompt_passes(sample_index, embeddings, tmp_path, base_settings,
                                                                  prompt_file):
    prompts = PromptRegistry(base_settings.prompt_registry_path)
    prompt_file(prompts.folder, "draft", "2", prompts.load("draft", "1").template.replace("\n", "\n\n", 1) + "  \n")
    baseline = run(OWN_WORDS, sample_index, embeddings, tmp_path, settings=base_settings)
    candidate = candidate_settings(base_settings, parse_candidate(["prompts:draft@2"]), tmp_path / "workspace")
    decision = decide(run(OWN_WORDS, sample_index, embeddings, tmp_path, settings=candidate), THRESHOLDS, baseline)
    assert decision.passed, decision.problems


def test_fake_models_reordered_example_posts_pass(sample_index, embeddings, tmp_path):
    baseline = run(OWN_WORDS, sample_index, embeddings, tmp_path)
    reordered = tuple(reversed(style_examples()))
    assert reordered != style_examples()
    decision = decide(run(OWN_WORDS, sample_index, embeddings, tmp_path, examples=reordered), THRESHOLDS, baseline)
    assert decision.passed and all(v.delta.mean == 0 for v in decision.metrics.values()), decision.problems


def test_fake_models_a_drafter_rambling_to_three_times_the_length_is_blocked(sample_index, embeddings, tmp_path):
    """What a prompt that drops the length limit makes a drafter write: its post, then every
    note it was given, one after the other (a verbatim repeat would be dropped by the post's
    finishing pass, so nothing here is said twice)."""
    source = (CORPUS / "retrieval-eval-regression.md").read_text(encoding="utf-8").split("---", 2)[2]
    notes = [line for line in source.splitlines() if line.strip() and not line.startswith(("#", "|"))]
    rambling = OWN_WORDS.rsplit("\n\n", 1)[0] + "\n\n" + "\n\n".join(notes)
    assert word_count(rambling) > 3 * max(case.target_words for case in CASES) and "#" not in rambling
    baseline = run(OWN_WORDS, sample_index, embeddings, tmp_path)
    posts: list[str] = []
    decision = decide(run(rambling, sample_index, embeddings, tmp_path, posts), THRESHOLDS, baseline)
    print("\nseeded long post without hashtags:", decision.problems)
    assert not decision.passed, posts
    assert any(p.startswith(("format:", "originality:", "length:")) for p in decision.problems), decision.problems
