"""The claim checker on the real sample corpus, with the real embedding model.

Evidence is built the way ingestion builds it: every file of samples/corpus parsed (Tesseract
for the PNG figures and the PDF, no OCR needed for the text formats), chunked at the default
200 word pieces with 40 of overlap. samples/facts.json says, for every file, which claims it
supports and which plausible claims it does not.

Measured (all-MiniLM-L6-v2 int8, default thresholds):
  * against the file's own chunks: 74/74 true claims supported by a chunk of that file,
    0/32 false claims supported (22 contradicted, 10 unsupported);
  * against the whole corpus (all 17 files at once): 74/74 supported by the claim's file or
    its figure/article twin, 0/32 false claims supported;
  * 84 automatically falsified claims (one number changed, or the company swapped), each
    checked against its file and against the whole corpus: 0 supported;
  * without the embedding model (term overlap): 74/74 and 0/32 against the file's chunks.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest

from postgraph.domain import ClaimCheck, Evidence
from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.verdicts import check_claims
from postgraph.ingest.chunking import chunk_blocks, chunk_id
from postgraph.ingest.parsers import TesseractOcr, parse_file
from postgraph.search.embeddings import OnnxMiniLMEmbeddings, count_tokens
from postgraph.settings import PROJECT_ROOT

SAMPLES = PROJECT_ROOT / "samples"
FACTS = json.loads((SAMPLES / "facts.json").read_text(encoding="utf-8"))
MIN_SUPPORT_RATE = 0.9
COMPANIES = [
    "Larkspur Freight", "Fernhollow Bank", "Quillmoor", "Tidewater", "Saltmarsh",
    "Harrowgate Legal", "Brackenridge", "Mossgiel",
]


class NoOcr:
    """The text formats need no OCR; a picture referenced by an HTML page keeps its alt text."""

    name = "none"

    def extract_text(self, image: bytes) -> str:
        return ""


def _evidence_for(path: Path) -> list[Evidence]:
    ocr = TesseractOcr() if path.suffix in (".png", ".pdf") else NoOcr()
    document = parse_file(path, max_bytes=20 * 1024 * 1024, ocr=ocr)
    chunks = chunk_blocks(document.blocks, max_tokens=200, overlap_tokens=40, count_tokens=count_tokens)
    meta = document.meta
    return [
        Evidence(
            chunk_id=chunk_id(path.name, chunk.order),
            document_id=path.name,
            title=meta.title,
            source=path.name,
            author=meta.author,
            published=meta.published.isoformat() if meta.published else None,
            block_kind=chunk.kind.value,
            text=chunk.text,
        )
        for chunk in chunks
    ]


@pytest.fixture(scope="module")
def evidence() -> dict[str, list[Evidence]]:
    return {entry["file"]: _evidence_for(SAMPLES / "corpus" / entry["file"]) for entry in FACTS}


@pytest.fixture(scope="module")
def embed() -> Callable[[list[str]], list[list[float]]]:
    """The real ONNX model behind a cache: every test embeds the same evidence sentences."""
    model = OnnxMiniLMEmbeddings()
    cache: dict[str, list[float]] = {}

    def run(texts: list[str]) -> list[list[float]]:
        todo = sorted({t for t in texts if t not in cache}, key=len)  # similar lengths pad less
        for text, vector in zip(todo, model.embed_documents(todo) if todo else []):
            cache[text] = vector
        return [cache[t] for t in texts]

    return run


def _family(name: str) -> tuple[str, str]:
    """A figure and the article that shows it share author and date (gpu-cost-chart.png and
    gpu-cost-accounting.html state the same numbers)."""
    entry = next(e for e in FACTS if e["file"] == name)
    return entry["author"], entry["published"]


def _run(evidence_for: Callable[[dict], list[Evidence]], embed) -> tuple[list, list]:
    true_results: list[tuple[dict, ClaimCheck]] = []
    false_results: list[tuple[dict, ClaimCheck]] = []
    for entry in FACTS:
        claims = [fact["claim"] for fact in entry["facts"]] + entry["unsupported_claims"]
        checks = check_claims(claims, evidence_for(entry), embed)
        assert [c.claim for c in checks] == claims
        true_results += [(entry, c) for c in checks[: len(entry["facts"])]]
        false_results += [(entry, c) for c in checks[len(entry["facts"]) :]]
    return true_results, false_results


def _report(true_results, false_results, backed: Callable[[dict, ClaimCheck], bool]) -> tuple[float, str]:
    misses = [c for entry, c in true_results if not backed(entry, c)]
    rate = 1 - len(misses) / len(true_results)
    verdicts = Counter(c.verdict for _, c in false_results)
    lines = [
        f"true claims supported: {len(true_results) - len(misses)}/{len(true_results)} ({rate:.0%})",
        f"false claims: {dict(verdicts)}",
        *(f"MISSED {c.claim!r}: {c.verdict} {c.reason}" for c in misses),
        *(
            f"WRONGLY SUPPORTED {c.claim!r}: {c.chunk_id} {c.reason}"
            for _, c in false_results
            if c.verdict == "supported"
        ),
    ]
    return rate, "\n".join(lines)


def test_claims_checked_against_their_own_file(evidence, embed):
    true_results, false_results = _run(lambda entry: evidence[entry["file"]], embed)

    def backed(entry: dict, check: ClaimCheck) -> bool:
        return check.verdict == "supported" and check.chunk_id.startswith(entry["file"] + ":")

    rate, report = _report(true_results, false_results, backed)
    print(report)
    assert rate >= MIN_SUPPORT_RATE, report
    assert all(c.verdict != "supported" for _, c in false_results), report
    # Most false claims state a wrong number, direction or share: the checker says which.
    contradicted = [c for _, c in false_results if c.verdict == "contradicted"]
    assert len(contradicted) >= len(false_results) // 2, report
    assert all(c.chunk_id and c.reason.startswith("Contradicted:") for c in contradicted)
    assert all(0 < c.score <= 1 and c.reason for _, c in true_results)


def test_claims_checked_against_the_whole_corpus(evidence, embed):
    everything = [item for items in evidence.values() for item in items]
    true_results, false_results = _run(lambda entry: everything, embed)

    def backed(entry: dict, check: ClaimCheck) -> bool:
        if check.verdict != "supported":
            return False
        return _family(check.chunk_id.split(":")[0]) == _family(entry["file"])

    rate, report = _report(true_results, false_results, backed)
    print(report)
    assert rate >= MIN_SUPPORT_RATE, report
    assert all(c.verdict != "supported" for _, c in false_results), report


def _falsified(claim: str) -> list[str]:
    """The claim with its last written number changed, and with its company swapped."""
    variants = []
    numbers = [n for n in facts_in(claim).numbers if not n.spelled]
    if numbers:
        digits = re.search(r"\d[\d,]*(?:\.\d+)?", numbers[-1].raw).group()
        value = float(digits.replace(",", ""))
        if value != int(value):
            changed = f"{value * 1.5:g}"
        else:
            bigger = int(value) + (3 if value < 100 else int(value * 0.3))
            changed = f"{bigger:,}" if "," in digits else str(bigger)
        variants.append(claim.replace(digits, changed, 1))
    for company in COMPANIES:
        if company in claim:
            other = COMPANIES[(COMPANIES.index(company) + 3) % len(COMPANIES)]
            variants.append(claim.replace(company, other))
            break
    return variants


def test_falsified_true_claims_are_never_supported(evidence, embed):
    everything = [item for items in evidence.values() for item in items]
    wrongly = []
    total = 0
    for entry in FACTS:
        variants = [v for fact in entry["facts"] for v in _falsified(fact["claim"])]
        total += len(variants)
        for pool in (evidence[entry["file"]], everything):
            wrongly += [c for c in check_claims(variants, pool, embed) if c.verdict == "supported"]
    assert total >= 80
    assert not wrongly, "\n".join(f"{c.claim!r} <- {c.chunk_id}: {c.reason}" for c in wrongly)


def test_without_an_embedding_model_term_overlap_decides(evidence):
    true_results, false_results = _run(lambda entry: evidence[entry["file"]], None)

    def backed(entry: dict, check: ClaimCheck) -> bool:
        return check.verdict == "supported" and check.chunk_id.startswith(entry["file"] + ":")

    rate, report = _report(true_results, false_results, backed)
    print(report)
    assert rate >= MIN_SUPPORT_RATE, report
    assert all(c.verdict != "supported" for _, c in false_results), report
