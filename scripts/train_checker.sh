#!/usr/bin/env bash
# Train the claim checker (a LoRA adapter on the packaged Gemma 3 270M) and export it as a GGUF
# adapter llama.cpp loads over the base model. CPU only; about 20-30 minutes on 2 cores.
#
#   scripts/train_checker.sh [OUT.gguf] [-- extra train.py options]
#
# Steps: the project's .venv (scripts/setup.sh) makes the training pairs from the dev documents;
# a separate .venv-train (scripts/training_env.sh) trains; convert_lora_to_gguf.py from
# the llama-cpp-python source distribution exports the adapter; the training record lands
# beside it. Then measure it: .venv/bin/python bench/claims_bench.py --judge checker:OUT.gguf
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[train-checker] %s\n' "$*" >&2; }

OUT="${1:-models/claim-checker/adapter.gguf}"
shift || true
[ "${1:-}" = "--" ] && shift
WORK=build/checker
mkdir -p "$WORK" "$(dirname "$OUT")"

TRAIN_WORK=build source scripts/training_env.sh

log "making training pairs from the dev documents"
.venv/bin/python -m training.checker.pairs --out "$WORK/pairs.jsonl" > "$WORK/pairs.json"
log "training (LoRA on $BASE_GGUF)"
.venv-train/bin/python training/checker/train.py --pairs "$WORK/pairs.jsonl" --gguf "$BASE_GGUF" \
  --out "$WORK/adapter" "$@" 2>&1 | grep --line-buffered -v -i -e warning -e 'warn(' -e 'losses.append' >&2

log "exporting the adapter to $OUT"
PYTHONPATH="$LLAMA_CPP_SRC/gguf-py" .venv-train/bin/python \
  "$LLAMA_CPP_SRC/convert_lora_to_gguf.py" --base "$WORK/adapter/base" \
  --outtype f16 --outfile "$OUT" "$WORK/adapter" >&2
.venv/bin/python -m training.checker.record --pairs "$WORK/pairs.json" \
  --training "$WORK/adapter/training.json" --adapter "$OUT" > "${OUT%.gguf}.json"
log "done: $OUT (record: ${OUT%.gguf}.json)"
