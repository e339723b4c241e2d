"""Check an exported drafter adapter in llama.cpp and register it as a candidate drafter.

    python -m training.drafter.register --adapter models/drafter/shared.gguf \
        --training build/drafter/runs/shared/training.json --data build/drafter/dataset [--author NAME]

1. The adapter loads over the packaged base model in llama.cpp and writes a post from a
   held-out (`test`) example's prompt: an adapter that does not load, or writes nothing,
   stops here.
2. Its record goes beside it (`<adapter>.json`): sha256, training run, dataset version, the
   prompt it was trained on, validation loss, and the sample.
3. It becomes the drafter's next version in the model registry (provider llamacpp, location
   the packaged model, `adapter` this file, `prompt` the draft prompt it was trained on), and
   the label `candidate` (for an author: `candidate:<author>`) points at it. Production moves
   only through the gate: `postgraph models promote drafter VERSION`.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from postgraph.llm.completion import complete_text
from postgraph.llm.factory import load_chat_model
from postgraph.llm.weights import BUNDLED_MODEL, LORA_SEPARATOR, file_sha256
from postgraph.post.notes import COMPLETION_STOP, post_from_completion
from postgraph.registry.labels import author_label
from postgraph.registry.models import ModelEntry, ModelRegistry
from postgraph.settings import PROJECT_ROOT, Settings

SAMPLE_TOKENS = 200


def sample_post(adapter: Path, prompt: str, settings: Settings) -> dict:
    """A post the adapter writes over the packaged base in llama.cpp, with its speed."""
    model = load_chat_model(f"llamacpp:{BUNDLED_MODEL}{LORA_SEPARATOR}{adapter}", settings)
    started = time.perf_counter()
    result = complete_text(model, prompt, stop=COMPLETION_STOP, max_tokens=SAMPLE_TOKENS, temperature=0.3)
    seconds = time.perf_counter() - started
    post = post_from_completion(result.text)
    if not post.strip():
        raise SystemExit(f"{adapter} loaded but wrote nothing for a held-out prompt: not registered.")
    return {"post": post, "tokens": result.tokens, "seconds": round(seconds, 2)}


def relative(path: Path) -> str:
    path = path.resolve()
    return str(path.relative_to(PROJECT_ROOT)) if path.is_relative_to(PROJECT_ROOT) else str(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--adapter", type=Path, required=True)
    parser.add_argument("--training", type=Path, required=True, help="training.json the trainer wrote")
    parser.add_argument("--data", type=Path, required=True, help="the dataset folder (manifest, test split)")
    parser.add_argument("--author")
    parser.add_argument("--registry", type=Path, help="model registry file (default: the settings')")
    args = parser.parse_args(argv)

    settings = Settings()
    training = json.loads(args.training.read_text(encoding="utf-8"))
    manifest = json.loads((args.data / "manifest.json").read_text(encoding="utf-8"))
    held_out = [json.loads(line) for line in (args.data / "test.jsonl").read_text(encoding="utf-8").splitlines()
                if line.strip()]
    if args.author:
        held_out = [row for row in held_out if row["author"] == args.author] or held_out
    sample = sample_post(args.adapter, held_out[0]["prompt"], settings)
    prompt = "draft@" + manifest["prompt"].split("@", 1)[1].split("#", 1)[0]
    record = {"adapter": relative(args.adapter), "sha256": file_sha256(args.adapter.resolve()),
              "bytes": args.adapter.stat().st_size, "training_run": training["run_id"],
              "experiment": training["experiment"], "dataset_version": manifest["dataset_version"],
              "prompt": manifest["prompt"], "author": args.author, "quick": training["quick"],
              "steps": training["steps"], "train_examples": training["train_examples"],
              "validation_loss_after": training["validation_loss_after"], "seconds": training["seconds"],
              "config": training["config"], "sample": {"example": held_out[0]["id"], **sample}}
    args.adapter.with_suffix(".json").write_text(json.dumps(record, indent=1, ensure_ascii=False) + "\n",
                                                 encoding="utf-8")
    registry = ModelRegistry(args.registry or settings.model_registry_path)
    who = f"{args.author}'s" if args.author else "shared"
    entry = ModelEntry(provider="llamacpp", location=BUNDLED_MODEL, adapter=record["adapter"], sha256=record["sha256"],
                       training_run=record["training_run"], dataset_version=record["dataset_version"], prompt=prompt,
                       notes=f"{who} LoRA drafter over the packaged Gemma 3 270M ({training['steps']} steps"
                             f"{', quick' if training['quick'] else ''}); trained on {prompt}")
    version = registry.register("drafter", entry, settings)
    label = author_label("candidate", args.author)
    registry.promote("drafter", version, label, settings)
    print(json.dumps({"role": "drafter", "version": version, "label": label, **record}, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
