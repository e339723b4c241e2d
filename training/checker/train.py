"""Train the claim checker: LoRA on Gemma 3 270M as a binary classifier read from two logits.

Runs in the training environment (torch, transformers, peft; `scripts/train_checker.sh` makes
it). The base weights are the packaged Q4_K_M GGUF, dequantized by transformers, so the adapter
is trained on the very weights llama.cpp applies it to. The loss is the cross-entropy of
" Yes" against " No" at the last prompt position only: the full 262k-token head is never
computed, which roughly halves the cost of a step on CPU.

    python training/checker/train.py --pairs build/checker/pairs.jsonl --gguf PATH --out build/checker/adapter
"""

from __future__ import annotations

import argparse
import json
import math
import random
import time
from pathlib import Path

import torch
from peft import LoraConfig, get_peft_model
from transformers import AutoModelForCausalLM, AutoTokenizer

TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]


def load_pairs(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def answer_logits(model, tokenizer, prompts: list[str], answer_ids: torch.Tensor, max_tokens: int) -> torch.Tensor:
    """(batch, 2) logits of " Yes" and " No" after each prompt."""
    batch = tokenizer(prompts, return_tensors="pt", padding=True, truncation=True, max_length=max_tokens)
    decoder = model.get_base_model().model
    hidden = decoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state[:, -1, :]
    weights = model.get_base_model().get_output_embeddings().weight[answer_ids]
    logits = hidden @ weights.T
    cap = getattr(model.get_base_model().config, "final_logit_softcapping", None)
    return cap * torch.tanh(logits / cap) if cap else logits


def probabilities(model, tokenizer, rows: list[dict], answer_ids, max_tokens: int, batch_size: int) -> list[float]:
    """P(" Yes") over {" Yes", " No"} for each row, as the judge reads it."""
    model.eval()
    found: list[float] = []
    with torch.no_grad():
        for start in range(0, len(rows), batch_size):
            chunk = rows[start:start + batch_size]
            logits = answer_logits(model, tokenizer, [r["prompt"] for r in chunk], answer_ids, max_tokens)
            found.extend(torch.softmax(logits, -1)[:, 0].tolist())
    model.train()
    return found


def balanced_accuracy(rows: list[dict], yes: list[float], threshold: float) -> float:
    true = [p >= threshold for r, p in zip(rows, yes, strict=True) if r["label"]]
    false = [p < threshold for r, p in zip(rows, yes, strict=True) if not r["label"]]
    return (sum(true) / max(1, len(true)) + sum(false) / max(1, len(false))) / 2


def evaluate(rows: list[dict], yes: list[float]) -> dict:
    """Accuracy and loss at 0.5, and the threshold with the best balanced accuracy."""
    loss = -sum(math.log(max(1e-9, p if r["label"] else 1 - p)) for r, p in zip(rows, yes, strict=True)) / len(rows)
    best = max((t / 100 for t in range(5, 96)), key=lambda t: (round(balanced_accuracy(rows, yes, t), 4), -abs(t - 0.5)))
    return {"n": len(rows), "loss": round(loss, 4), "balanced_accuracy_at_0.5": round(balanced_accuracy(rows, yes, 0.5), 4),
            "threshold": best, "balanced_accuracy": round(balanced_accuracy(rows, yes, best), 4)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, required=True)
    parser.add_argument("--gguf", type=Path, required=True, help="the packaged base model's GGUF")
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--rank", type=int, default=16)
    parser.add_argument("--alpha", type=int, default=32)
    parser.add_argument("--lr", type=float, default=3e-4)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--epochs", type=float, default=1.5)
    parser.add_argument("--max-tokens", type=int, default=224)
    parser.add_argument("--held-out", type=float, default=0.1,
                        help="share of pairs kept for validation when the pairs name no calibration documents")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    started = time.perf_counter()
    tokenizer = AutoTokenizer.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name)
    tokenizer.padding_side = "left"
    model = AutoModelForCausalLM.from_pretrained(args.gguf.parent, gguf_file=args.gguf.name, dtype=torch.float32)
    answer_ids = torch.tensor([tokenizer.encode(word, add_special_tokens=False)[0] for word in (" Yes", " No")])
    loaded = time.perf_counter() - started
    model = get_peft_model(model, LoraConfig(r=args.rank, lora_alpha=args.alpha, lora_dropout=0.05,
                                             target_modules=TARGETS, task_type="CAUSAL_LM"))

    rows = load_pairs(args.pairs)
    random.Random(args.seed).shuffle(rows)
    validation = [r for r in rows if r.get("split") == "calibration"]
    train = [r for r in rows if r.get("split") != "calibration"]
    if not validation:
        held = max(1, int(len(rows) * args.held_out))
        validation, train = rows[:held], rows[held:]
    steps = math.ceil(len(train) * args.epochs / args.batch)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=args.lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: min(1.0, (step + 1) / 10) * max(0.05, 1 - step / steps))
    before = evaluate(validation, probabilities(model, tokenizer, validation, answer_ids, args.max_tokens, args.batch))
    print(json.dumps({"loaded_s": round(loaded, 1), "train": len(train), "validation": len(validation),
                      "steps": steps, "before": before}), flush=True)

    losses: list[float] = []
    model.train()
    for step in range(steps):
        batch = [train[(step * args.batch + i) % len(train)] for i in range(args.batch)]
        logits = answer_logits(model, tokenizer, [r["prompt"] for r in batch], answer_ids, args.max_tokens)
        labels = torch.tensor([0 if r["label"] else 1 for r in batch])
        loss = torch.nn.functional.cross_entropy(logits, labels)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        losses.append(float(loss))
        if step % 10 == 0 or step == steps - 1:
            recent = losses[-10:]
            print(json.dumps({"step": step + 1, "of": steps, "loss": round(sum(recent) / len(recent), 4),
                              "elapsed_s": round(time.perf_counter() - started)}), flush=True)

    after = evaluate(validation, probabilities(model, tokenizer, validation, answer_ids, args.max_tokens, args.batch))
    args.out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(args.out)
    # convert_lora_to_gguf.py reads the base model's config from a folder.
    base = args.out / "base"
    config = model.get_base_model().config
    config.architectures = [type(model.get_base_model()).__name__]  # a config read from GGUF has none
    # The converter refuses a base "quantized" as gguf: the weights it trained on are dequantized.
    config_dict = config.to_dict()
    config_dict.pop("quantization_config", None)
    base.mkdir(parents=True, exist_ok=True)
    (base / "config.json").write_text(json.dumps(config_dict, indent=1), encoding="utf-8")
    tokenizer.save_pretrained(base)
    record = {"pairs": str(args.pairs), "train": len(train), "validation": len(validation), "steps": steps,
              "batch": args.batch, "rank": args.rank, "alpha": args.alpha, "lr": args.lr, "epochs": args.epochs,
              "max_tokens": args.max_tokens, "seed": args.seed, "before": before, "after": after,
              "threshold": after["threshold"],
              "loss_first10": round(sum(losses[:10]) / max(1, len(losses[:10])), 4),
              "loss_last10": round(sum(losses[-10:]) / max(1, len(losses[-10:])), 4),
              "seconds": round(time.perf_counter() - started)}
    (args.out / "training.json").write_text(json.dumps(record, indent=1), encoding="utf-8")
    print(json.dumps(record), flush=True)


if __name__ == "__main__":
    main()
