#!/usr/bin/env bash
# The main job on the embedded defaults: set up, start the local services, ingest the bundled
# sample corpus, show what was stored and indexed, write a post from it with citations, and
# stop what it started.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
scripts/setup.sh
PG=.venv/bin/postgraph

started_here=0
if ! $PG services status >/dev/null 2>&1; then
  $PG services up
  started_here=1
fi
stop() { if [ "$started_here" -eq 1 ]; then $PG services down; fi; }
trap stop EXIT

$PG ingest samples/corpus
$PG docs list
$PG index status
$PG write "${1:-a post about why our nightly retrieval eval caught a chunking regression, for ML engineers, 120 words}"
