"""Quantize a merged drafter GGUF to Q4_K_M and write its Ollama Modelfile.

    python -m training.drafter.modelfile --f16 MERGED-F16.gguf --out DIR [--record ADAPTER.json]

The Modelfile serves the prompt as the draft node sends it: raw completion (`/api/generate`
with raw=true, as the `ollama` provider calls it), so the template is the prompt itself, with
the draft prompt's parameters and the completion's stop sequences.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from postgraph.llm.weights import file_sha256
from postgraph.post.notes import COMPLETION_STOP
from postgraph.prompts import REGISTRY_PATH, PromptRegistry
from training.drafter.dataset import DRAFT_PROMPT_VERSION

QUANTIZED = "postgraph-drafter-q4_k_m.gguf"


def quantize(source: Path, target: Path) -> None:
    import llama_cpp

    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = llama_cpp.LLAMA_FTYPE_MOSTLY_Q4_K_M
    if llama_cpp.llama_model_quantize(str(source).encode(), str(target).encode(), params) != 0:
        raise SystemExit(f"llama.cpp could not quantize {source}")


def modelfile(weights: str, record: dict | None) -> str:
    prompt = PromptRegistry(REGISTRY_PATH).load("draft", DRAFT_PROMPT_VERSION)
    lines = ["# postgraph drafter: the packaged Gemma 3 270M with the fine-tuned adapter merged, Q4_K_M.",
             f"# Trained on prompt {prompt.identity}"
             + (f", run {record['training_run']}, dataset {record['dataset_version']}." if record else "."),
             f"FROM ./{weights}", 'TEMPLATE """{{ .Prompt }}"""']
    lines += [f"PARAMETER {name} {value}" for name, value in (
        ("temperature", prompt.parameters.get("temperature", 0.3)),
        ("num_predict", prompt.parameters.get("max_tokens", 320)), ("seed", 7))]
    lines += [f"PARAMETER stop {json.dumps(stop)}" for stop in COMPLETION_STOP]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--f16", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--record", type=Path, help="the adapter's record (training run, dataset version)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    quantize(args.f16, args.out / QUANTIZED)
    record = json.loads(args.record.read_text(encoding="utf-8")) if args.record else None
    (args.out / "Modelfile").write_text(modelfile(QUANTIZED, record), encoding="utf-8")
    print(json.dumps({"weights": str(args.out / QUANTIZED), "sha256": file_sha256(args.out / QUANTIZED),
                      "modelfile": str(args.out / "Modelfile")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
