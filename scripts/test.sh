#!/usr/bin/env bash
# Set up (idempotent) and run the whole test suite. The tests start the services they need
# (the local MongoDB-compatible server) through the project's own code and stop them.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 DEEPEVAL_TELEMETRY_OPT_OUT=YES
exec .venv/bin/python -m pytest -p no:cacheprovider "$@"
