"""Fine-tune the drafter: LoRA SFT of the packaged Gemma 3 270M on the drafter dataset, in the
exact prompt the draft node sends, tracked as an MLflow experiment.

Runs in the training environment (`.venv-train`: torch CPU, transformers, peft, mlflow), made
by `scripts/finetune.sh`, which `postgraph finetune run` calls. The base weights are the
packaged Q4_K_M GGUF dequantized by transformers, so the adapter is trained on the very
weights llama.cpp applies it to.

The loss is the cross-entropy of the post's tokens (and the end-of-text token, so the model
learns to stop) given the prompt; the output head is computed only at those positions, which
saves most of the cost of the 262k-token vocabulary on CPU. One example per forward pass,
gradients accumulated over `batch` examples (no padding). Checkpoints every
`checkpoint_every` steps; `--resume` continues from the last one, in the same MLflow run.

    python training/drafter/train.py --data build/drafter/dataset --gguf BASE.gguf --out DIR
        [--config FILE.json] [--author NAME --init-adapter SHARED_DIR] [--quick] [--resume]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import math
import platform
import random
import shutil
import time
import warnings
from pathlib import Path

import mlflow
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from tqdm import tqdm
from transformers import AutoModelForCausalLM, AutoTokenizer

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
EXPERIMENT = "postgraph-drafter"
DEFAULTS = {"rank": 16, "alpha": 32, "dropout": 0.05, "lr": 2e-4, "batch": 4, "epochs": 2.0,
            "max_tokens": 768, "seed": 7, "threads": 2, "checkpoint_every": 10, "warmup_steps": 5}
QUICK = {"steps": 3, "train_examples": 6, "validation_examples": 2, "max_tokens": 384}


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encode(tokenizer, row: dict, max_tokens: int) -> tuple[torch.Tensor, int]:
    """Token ids of prompt + post + end-of-text, and where the post starts. A prompt too long
    for `max_tokens` loses its first tokens (the instruction line), never the post."""
    prompt = tokenizer.encode(row["prompt"], add_special_tokens=True)
    post = tokenizer.encode(row["completion"], add_special_tokens=False) + [tokenizer.eos_token_id]
    post = post[: max_tokens // 2]
    prompt = prompt[-(max_tokens - len(post)):]
    return torch.tensor([prompt + post]), len(prompt)


def post_loss(model, ids: torch.Tensor, start: int) -> torch.Tensor:
    """Mean cross-entropy of the post's tokens, the head computed at their positions only."""
    base = model.get_base_model() if isinstance(model, PeftModel) else model
    hidden = base.model(input_ids=ids).last_hidden_state[0, start - 1:-1, :]
    logits = base.get_output_embeddings()(hidden)
    cap = getattr(base.config, "final_logit_softcapping", None)
    if cap:
        logits = cap * torch.tanh(logits / cap)
    return torch.nn.functional.cross_entropy(logits.float(), ids[0, start:])


def validation_loss(model, encoded: list[tuple[torch.Tensor, int]]) -> float:
    model.eval()
    with torch.no_grad():
        losses = [float(post_loss(model, ids, start)) for ids, start in encoded]
    model.train()
    return round(sum(losses) / max(1, len(losses)), 4)


def artifact_location(tracking_uri: str) -> str | None:
    """Artifacts beside a SQLite store (its folder is made), not in the working directory."""
    if not tracking_uri.startswith("sqlite:///"):
        return None
    folder = Path(tracking_uri.removeprefix("sqlite:///")).parent
    folder.mkdir(parents=True, exist_ok=True)
    return (folder / "artifacts").resolve().as_uri()


def save_checkpoint(model, optimizer, schedule, step: int, run_id: str, folder: Path) -> None:
    """The adapter and the training state, written whole into a new folder that then replaces
    the old one: a crash mid-save leaves the previous checkpoint, never a torn one."""
    partial, previous = folder.with_name(folder.name + ".partial"), folder.with_name(folder.name + ".previous")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial / "adapter")
    torch.save({"optimizer": optimizer.state_dict(), "schedule": schedule.state_dict(), "step": step,
                "run_id": run_id, "rng": torch.get_rng_state()}, partial / "state.pt")
    shutil.rmtree(previous, ignore_errors=True)
    if folder.exists():
        folder.rename(previous)
    partial.rename(folder)
    shutil.rmtree(previous, ignore_errors=True)


def last_checkpoint(folder: Path) -> Path | None:
    """The newest whole checkpoint (the previous one, when a crash fell between two renames)."""
    for candidate in (folder, folder.with_name(folder.name + ".previous")):
        if (candidate / "state.pt").is_file():
            return candidate
    return None


def save_base_config(model, tokenizer, folder: Path) -> None:
    """convert_lora_to_gguf.py reads the base model's config from a folder."""
    base = model.get_base_model()
    config = base.config
    config.architectures = [type(base).__name__]  # a config read from GGUF has none
    values = config.to_dict()
    values.pop("quantization_config", None)  # the converter refuses a "gguf-quantized" base
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.json").write_text(json.dumps(values, indent=1), encoding="utf-8")
    tokenizer.save_pretrained(folder)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True, help="the dataset folder (train/validation jsonl, manifest)")
    parser.add_argument("--gguf", type=Path, required=True, help="the packaged base model's GGUF")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--config", type=Path, help="JSON with any of: " + ", ".join(DEFAULTS))
    parser.add_argument("--author", help="train on this author's examples only")
    parser.add_argument("--init-adapter", type=Path, help="continue from this adapter (the shared one)")
    parser.add_argument("--quick", action="store_true", help=f"a few steps on a few examples ({QUICK})")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint")
    parser.add_argument("--tracking-uri", required=True, help="MLflow tracking URI, e.g. sqlite:///build/mlflow.db")
    args = parser.parse_args()

    # The one progress bar is training's: the libraries' loading bars and notices are quieted.
    warnings.filterwarnings("ignore")
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    logging.getLogger("mlflow").setLevel(logging.WARNING)
    logging.getLogger("alembic").setLevel(logging.WARNING)
    config = dict(DEFAULTS)
    if args.config:
        config.update(json.loads(args.config.read_text(encoding="utf-8")))
    if args.quick:
        config["max_tokens"] = QUICK["max_tokens"]
    random.seed(config["seed"])
    torch.manual_seed(config["seed"])
    torch.set_num_threads(config["threads"])
    manifest = json.loads((args.data / "manifest.json").read_text(encoding="utf-8"))
    train = read_jsonl(args.data / "train.jsonl")
    validation = read_jsonl(args.data / "validation.jsonl")
    if args.author:
        train = [r for r in train if r["author"] == args.author]
        validation = [r for r in validation if r["author"] == args.author] or validation
        if not train:
            raise SystemExit(f"the dataset has no training examples by {args.author!r}")
    random.Random(config["seed"]).shuffle(train)
    if args.quick:
        train, validation = train[: QUICK["train_examples"]], validation[: QUICK["validation_examples"]]
    steps = QUICK["steps"] if args.quick else math.ceil(len(train) * config["epochs"] / config["batch"])

    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name)
    model = AutoModelForCausalLM.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name, dtype=torch.float32)
    checkpoint = args.out / "checkpoint"
    saved = last_checkpoint(checkpoint) if args.resume else None
    resuming = saved is not None
    start_from = saved / "adapter" if saved else args.init_adapter
    if start_from:
        model = PeftModel.from_pretrained(model, start_from, is_trainable=True)
    else:
        model = get_peft_model(model, LoraConfig(r=config["rank"], lora_alpha=config["alpha"],
                                                 lora_dropout=config["dropout"], target_modules=TARGETS,
                                                 task_type="CAUSAL_LM"))
    loaded_s = time.perf_counter() - started
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=config["lr"], weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / config["warmup_steps"]) * max(0.05, 1 - s / steps))
    first_step, run_id = 0, None
    if resuming:
        state = torch.load(saved / "state.pt", weights_only=False)
        optimizer.load_state_dict(state["optimizer"])
        schedule.load_state_dict(state["schedule"])
        torch.set_rng_state(state["rng"])
        first_step, run_id = state["step"], state["run_id"]

    encoded_train = [encode(tokenizer, r, config["max_tokens"]) for r in train]
    encoded_validation = [encode(tokenizer, r, config["max_tokens"]) for r in validation]
    mlflow.set_tracking_uri(args.tracking_uri)
    if mlflow.get_experiment_by_name(EXPERIMENT) is None:
        mlflow.create_experiment(EXPERIMENT, artifact_location=artifact_location(args.tracking_uri))
    mlflow.set_experiment(EXPERIMENT)
    with mlflow.start_run(run_id=run_id, run_name=None if run_id else f"drafter-{args.author or 'shared'}"
                          f"{'-quick' if args.quick else ''}") as run:
        if not resuming:
            mlflow.log_params({**config, "steps": steps, "train_examples": len(train),
                               "validation_examples": len(validation), "author": args.author or "shared",
                               "init_adapter": str(args.init_adapter or ""), "quick": args.quick,
                               "dataset_version": manifest["dataset_version"], "prompt": manifest["prompt"],
                               "base_model": args.gguf.name, "base_sha256": file_sha256(args.gguf),
                               "machine": f"{platform.node()} {platform.machine()} {torch.get_num_threads()} threads",
                               "torch": torch.__version__})
            mlflow.set_tags({"role": "drafter", "author": args.author or "shared",
                             "dataset_version": manifest["dataset_version"]})
            mlflow.log_metric("validation_loss", validation_loss(model, encoded_validation), step=0)
        mlflow.log_metric("load_seconds", round(loaded_s, 1), step=first_step)
        model.train()
        bar = tqdm(range(first_step, steps), initial=first_step, total=steps, desc="fine-tuning", unit="step")
        for step in bar:
            total = 0.0
            for i in range(config["batch"]):
                ids, start = encoded_train[(step * config["batch"] + i) % len(encoded_train)]
                loss = post_loss(model, ids, start) / config["batch"]
                loss.backward()
                total += loss.item()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            schedule.step()
            optimizer.zero_grad()
            bar.set_postfix(loss=f"{total:.3f}")
            mlflow.log_metric("loss", round(total, 4), step=step + 1)
            if (step + 1) % config["checkpoint_every"] == 0 and step + 1 < steps:
                save_checkpoint(model, optimizer, schedule, step + 1, run.info.run_id, checkpoint)
        after = validation_loss(model, encoded_validation)
        seconds = round(time.perf_counter() - started)
        mlflow.log_metric("validation_loss", after, step=steps)
        mlflow.log_metric("duration_seconds", seconds)
        adapter = args.out / "adapter"
        model.save_pretrained(adapter)
        save_base_config(model, tokenizer, adapter / "base")
        shutil.rmtree(checkpoint, ignore_errors=True)  # the run is whole: nothing is left to resume
        record = {"run_id": run.info.run_id, "experiment": EXPERIMENT, "author": args.author, "quick": args.quick,
                  "dataset_version": manifest["dataset_version"], "prompt": manifest["prompt"], "steps": steps,
                  "train_examples": len(train), "validation_examples": len(validation), "config": config,
                  "validation_loss_after": after, "seconds": seconds}
        (args.out / "training.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
        mlflow.log_dict(manifest, "dataset_manifest.json")
        mlflow.log_artifact(str(args.out / "training.json"))
        print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
