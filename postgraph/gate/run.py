"""Run golden cases through the writer and score each post.

Every case runs with retrieval restricted to its own documents (`RequestFilters.sources`), and
its post is scored by `quality.metrics` with the claims checked against the case's whole source
documents, not only what was retrieved. The gate reads and writes its own namespace
(`gate_settings`: its own database on the same server and its own index directory), into which
the cases' documents (from the sample corpus and the golden set's extra sources) are ingested,
so the user's index never sees the injected and contradicting test newsletters.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from postgraph.domain import Citation, ClaimCheck, Evidence, RequestFilters
from postgraph.factcheck.citations import check_post
from postgraph.factcheck.verdicts import Embed
from postgraph.graph.writer import PostWriter
from postgraph.ingest.evidence import file_evidence
from postgraph.quality.cases import GoldenCase
from postgraph.quality.metrics import PostRun, Score, score_post
from postgraph.settings import Settings


def gate_settings(settings: Settings) -> Settings:
    """The gate's own namespace: a database beside the configured one, an index directory under
    the data dir."""
    return settings.model_copy(update={
        "mongodb_database": f"{settings.mongodb_database}_gate",
        "qdrant_path": settings.data_dir / "gate" / "qdrant",
    })


def gate_sources(cases: Sequence[GoldenCase]) -> list[Path]:
    """Every file the cases read, once."""
    return sorted({path for case in cases for path in case.paths()})


@dataclass
class CaseResult:
    case_id: str
    split: str
    post: str
    status: str
    scores: dict[str, Score]
    seconds: float
    model_calls: int = 0
    tokens: int = 0
    versions: dict[str, str] = field(default_factory=dict)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.case_id, "split": self.split, "post": self.post, "status": self.status,
                "seconds": round(self.seconds, 2), "model_calls": self.model_calls, "tokens": self.tokens,
                "error": self.error, "versions": self.versions,
                "scores": {name: {"value": round(s.value, 4), "passed": s.passed, "details": s.details}
                           for name, s in self.scores.items()}}

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> CaseResult:
        """A result as `as_dict` wrote it (the committed baseline keeps them so)."""
        scores = {name: Score(name, float(s["value"]), bool(s["passed"]), dict(s.get("details") or {}))
                  for name, s in row["scores"].items()}
        return cls(row["case"], row["split"], row["post"], row["status"], scores, float(row["seconds"]),
                   int(row.get("model_calls") or 0), int(row.get("tokens") or 0), dict(row.get("versions") or {}),
                   row.get("error"))


@dataclass
class WrittenCase:
    """A case's post and what its metrics read: the run, the chunks of the case's whole source
    documents, and the post's claims checked against them."""

    case: GoldenCase
    run: PostRun
    documents: list[Evidence]
    checks: list[ClaimCheck]
    seconds: float
    values: dict[str, Any]

    def result(self, examples: Sequence[str], embed: Embed) -> CaseResult:
        budget = self.values.get("budget")
        return CaseResult(self.case.id, self.case.split, self.run.post, self.run.status,
                          score_post(self.run, self.case.expectations(), self.checks, self.documents, examples, embed),
                          self.seconds, model_calls=getattr(budget, "model_calls", 0), tokens=getattr(budget, "tokens", 0),
                          versions=dict(self.values.get("versions", {})))


def write_case(writer: PostWriter, case: GoldenCase, settings: Settings, embed: Embed) -> WrittenCase:
    started = time.perf_counter()
    outcome = writer.write(case.request, filters=RequestFilters(sources=[p.name for p in case.paths()]))
    seconds = time.perf_counter() - started
    values = outcome.values
    post = values.get("post", "") or ""
    run = PostRun(post=post, status=values.get("status", ""),
                  citations=[Citation.model_validate(c) for c in values.get("citations", [])],
                  evidence=[Evidence.model_validate(e) for e in values.get("evidence", [])],
                  unsupported_requests=list(values.get("unsupported_requests", [])),
                  corrected_requests=[c["premise"] if isinstance(c, dict) else c.premise
                                      for c in values.get("corrected_requests", [])])
    documents = [item for path in case.paths() for item in file_evidence(path, settings)]
    return WrittenCase(case, run, documents, list(check_post(post, documents, embed).claims), seconds, dict(values))


def run_case(writer: PostWriter, case: GoldenCase, settings: Settings, embed: Embed,
             examples: Sequence[str]) -> CaseResult:
    return write_case(writer, case, settings, embed).result(examples, embed)
