"""The labelled claim set (evals/claims/) and how the claim checker is scored on it.

Each line of evals/claims/<document>.jsonl is a claim about one sample newsletter, labelled
`supported`, `contradicted`, `not_in_sources` or `no_claim` (an opinion, a call to action or a
question that states no fact), with a category and the evidence spans. `splits.json` splits
the set by document into `dev` (tune here) and `test` (report only).

A claim is checked the way a post's sentence is: split into sentences and kinds
(`postgraph.factcheck.claims`), each claim checked against its whole document, chunked as
ingestion chunks it. What counts:

    false support   a contradicted or not-in-sources claim judged supported, or judged to be
                    no claim at all (it would stay in a post unchecked)
    recall          true claims judged supported
    balanced acc.   the mean of recall and of the share of false claims not supported
"""

from __future__ import annotations

import json
import statistics
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.citations import check_post
from postgraph.factcheck.judge import Ask, judge_claims, needs_judge
from postgraph.factcheck.verdicts import Embed
from postgraph.ingest.evidence import file_evidence
from postgraph.settings import PROJECT_ROOT, Settings

CLAIMS_DIR = Path(__file__).parent / "claims"
CORPUS = PROJECT_ROOT / "samples" / "corpus"
LABELS = ("supported", "contradicted", "not_in_sources", "no_claim")
FALSE = ("contradicted", "not_in_sources")



@dataclass(frozen=True)
class LabelledClaim:
    id: str
    document: str
    claim: str
    label: str
    category: str
    evidence: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Prediction:
    claim_id: str
    verdict: str
    """supported, contradicted, unsupported, unchecked, or no_claim (no sentence was a claim)."""
    seconds: float
    checks: tuple[ClaimCheck, ...] = ()
    judged: bool = False
    """The judge model was asked (the claim took the model path)."""


def splits() -> dict[str, list[str]]:
    data = json.loads((CLAIMS_DIR / "splits.json").read_text(encoding="utf-8"))
    return {name: data[name] for name in ("dev", "test")}


def load(split: str | None = None) -> list[LabelledClaim]:
    """The claims of one split ("dev", "test"), or all of them."""
    documents = None if split is None else set(splits()[split])
    claims = []
    for path in sorted(CLAIMS_DIR.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if documents is None or row["document"] in documents:
                    claims.append(LabelledClaim(
                        id=row["id"], document=row["document"], claim=row["claim"], label=row["label"],
                        category=row["category"], evidence=tuple(row.get("evidence") or ()), note=row.get("note", ""),
                    ))
    return claims


@cache
def document_evidence(document: str) -> tuple[Evidence, ...]:
    """A sample document as evidence: parsed and chunked as ingestion does it."""
    return tuple(file_evidence(CORPUS / document, Settings()))


def cached(embed: Embed) -> Embed:
    """`embed` with a cache, as the graph's adapters have: evidence sentences repeat."""
    vectors: dict[str, list[float]] = {}

    def embed_cached(texts: list[str]) -> list[list[float]]:
        missing = [t for t in dict.fromkeys(texts) if t not in vectors]
        if missing:
            vectors.update(zip(missing, embed(missing), strict=True))
        return [vectors[t] for t in texts]

    return embed_cached


def predict(claims: Iterable[LabelledClaim], embed: Embed | None, ask: Ask | None = None,
            judge: str = "judge") -> list[Prediction]:
    """Check each claim against its document; with `ask`, the judge model then decides the
    claims only similarity backs, as the fact_check node does (no budget limit here)."""
    predictions = []
    for claim in claims:
        evidence = list(document_evidence(claim.document))
        started = time.perf_counter()
        checks = check_post(claim.claim, evidence, embed).claims
        judged = ask is not None and any(needs_judge(check) for check in checks)
        if judged:
            checks = judge_claims(checks, evidence, ask, judge=judge, calls_left=lambda _: True).checks
        seconds = time.perf_counter() - started
        predictions.append(Prediction(claim.id, overall_verdict(checks), seconds, tuple(checks), judged))
    return predictions


def overall_verdict(checks: list[ClaimCheck]) -> str:
    """One verdict for a text of one or more claims: any contradiction or unchecked claim
    decides, then any unsupported one; all supported is supported."""
    if not checks:
        return "no_claim"
    verdicts = {check.verdict for check in checks}
    for verdict in ("contradicted", "unchecked", "unsupported"):
        if verdict in verdicts:
            return verdict
    return "supported"


def correct(label: str, verdict: str) -> bool:
    if label == "supported":
        return verdict == "supported"
    if label == "no_claim":
        return verdict == "no_claim"
    return verdict not in ("supported", "no_claim")


@dataclass
class Score:
    claims: int = 0
    true_claims: int = 0
    false_claims: int = 0
    no_claims: int = 0
    supported_true: int = 0
    supported_false: int = 0
    no_claim_right: int = 0
    contradicted_found: int = 0
    contradicted_claims: int = 0
    per_category: dict[str, dict[str, int]] = field(default_factory=lambda: defaultdict(lambda: {"n": 0, "correct": 0}))
    verdicts_by_label: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    milliseconds: list[float] = field(default_factory=list)
    judged_milliseconds: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.supported_true / self.true_claims if self.true_claims else 0.0

    @property
    def false_support_rate(self) -> float:
        return self.supported_false / self.false_claims if self.false_claims else 0.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + 1 - self.false_support_rate) / 2

    def as_dict(self) -> dict[str, Any]:
        return {
            "claims": self.claims,
            "true_claims": self.true_claims,
            "false_claims": self.false_claims,
            "no_claims": self.no_claims,
            "recall": round(self.recall, 4),
            "false_support_rate": round(self.false_support_rate, 4),
            "balanced_accuracy": round(self.balanced_accuracy, 4),
            "no_claim_accuracy": round(self.no_claim_right / self.no_claims, 4) if self.no_claims else None,
            "contradiction_recall": (round(self.contradicted_found / self.contradicted_claims, 4)
                                     if self.contradicted_claims else None),
            "per_category": {name: {**row, "accuracy": round(row["correct"] / row["n"], 4)}
                             for name, row in sorted(self.per_category.items())},
            "verdicts_by_label": {label: dict(counts) for label, counts in sorted(self.verdicts_by_label.items())},
            "median_ms_per_claim": round(statistics.median(self.milliseconds), 2) if self.milliseconds else None,
            "judged_claims": len(self.judged_milliseconds),
            "median_ms_per_judged_claim": (round(statistics.median(self.judged_milliseconds), 2)
                                           if self.judged_milliseconds else None),
        }


def score(claims: list[LabelledClaim], predictions: list[Prediction]) -> Score:
    result = Score()
    for claim, prediction in zip(claims, predictions, strict=True):
        verdict = prediction.verdict
        result.claims += 1
        result.milliseconds.append(prediction.seconds * 1000)
        if prediction.judged:
            result.judged_milliseconds.append(prediction.seconds * 1000)
        result.verdicts_by_label[claim.label][verdict] += 1
        row = result.per_category[claim.category]
        row["n"] += 1
        row["correct"] += correct(claim.label, verdict)
        if claim.label == "supported":
            result.true_claims += 1
            result.supported_true += verdict == "supported"
        elif claim.label == "no_claim":
            result.no_claims += 1
            result.no_claim_right += verdict == "no_claim"
        else:
            result.false_claims += 1
            result.supported_false += verdict in ("supported", "no_claim")
            if claim.label == "contradicted":
                result.contradicted_claims += 1
                result.contradicted_found += verdict == "contradicted"
    return result
