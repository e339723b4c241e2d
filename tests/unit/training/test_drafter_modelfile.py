"""The Ollama Modelfile of a merged drafter serves the draft prompt as the draft node sends it."""

from __future__ import annotations

from postgraph.post.notes import COMPLETION_STOP
from training.drafter.modelfile import QUANTIZED, modelfile


def test_the_modelfile_is_a_raw_completion_with_the_prompts_parameters_and_stops() -> None:
    text = modelfile(QUANTIZED, {"training_run": "run-1", "dataset_version": "abc"})
    lines = text.splitlines()
    assert f"FROM ./{QUANTIZED}" in lines and 'TEMPLATE """{{ .Prompt }}"""' in lines
    assert "PARAMETER temperature 0.3" in lines and "PARAMETER num_predict 320" in lines
    assert [line for line in lines if line.startswith("PARAMETER stop")] == [
        f'PARAMETER stop "{stop}"'.replace("\n", "\\n") for stop in COMPLETION_STOP]
    assert "run run-1, dataset abc" in text and "draft@2#" in text
