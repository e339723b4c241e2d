#!/usr/bin/env bash
# Train the claim checker (a LoRA adapter on the packaged Gemma 3 270M) and export it as a GGUF
# adapter llama.cpp loads over the base model. CPU only; about 20-30 minutes on 2 cores.
#
#   scripts/train_checker.sh [OUT.gguf] [-- extra train.py options]
#
# Steps: the project's .venv (scripts/setup.sh) makes the training pairs from the dev documents;
# a separate .venv-train (torch CPU, transformers, peft) trains; convert_lora_to_gguf.py from
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

bash scripts/setup.sh
if [ ! -x .venv-train/bin/python ]; then
  log "creating .venv-train"
  python3.11 -m venv .venv-train
fi
# torch 2.13.0 resolves to the CPU wheel this machine keeps; a plain 'torch' would pull CUDA.
.venv-train/bin/pip install --quiet --disable-pip-version-check \
  torch==2.13.0 transformers==5.24.0 peft==0.21.2 gguf==0.19.0 sentencepiece 2>&1 | grep -v -e '^WARNING: Location' -e 'neither a file' >&2 || true

SDIST="$WORK/llama_cpp_python-0.3.36"
if [ ! -f "$SDIST/vendor/llama.cpp/convert_lora_to_gguf.py" ]; then
  log "fetching the llama-cpp-python 0.3.36 source distribution (for convert_lora_to_gguf.py)"
  .venv/bin/pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
    llama-cpp-python==0.3.36 -d "$WORK" 2>&1 | grep -v -e '^WARNING: Location' -e 'neither a file' >&2 || true
  tar -xzf "$WORK/llama_cpp_python-0.3.36.tar.gz" -C "$WORK"
fi

BASE_GGUF="$(.venv/bin/python -c 'from postgraph.llm.weights import bundled_gguf_path, ensure_bundled_gguf
from postgraph.settings import Settings
print(ensure_bundled_gguf(bundled_gguf_path(Settings())))')"

log "making training pairs from the dev documents"
.venv/bin/python -m training.checker.pairs --out "$WORK/pairs.jsonl" > "$WORK/pairs.json"
log "training (LoRA on $BASE_GGUF)"
.venv-train/bin/python training/checker/train.py --pairs "$WORK/pairs.jsonl" --gguf "$BASE_GGUF" \
  --out "$WORK/adapter" "$@" 2>&1 | grep --line-buffered -v -i -e warning -e 'warn(' -e 'losses.append' >&2

log "exporting the adapter to $OUT"
PYTHONPATH="$SDIST/vendor/llama.cpp/gguf-py" .venv-train/bin/python \
  "$SDIST/vendor/llama.cpp/convert_lora_to_gguf.py" --base "$WORK/adapter/base" \
  --outtype f16 --outfile "$OUT" "$WORK/adapter" >&2
.venv/bin/python -m training.checker.record --pairs "$WORK/pairs.json" \
  --training "$WORK/adapter/training.json" --adapter "$OUT" > "${OUT%.gguf}.json"
log "done: $OUT (record: ${OUT%.gguf}.json)"
