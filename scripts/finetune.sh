#!/usr/bin/env bash
# Fine-tune the drafter end to end: dataset, LoRA training (tracked in MLflow), export to a
# llama.cpp adapter, a check that it loads and writes, and registration as a candidate.
# CPU only. `postgraph finetune run` calls this; see docs/finetuning.md.
#
#   scripts/finetune.sh [--quick] [--author NAME] [--config FILE] [--resume] [--registry FILE] [--merge]
#
# The full run writes models/drafter/shared.gguf (or models/drafter/<author>.gguf, continued
# from the shared adapter) and its record; --quick trains a few steps into build/drafter/quick.
# --merge also writes the production model for Ollama: the adapter merged into the base,
# converted to GGUF, quantized to Q4_K_M, and its Modelfile ($WORK/merged/<name>/).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
log() { printf '[finetune] %s\n' "$*" >&2; }

quick="" author="" config="" resume="" registry="" merge=""
while [ $# -gt 0 ]; do
  case "$1" in
    --quick) quick=1 ;;
    --author) author="$2"; shift ;;
    --config) config="$2"; shift ;;
    --resume) resume=1 ;;
    --registry) registry="$2"; shift ;;
    --merge) merge=1 ;;
    *) log "unknown option $1"; exit 2 ;;
  esac
  shift
done

TRAIN_WORK=build source scripts/training_env.sh
# Where datasets and runs go (a test points it at a temporary folder).
WORK="${POSTGRAPH_FINETUNE_WORK:-build/drafter}"
DATA="$WORK/dataset"
TRACKING="$(.venv/bin/python -c 'from postgraph.settings import Settings; print(Settings().finetune_tracking_uri)')"
slug="$(.venv/bin/python -c 'import sys; from postgraph.registry.labels import author_slug
print(author_slug(sys.argv[1]) or "shared")' "$author")"

log "building the dataset"
.venv/bin/python -m training.drafter.dataset build --out "$DATA" >&2

train_args=(--data "$DATA" --gguf "$BASE_GGUF" --tracking-uri "$TRACKING")
[ -n "$config" ] && train_args+=(--config "$config")
[ -n "$resume" ] && train_args+=(--resume)
if [ -n "$author" ]; then
  train_args+=(--author "$author")
  # Per-author adapters continue from the shared one (its PEFT weights are kept beside it).
  [ -d models/drafter/shared-peft ] && train_args+=(--init-adapter models/drafter/shared-peft)
fi
if [ -n "$quick" ]; then
  RUN=$WORK/quick/$slug
  ADAPTER=$RUN/adapter.gguf
  train_args+=(--quick)
else
  RUN=$WORK/runs/$slug
  ADAPTER=models/drafter/$slug.gguf
fi
mkdir -p "$RUN" "$(dirname "$ADAPTER")"
log "training ($RUN, tracking $TRACKING)"
.venv-train/bin/python training/drafter/train.py "${train_args[@]}" --out "$RUN"

log "exporting the adapter to $ADAPTER"
PYTHONPATH="$LLAMA_CPP_SRC/gguf-py" .venv-train/bin/python "$LLAMA_CPP_SRC/convert_lora_to_gguf.py" \
  --base "$RUN/adapter/base" --outtype f16 --outfile "$ADAPTER" "$RUN/adapter" 2>&1 | tail -1 >&2
if [ -z "$quick" ] && [ -z "$author" ]; then
  # The shared adapter's PEFT weights, kept (in fp16: half the size) for per-author runs to continue from.
  rm -rf models/drafter/shared-peft
  .venv-train/bin/python - "$RUN/adapter" models/drafter/shared-peft <<'PY'
import json
import sys
from pathlib import Path

from safetensors.torch import load_file, save_file

source, target = Path(sys.argv[1]), Path(sys.argv[2])
target.mkdir(parents=True)
config = json.loads((source / "adapter_config.json").read_text())
config["base_model_name_or_path"] = "gemma3-270m-q4_k_m.gguf"  # the packaged GGUF, not this machine's path
(target / "adapter_config.json").write_text(json.dumps(config, indent=2, sort_keys=True) + "\n")
weights = load_file(source / "adapter_model.safetensors")
save_file({name: tensor.half() for name, tensor in weights.items()}, target / "adapter_model.safetensors")
PY
fi

log "checking the adapter in llama.cpp and registering it"
register_args=(--adapter "$ADAPTER" --training "$RUN/training.json" --data "$DATA")
[ -n "$author" ] && register_args+=(--author "$author")
[ -n "$registry" ] && register_args+=(--registry "$registry")
.venv/bin/python -m training.drafter.register "${register_args[@]}" 2> >(grep -v -e '^llama' -e 'CPU_REPACK' >&2)

if [ -n "$merge" ]; then
  MERGED=$WORK/merged/$slug
  log "merging the adapter into the base for Ollama ($MERGED)"
  rm -rf "$MERGED" && mkdir -p "$MERGED"
  .venv-train/bin/python training/drafter/merge.py --gguf "$BASE_GGUF" --adapter "$RUN/adapter" --out "$MERGED/hf" >&2
  PYTHONPATH="$LLAMA_CPP_SRC/gguf-py" .venv-train/bin/python "$LLAMA_CPP_SRC/convert_hf_to_gguf.py" "$MERGED/hf" \
    --outtype f16 --outfile "$MERGED/drafter-f16.gguf" 2>&1 | tail -1 >&2
  .venv/bin/python -m training.drafter.modelfile --f16 "$MERGED/drafter-f16.gguf" --out "$MERGED" \
    --record "${ADAPTER%.gguf}.json" >&2
  rm -rf "$MERGED/hf" "$MERGED/drafter-f16.gguf"
fi
