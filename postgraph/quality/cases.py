"""The release gate's golden set (evals/golden/cases.jsonl by default):
requests over the sample corpus and what a published post must and must not do.

Each case names the documents the post may use (`documents`, from samples/corpus; plus
`extra_sources` from evals/golden/sources/, ingested only for that case: a newsletter carrying
injected instructions, a correction that contradicts an earlier issue), the document the post
should come from (`main_document`; none for a vague request or an abstention), whether the right
answer is to decline (`should_abstain`: the sources lack what is asked, or the request's premise
is false), facts that must appear (`must_include`, each checked by its numbers and words) and
claims that must not (`must_not`), the target length and the audience. Cases are split `dev`
(tune here) and `test` (report only) by their main document, as the claim set is.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from postgraph.quality.metrics import Expectations
from postgraph.settings import PROJECT_ROOT

GOLDEN_DIR = PROJECT_ROOT / "evals" / "golden"
CORPUS = PROJECT_ROOT / "samples" / "corpus"
TAGS = ("readme", "exact_number", "names_newsletter", "abstain", "false_premise", "vague", "injection",
        "contradiction", "image_text", "pdf")


class GoldenCase(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9-]+$")
    split: Literal["dev", "test"]
    request: str = Field(min_length=5)
    documents: list[str]
    extra_sources: list[str] = Field(default_factory=list)
    main_document: str | None
    should_abstain: bool
    must_include: list[str]
    must_not: list[str]
    target_words: int = Field(ge=30, le=500)
    audience: str
    tags: list[Literal[TAGS]]  # type: ignore[valid-type]

    def paths(self, golden_dir: Path = GOLDEN_DIR) -> list[Path]:
        """Every file the case's sources are read from."""
        return [CORPUS / name for name in self.documents] + [golden_dir / "sources" / name for name in self.extra_sources]

    def expectations(self) -> Expectations:
        return Expectations(target_words=self.target_words, request=self.request, must_include=tuple(self.must_include),
                            must_not=tuple(self.must_not),
                            main_document=self.main_document, should_abstain=self.should_abstain)

    def main_path(self) -> Path | None:
        if self.main_document is None:
            return None
        return next(path for path in self.paths() if path.name == self.main_document)


def load_cases(split: str | None = None, path: Path = GOLDEN_DIR / "cases.jsonl") -> list[GoldenCase]:
    rows = path.read_text(encoding="utf-8").splitlines()
    cases = [GoldenCase.model_validate(json.loads(row)) for row in rows if row.strip()]
    return [case for case in cases if split is None or case.split == split]


def golden_set_sha256(cases: list[GoldenCase], path: Path = GOLDEN_DIR / "cases.jsonl") -> str:
    """What a gate result was measured on: the cases file and every source the cases read, so an
    edited case or source makes earlier results stale."""
    digest = hashlib.sha256(path.read_bytes())
    for source in sorted({source for case in cases for source in case.paths(path.parent)}):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    return digest.hexdigest()
