"""The training record of a claim-checker adapter: what it was trained on, how, and the file.

    python -m training.checker.record --pairs pairs.json --training training.json --adapter OUT.gguf

Prints one JSON object (the threshold calibrated on documents the adapter never saw, the
dataset's sha256 and counts, the run's settings and losses, the adapter's sha256 and size);
`scripts/train_checker.sh` writes it beside the adapter (`adapter.json` for `adapter.gguf`),
where the checker reads its threshold, and the judge's registry entry names the dataset version.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from postgraph.llm.weights import file_sha256


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=Path, required=True, help="the summary training.checker.pairs printed")
    parser.add_argument("--training", type=Path, required=True, help="train.py's training.json")
    parser.add_argument("--adapter", type=Path, required=True)
    args = parser.parse_args()
    pairs = json.loads(args.pairs.read_text(encoding="utf-8"))
    training = json.loads(args.training.read_text(encoding="utf-8"))
    record = {
        "threshold": training["threshold"],
        "dataset": {"version": pairs["sha256"][:12], **pairs},
        "training": training,
        "adapter": {"file": args.adapter.name, "sha256": file_sha256(args.adapter),
                    "bytes": args.adapter.stat().st_size},
    }
    print(json.dumps(record, indent=1))


if __name__ == "__main__":
    main()
