"""The claim checker's prompt and ids, without loading a model."""

from __future__ import annotations

from pathlib import Path

import pytest

from postgraph.errors import ModelUnavailable
from postgraph.llm.checker import CHECKER_PROVIDER, adapter_path, checker_prompt, focus_passage, load_claim_checker
from postgraph.settings import Settings

LONG_PASSAGE = " ".join([
    "The team met on Monday to plan the quarter and agreed on three goals for the platform.",
    "Recall@10 fell from 0.87 to 0.71 after the embedding model changed in the nightly build.",
    "Nobody noticed until the weekly report, because the dashboard only showed latency numbers.",
    "The revert took twenty minutes and brought recall@10 back to 0.88 on the golden set.",
    "Afterwards the gate was added to CI so that a drop of more than two points blocks a merge.",
    "Lunch was pizza, and the on-call rotation moved to a two-week cycle for the rest of the year.",
])


def test_a_short_passage_is_kept_whole():
    passage = "Recall fell. It came back."
    assert focus_passage(passage, "Recall fell.") == passage


def test_a_long_passage_keeps_the_sentences_nearest_the_claim_in_order():
    focused = focus_passage(LONG_PASSAGE, "After the revert, recall@10 was back to 0.88.", max_words=40)
    # The revert sentence matches best, the drop second; the drop comes first in the passage.
    assert focused == ("Recall@10 fell from 0.87 to 0.71 after the embedding model changed in the nightly build. "
                       "The revert took twenty minutes and brought recall@10 back to 0.88 on the golden set.")


def test_the_best_sentence_is_kept_even_when_longer_than_the_limit():
    focused = focus_passage(LONG_PASSAGE, "The revert took twenty minutes.", max_words=5)
    assert focused.startswith("The revert took twenty minutes")


def test_the_prompt_ends_where_the_answer_token_goes():
    prompt = checker_prompt("Recall fell from 0.87 to 0.71.", "  Recall fell to 0.71. ")
    assert prompt == ("Passage: Recall fell from 0.87 to 0.71.\nClaim: Recall fell to 0.71.\n"
                      "Does the passage state the claim? Answer:")


def test_checker_ids_name_an_adapter_file(tmp_path: Path):
    assert adapter_path(f"{CHECKER_PROVIDER}:{tmp_path}/a.gguf") == tmp_path / "a.gguf"
    assert adapter_path("llamacpp:gemma3-270m") is None
    assert adapter_path("checker:") is None


def test_a_missing_or_damaged_adapter_is_refused_before_loading(tmp_path: Path):
    settings = Settings(data_dir=tmp_path)
    with pytest.raises(ModelUnavailable, match="not found"):
        load_claim_checker(f"checker:{tmp_path}/missing.gguf", settings)
    damaged = tmp_path / "damaged.gguf"
    damaged.write_bytes(b"PK\x03\x04 not a gguf")
    with pytest.raises(ModelUnavailable, match="not a GGUF"):
        load_claim_checker(f"checker:{damaged}", settings)
    with pytest.raises(ModelUnavailable, match="not a claim checker id"):
        load_claim_checker("llamacpp:gemma3-270m", settings)


def test_the_threshold_comes_from_the_adapters_record_unless_set(tmp_path: Path):
    adapter = tmp_path / "adapter.gguf"
    adapter.write_bytes(b"GGUF" + b"\0" * 16)
    settings = Settings(data_dir=tmp_path)
    assert load_claim_checker(f"checker:{adapter}", settings).threshold == 0.5  # no record
    (tmp_path / "adapter.json").write_text('{"threshold": 0.23}')
    assert load_claim_checker(f"checker:{adapter}", settings).threshold == 0.23
    assert load_claim_checker(f"checker:{adapter}", Settings(data_dir=tmp_path, checker_threshold=0.7)).threshold == 0.7
    (tmp_path / "adapter.json").write_text('{"threshold": 3}')
    with pytest.raises(ModelUnavailable, match="not between 0 and 1"):
        load_claim_checker(f"checker:{adapter}", settings)
