# Sourced by the training scripts (train_checker.sh, finetune.sh): makes the training
# environment and sets BASE_GGUF and LLAMA_CPP_SRC. Idempotent; CPU only.
#
# - the project's .venv (scripts/setup.sh);
# - .venv-train: torch (CPU), transformers, peft, gguf, MLflow; torch 2.13.0 resolves to the
#   CPU wheel this machine keeps, where a plain 'torch' would pull CUDA;
# - the llama-cpp-python 0.3.36 source distribution, for llama.cpp's convert_lora_to_gguf.py.
TRAIN_WORK="${TRAIN_WORK:-build}"
bash scripts/setup.sh
train_stamp=.venv-train/.postgraph-installed
train_wanted="torch==2.13.0 transformers==5.24.0 peft==0.21.2 gguf==0.19.0 sentencepiece==0.2.3 mlflow==3.17.2"
if [ ! -x .venv-train/bin/python ]; then
  printf '[training-env] creating .venv-train\n' >&2
  python3.11 -m venv .venv-train
fi
if [ "$(cat "$train_stamp" 2>/dev/null || true)" != "$train_wanted" ]; then
  printf '[training-env] installing %s\n' "$train_wanted" >&2
  # shellcheck disable=SC2086
  .venv-train/bin/pip install --quiet --disable-pip-version-check $train_wanted 2>&1 \
    | { grep -v -e '^WARNING: Location' -e 'neither a file' >&2 || true; }
  echo "$train_wanted" > "$train_stamp"
fi
LLAMA_CPP_SRC="$TRAIN_WORK/llama_cpp_python-0.3.36/vendor/llama.cpp"
if [ ! -f "$LLAMA_CPP_SRC/convert_lora_to_gguf.py" ]; then
  printf '[training-env] fetching the llama-cpp-python 0.3.36 source distribution (convert_lora_to_gguf.py)\n' >&2
  mkdir -p "$TRAIN_WORK"
  .venv/bin/pip download --quiet --disable-pip-version-check --no-binary :all: --no-deps \
    llama-cpp-python==0.3.36 -d "$TRAIN_WORK" 2>&1 | { grep -v -e '^WARNING: Location' -e 'neither a file' >&2 || true; }
  tar -xzf "$TRAIN_WORK/llama_cpp_python-0.3.36.tar.gz" -C "$TRAIN_WORK"
fi
BASE_GGUF="$(.venv/bin/python -c 'from postgraph.llm.weights import bundled_gguf_path, ensure_bundled_gguf
from postgraph.settings import Settings
print(ensure_bundled_gguf(bundled_gguf_path(Settings())))')"
export BASE_GGUF LLAMA_CPP_SRC
