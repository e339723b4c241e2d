"""The claim checker measured like a classifier on the labelled claim set (evals/claims/).

    .venv/bin/python bench/claims_bench.py [--split dev|test|all] [--no-embeddings] [--show-wrong]
                                           [--judge MODEL_ID | --judge-label LABEL]

Reports, per split: false-support rate (contradicted or not-in-sources claims judged supported,
or taken for no claim), recall of true claims, balanced accuracy, how often a no-claim sentence
is recognised, contradictions found, accuracy per category, and the median milliseconds per
claim (and of the claims the judge model decided: the model path). With a judge (a model id
such as `checker:models/claim-checker/adapter.gguf`, or the judge the model registry's label
names), claims only similarity backs go to it as in the fact_check node. Writes the numbers to bench/results/claims-<time>.json. Tune on dev; test is reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]

from bench_common import machine  # noqa: E402

from evals import claimset  # noqa: E402
from postgraph.graph.judging import configured_judge, judge_ask  # noqa: E402
from postgraph.settings import Settings  # noqa: E402

RESULTS = ROOT / "bench" / "results"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("dev", "test", "all"), default="all")
    parser.add_argument("--no-embeddings", action="store_true", help="Term overlap instead of the embedding model.")
    parser.add_argument("--show-wrong", action="store_true", help="Print every claim judged wrongly.")
    judges = parser.add_mutually_exclusive_group()
    judges.add_argument("--judge", default="", help="Judge model id (checker:<adapter>, llamacpp:..., ollama:...).")
    judges.add_argument("--judge-label", default="", help="The judge the model registry's LABEL names.")
    args = parser.parse_args()
    settings = Settings(judge_model="")
    judge = args.judge or (configured_judge(settings, args.judge_label) if args.judge_label else "")
    ask = judge_ask(judge, settings) if judge else None

    embed = None
    if not args.no_embeddings:
        from postgraph.search.embeddings import OnnxMiniLMEmbeddings

        embed = claimset.cached(OnnxMiniLMEmbeddings().embed_documents)
    splits = ("dev", "test") if args.split == "all" else (args.split,)
    report = {"date": dt.datetime.now().isoformat(timespec="seconds"), "machine": machine(),
              "embeddings": embed is not None, "judge": judge or "none", "splits": {}}
    for split in splits:
        claims = claimset.load(split)
        claimset.predict(claims[:1], embed, ask)  # load models and caches outside the timings
        predictions = claimset.predict(claims, embed, ask, judge or "judge")
        result = claimset.score(claims, predictions).as_dict()
        report["splits"][split] = result
        print_split(split, result)
        if args.show_wrong:
            for claim, prediction in zip(claims, predictions, strict=True):
                if not claimset.correct(claim.label, prediction.verdict):
                    reasons = "; ".join(check.reason for check in prediction.checks)[:300]
                    print(f"  WRONG {claim.id} [{claim.label}/{claim.category}] -> {prediction.verdict}: "
                          f"{claim.claim}\n        {reasons}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"claims-{dt.datetime.now():%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(report, indent=2))
    print(f"\nwritten to {out.relative_to(ROOT)}")


def print_split(split: str, result: dict) -> None:
    print(f"\n== {split}: {result['claims']} claims ({result['true_claims']} true, {result['false_claims']} false, "
          f"{result['no_claims']} no-claim)")
    print(f"false-support rate   {result['false_support_rate']:.1%}  (goal <= 2%)")
    print(f"recall of true       {result['recall']:.1%}  (goal >= 90%)")
    print(f"balanced accuracy    {result['balanced_accuracy']:.3f}  (goal >= 0.90)")
    print(f"no-claim recognised  {result['no_claim_accuracy']:.1%}")
    print(f"contradictions found {result['contradiction_recall']:.1%} of contradicted claims")
    print(f"median per claim     {result['median_ms_per_claim']} ms")
    if result["judged_claims"]:
        print(f"model path           {result['judged_claims']} claims judged, median "
              f"{result['median_ms_per_judged_claim']} ms each")
    print("per category (accuracy):")
    for name, row in result["per_category"].items():
        print(f"  {name:<14} {row['accuracy']:6.1%}  ({row['correct']}/{row['n']})")
    print("verdicts by label:")
    for label, counts in result["verdicts_by_label"].items():
        print(f"  {label:<15} {counts}")


if __name__ == "__main__":
    main()
