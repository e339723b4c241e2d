"""Which version a run uses: an explicit value > the registry under the run's label > the
built-in default; read once per run."""

from __future__ import annotations

import pytest

from postgraph.graph.context import Context, context_from_settings
from postgraph.graph.pinning import pin, prompt_parameter
from postgraph.graph.resources import Resources
from postgraph.prompts import PromptRegistry
from postgraph.registry.labels import RegistryError
from postgraph.registry.models import ModelEntry, ModelRegistry
from postgraph.registry.retrieval import RetrievalRegistry, Strategy
from postgraph.settings import Settings


@pytest.fixture
def settings(registry_paths, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", **registry_paths)


def pinned_for(settings: Settings, **overrides):
    context = context_from_settings(settings, **overrides)
    return context, pin(context, Resources(settings))


def test_empty_model_ids_come_from_the_registry_and_fill_the_context(settings) -> None:
    context, pinned = pinned_for(settings)
    assert context.drafter_model == "llamacpp:gemma3-270m" and context.judge_model == ""
    assert pinned.models["drafter"].source == "drafter@1"
    assert pinned.models["judge"].source == "judge@1"


def test_an_explicit_model_id_wins_over_the_registry(settings) -> None:
    context, pinned = pinned_for(settings.model_copy(update={"drafter_model": "ollama:mine"}))
    assert context.drafter_model == "ollama:mine" and pinned.models["drafter"].source == "setting"
    context, pinned = pinned_for(settings, critic_model="fake:critic")
    assert context.critic_model == "fake:critic" and pinned.models["critic"].source == "setting"


def test_a_deployment_that_sets_its_model_provider_keeps_it(settings) -> None:
    context, pinned = pinned_for(settings.model_copy(update={"model_provider": "ollama"}))
    assert context.drafter_model == "ollama:gemma3:270m"
    assert pinned.models["drafter"].source == "settings default"
    assert context.judge_model == ""  # the judge stays the registry's (none)


def test_the_model_label_chooses_the_version(settings, tmp_path) -> None:
    registry = ModelRegistry(settings.model_registry_path)
    registry.register("drafter", ModelEntry(provider="ollama", location="drafter-ft:2"))
    registry.promote("drafter", "2", "staging", settings)
    assert pinned_for(settings)[0].drafter_model == "llamacpp:gemma3-270m"
    context, pinned = pinned_for(settings, model_label="staging")
    assert context.drafter_model == "ollama:drafter-ft:2" and pinned.models["drafter"].source == "drafter@2"
    assert context.critic_model == "llamacpp:gemma3-270m"  # no staging critic: production


def test_only_the_judge_may_have_no_model(settings) -> None:
    registry = ModelRegistry(settings.model_registry_path)
    registry.register("critic", ModelEntry(provider="none"))
    registry.promote("critic", "2", "production", settings)
    with pytest.raises(RegistryError, match="only the judge may have none"):
        pinned_for(settings)


def test_retrieval_comes_from_the_strategy_with_explicit_overrides(settings) -> None:
    registry = RetrievalRegistry(settings.retrieval_registry_path)
    registry.register(Strategy(k=2, candidates=8, hybrid=False, mmr_lambda=1.0, relevance_floor=0.0))
    registry.promote("2", "production")
    _, pinned = pinned_for(settings)
    assert pinned.retrieval.search_parameters() == {"k": 2, "candidates": 8, "hybrid": False, "mmr_lambda": 1.0,
                                                    "relevance_floor": 0.0}
    assert pinned.retrieval.source == "retrieval@2"
    _, pinned = pinned_for(settings.model_copy(update={"retrieval_k": 4}))
    assert pinned.retrieval.values["k"] == 4 and pinned.retrieval.source == "retrieval@2 overridden: k=4"


def test_settings_fill_registry_backed_fields_only_when_set(settings) -> None:
    context = context_from_settings(settings)
    assert context.retrieval_k is None and context.temperature is None and context.hybrid is None
    context = context_from_settings(settings.model_copy(update={"retrieval_k": 3, "temperature": 0.9}))
    assert context.retrieval_k == 3 and context.temperature == 0.9


def test_prompt_parameters_sit_between_explicit_values_and_setting_defaults(settings, prompt_file) -> None:
    registry = PromptRegistry(settings.prompt_registry_path)
    prompt_file(registry.folder, "draft", "2", "{notes}", parameters='{"temperature": 0.7}')
    draft2 = registry.load("draft", "2")
    context = Context()
    assert prompt_parameter(context, draft2, "temperature") == 0.7
    assert prompt_parameter(context, draft2, "max_tokens") == Settings.model_fields["draft_max_tokens"].default
    assert prompt_parameter(Context(temperature=0.1), draft2, "temperature") == 0.1


def test_a_run_is_pinned_once_so_a_promotion_does_not_split_it(settings, prompt_file) -> None:
    registry = PromptRegistry(settings.prompt_registry_path)
    prompt_file(registry.folder, "draft", "2", "{notes}")
    context, first = pinned_for(settings)
    registry.promote("draft", "2", "production")
    assert pin(context, Resources(settings)) is first and first.prompts["draft"].version == "1"
    assert pinned_for(settings)[1].prompts["draft"].version == "2"  # the next run sees it


def test_a_broken_registry_stops_the_run_with_a_clear_error(settings) -> None:
    settings.prompt_registry_path.write_text("{}")
    with pytest.raises(RegistryError, match="No prompt named 'plan'"):
        pinned_for(settings)


def test_strategy_filters_are_defaults_the_request_overrides_field_by_field(settings) -> None:
    from postgraph.graph.state import RequestFilters

    registry = RetrievalRegistry(settings.retrieval_registry_path)
    registry.register(Strategy(k=6, candidates=16, hybrid=True, mmr_lambda=0.85, relevance_floor=0.6,
                               filters=RequestFilters(block_kinds=["text", "table"])))
    registry.promote("2", "production")
    choice = pinned_for(settings)[1].retrieval
    assert choice.filters_for(None) == RequestFilters(block_kinds=["text", "table"])
    merged = choice.filters_for(RequestFilters(authors=["Dana"], block_kinds=["table"]))
    assert merged == RequestFilters(authors=["Dana"], block_kinds=["table"])
    assert choice.describe().endswith('filters={"block_kinds": ["text", "table"]}')
    assert pinned_for(settings.model_copy(update={"retrieval_label": "staging"}))[1].retrieval.version == "2"
