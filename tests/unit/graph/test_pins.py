"""Which version a thread uses: an explicit value > the registry under the run's label > the
built-in default; read once, when the thread starts, and kept by its pins."""

from __future__ import annotations

import pytest

from postgraph.domain import RequestFilters
from postgraph.graph.adapters import Adapters
from postgraph.graph.context import Context, context_from_settings
from postgraph.graph.kit import build_run_kit
from postgraph.graph.pins import read_pins
from postgraph.prompts import PromptRegistry
from postgraph.registry.labels import RegistryError
from postgraph.registry.models import ModelEntry, ModelRegistry
from postgraph.registry.retrieval import RetrievalRegistry, Strategy
from postgraph.settings import Settings


@pytest.fixture
def settings(registry_paths, tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", **registry_paths)


def pins_for(settings: Settings, **overrides):
    context = context_from_settings(settings, **overrides)
    return read_pins(context, Adapters(settings))[0]


def model_ids(pins) -> dict[str, str]:
    return {role: pin.model_id for role, pin in pins.models.items()}


def test_empty_model_ids_come_from_the_registry(settings) -> None:
    pins = pins_for(settings)
    assert model_ids(pins)["drafter"] == "llamacpp:gemma3-270m" and model_ids(pins)["judge"] == ""
    assert pins.models["drafter"].source == "drafter@1"
    assert pins.models["judge"].source == "judge@1"


def test_an_explicit_model_id_wins_over_the_registry(settings) -> None:
    pins = pins_for(settings.model_copy(update={"drafter_model": "ollama:mine"}))
    assert model_ids(pins)["drafter"] == "ollama:mine" and pins.models["drafter"].source == "setting"
    pins = pins_for(settings, critic_model="fake:critic")
    assert model_ids(pins)["critic"] == "fake:critic" and pins.models["critic"].source == "setting"


def test_a_deployment_that_sets_its_model_provider_keeps_it(settings) -> None:
    pins = pins_for(settings.model_copy(update={"model_provider": "ollama"}))
    assert model_ids(pins)["drafter"] == "ollama:gemma3:270m"
    assert pins.models["drafter"].source == "settings default"
    assert model_ids(pins)["judge"] == ""  # the judge stays the registry's (none)


def test_the_model_label_chooses_the_version(settings, tmp_path) -> None:
    registry = ModelRegistry(settings.model_registry_path)
    version = registry.register("drafter", ModelEntry(provider="ollama", location="drafter-ft:2"))
    registry.promote("drafter", version, "staging", settings)
    assert model_ids(pins_for(settings))["drafter"] == "llamacpp:gemma3-270m"
    pins = pins_for(settings, model_label="staging")
    assert model_ids(pins)["drafter"] == "ollama:drafter-ft:2" and pins.models["drafter"].source == f"drafter@{version}"
    assert model_ids(pins)["critic"] == "llamacpp:gemma3-270m"  # no staging critic: production


def test_a_fine_tuned_drafter_brings_the_prompt_it_was_trained_on(settings, tmp_path) -> None:
    adapter = tmp_path / "drafter.gguf"
    adapter.write_bytes(b"GGUF" + b"\0" * 64)
    registry = ModelRegistry(settings.model_registry_path)
    version = registry.register("drafter", ModelEntry(provider="llamacpp", location="gemma3-270m",
                                                      adapter=str(adapter), prompt="draft@2"), settings)
    assert pins_for(settings).prompt_version("draft") == "1"
    registry.promote("drafter", version, "production", settings)
    pins = pins_for(settings)
    assert pins.prompt_version("draft") == "2"  # whatever the prompt label says
    assert pins.prompt_version("revise") == "1"
    assert model_ids(pins)["drafter"] == f"llamacpp:gemma3-270m+lora:{adapter}"


def test_a_request_for_an_author_uses_their_drafter_and_the_shared_one_otherwise(settings, tmp_path) -> None:
    registry = ModelRegistry(settings.model_registry_path)
    version = registry.register("drafter", ModelEntry(provider="ollama", location="drafter-ravi:1"))
    registry.promote("drafter", version, "production:ravi-okonjo", settings)
    pins = pins_for(settings, author="Ravi Okonjo")
    assert model_ids(pins)["drafter"] == "ollama:drafter-ravi:1" and pins.labels["author"] == "Ravi Okonjo"
    assert model_ids(pins)["critic"] == "llamacpp:gemma3-270m"  # no author critic: the shared one
    assert model_ids(pins_for(settings, author="Hana Brightwater"))["drafter"] == "llamacpp:gemma3-270m"
    assert model_ids(pins_for(settings))["drafter"] == "llamacpp:gemma3-270m"


def test_only_the_judge_may_have_no_model(settings) -> None:
    registry = ModelRegistry(settings.model_registry_path)
    with pytest.raises(RegistryError, match="critic cannot use provider 'none'"):
        registry.register("critic", ModelEntry(provider="none"))
    with registry.file.edit() as data:  # a registry file edited by hand
        data["critic"]["versions"]["2"] = ModelEntry(provider="none").model_dump()
    registry.promote("critic", "2", "production", settings)
    with pytest.raises(RegistryError, match="only the judge may have none"):
        pins_for(settings)


def test_retrieval_comes_from_the_strategy_with_explicit_overrides(settings) -> None:
    registry = RetrievalRegistry(settings.retrieval_registry_path)
    registry.register(Strategy(k=2, candidates=8, hybrid=False, mmr_lambda=1.0, relevance_floor=0.0))
    registry.promote("2", "production")
    pins = pins_for(settings)
    assert pins.retrieval.search_parameters() == {"k": 2, "candidates": 8, "hybrid": False, "mmr_lambda": 1.0,
                                                  "relevance_floor": 0.0}
    assert pins.retrieval.source == "retrieval@2"
    pins = pins_for(settings.model_copy(update={"retrieval_k": 4}))
    assert pins.retrieval.values["k"] == 4 and pins.retrieval.source == "retrieval@2 overridden: k=4"


def test_settings_fill_registry_backed_fields_only_when_set(settings) -> None:
    context = context_from_settings(settings)
    assert context.retrieval_k is None and context.temperature is None and context.hybrid is None
    context = context_from_settings(settings.model_copy(update={"retrieval_k": 3, "temperature": 0.9}))
    assert context.retrieval_k == 3 and context.temperature == 0.9


def test_prompt_parameters_sit_between_explicit_values_and_setting_defaults(settings, prompt_file) -> None:
    registry = PromptRegistry(settings.prompt_registry_path)
    prompt_file(registry.folder, "draft", "2", "{notes}", parameters='{"temperature": 0.7}')
    registry.promote("draft", "2", "production")
    adapters = Adapters(settings)
    parameters = build_run_kit(Context(), adapters).call_parameters("draft")
    assert parameters["temperature"] == 0.7
    assert parameters["max_tokens"] == Settings.model_fields["draft_max_tokens"].default
    assert build_run_kit(Context(temperature=0.1), adapters).call_parameters("draft")["temperature"] == 0.1
    adapters.close()


def test_a_thread_keeps_its_pins_so_a_promotion_does_not_change_it(settings, prompt_file) -> None:
    registry = PromptRegistry(settings.prompt_registry_path)
    prompt_file(registry.folder, "draft", "2", "{notes}")
    adapters = Adapters(settings)
    first = build_run_kit(Context(), adapters)
    registry.promote("draft", "2", "production")
    assert first.prompt("draft").version == "1"
    resumed = build_run_kit(Context(), adapters, first.pins)  # what resume and replay do
    assert resumed.prompt("draft").version == "1" and resumed.versions == first.versions
    assert build_run_kit(Context(), adapters).prompt("draft").version == "2"  # a new thread sees it
    adapters.close()


def test_a_prompt_version_edited_in_place_stops_a_resumed_thread(settings) -> None:
    adapters = Adapters(settings)
    kit = build_run_kit(Context(), adapters)
    path = PromptRegistry(settings.prompt_registry_path).folder / "draft" / "1.txt"
    path.write_text(path.read_text() + "\nedited in place")
    with pytest.raises(RegistryError, match="edited in place"):
        build_run_kit(Context(), adapters, kit.pins)
    adapters.close()


def test_the_kit_is_frozen(settings) -> None:
    adapters = Adapters(settings)
    kit = build_run_kit(Context(), adapters)
    with pytest.raises(AttributeError):
        kit.pins = None  # type: ignore[misc]
    with pytest.raises(TypeError):
        kit.prompts["draft"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        kit.versions["prompt.draft"] = "x"  # type: ignore[index]
    adapters.close()


def test_a_broken_registry_stops_the_run_with_a_clear_error(settings) -> None:
    settings.prompt_registry_path.write_text("{}")
    with pytest.raises(RegistryError, match="No prompt named 'plan'"):
        pins_for(settings)


def test_strategy_filters_are_defaults_the_request_overrides_field_by_field(settings) -> None:
    registry = RetrievalRegistry(settings.retrieval_registry_path)
    registry.register(Strategy(k=6, candidates=16, hybrid=True, mmr_lambda=0.85, relevance_floor=0.6,
                               filters=RequestFilters(block_kinds=["text", "table"])))
    registry.promote("2", "production")
    choice = pins_for(settings).retrieval
    assert choice.filters_for(None) == RequestFilters(block_kinds=["text", "table"])
    merged = choice.filters_for(RequestFilters(authors=["Dana"], block_kinds=["table"]))
    assert merged == RequestFilters(authors=["Dana"], block_kinds=["table"])
    assert choice.describe().endswith('filters={"block_kinds": ["text", "table"]}')
    assert pins_for(settings.model_copy(update={"retrieval_label": "staging"})).retrieval.version == "2"
