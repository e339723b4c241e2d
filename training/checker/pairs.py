"""Training pairs for the claim checker, made from the `dev` documents only.

As MiniCheck does, true claims come from what a passage says and false ones from perturbing
it: a number swapped for another one of the document or moved off its value, a direction
reversed, a negation added or dropped, a name swapped, a sentence from elsewhere in the
document shown against a passage that does not state it. The labelled `dev` claims
(evals/claims) add real paraphrases, derived numbers and false claims as a writer makes them.
The `test` documents are never read here.

    python -m training.checker.pairs --out build/checker/pairs.jsonl [--seed 7]

Each line: {"prompt": ..., "label": 1|0, "kind": ..., "document": ..., "split": ...}; the
prompt is `postgraph.llm.checker.checker_prompt(passage, claim)`, the same one the judge sends.
The pairs of two dev documents are `calibration`, never trained on: the threshold is chosen
on them, and their accuracy is the checker's accuracy on documents it has not seen.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import re
from collections import Counter
from pathlib import Path

from evals.claimset import document_evidence, load, splits
from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.names import names_in
from postgraph.llm.checker import checker_prompt
from postgraph.text import split_sentences, stem, terms

# Reversing one of these turns a true statement about a change into a false one.
OPPOSITES = {
    "rose": "fell", "fell": "rose", "increased": "decreased", "decreased": "increased",
    "improved": "worsened", "worsened": "improved", "regressed": "improved", "grew": "shrank",
    "shrank": "grew", "dropped": "climbed", "climbed": "dropped", "higher": "lower", "lower": "higher",
    "faster": "slower", "slower": "faster", "more": "fewer", "fewer": "more", "above": "below",
    "below": "above", "before": "after", "after": "before", "passed": "failed", "failed": "passed",
    "up": "down", "down": "up", "gained": "lost", "lost": "gained", "cut": "raised", "raised": "cut",
    "added": "removed", "removed": "added", "larger": "smaller", "smaller": "larger",
    "doubled": "halved", "halved": "doubled", "blocked": "allowed", "kept": "dropped",
    "reduced": "increased", "saved": "cost", "better": "worse", "worse": "better",
}
_AUXILIARY = re.compile(r"\b(is|was|were|are|did|does|do|can|will|has|had|have|could|would)\b(?! not)")
_NEGATION = re.compile(r"\s+(?:not|never)\b")
_NUMBER = re.compile(r"(?<![\w.@])\d+(?:[.,]\d+)?(?![\w.]?\d)")
CALIBRATION_DOCUMENTS = ("labeling-workflow-notes.txt", "quantizing-small-model-cpu.md")
_FRAMES = ("{s}", "{s}", "{s}", "In our notes, {l}", "We found that {l}", "Worth knowing: {l}",
           "Our team saw this: {l}", "The short version: {l}")


def _lower_first(sentence: str) -> str:
    return sentence[:1].lower() + sentence[1:] if sentence[:2].isalpha() and not sentence[:2].isupper() else sentence


def _claimlike(sentence: str) -> bool:
    words = sentence.split()
    return 6 <= len(words) <= 45 and not sentence.lstrip().startswith(("#", "|", "---"))


def _shift(number: str, rng: random.Random) -> str:
    """A different value written the same way (decimals kept, commas kept)."""
    plain = number.replace(",", "")
    value = float(plain)
    for _ in range(10):
        factor = rng.choice((0.5, 0.7, 0.8, 1.25, 1.4, 1.6, 2.0, 3.0))
        shifted = value * factor
        if "." in plain:
            places = len(plain.split(".")[1])
            text = f"{shifted:.{places}f}"
        else:
            text = str(max(1, round(shifted)))
            if "," in number and len(text) > 3:
                text = f"{int(text):,}"
        if text != number and float(text.replace(",", "")) != value:
            return text
    return str(int(value) + 7)


def perturbations(sentence: str, document_numbers: list[str], document_names: list[str],
                  rng: random.Random) -> list[tuple[str, str]]:
    """False variants of a true sentence: (kind, text)."""
    out: list[tuple[str, str]] = []
    numbers = [m for m in _NUMBER.finditer(sentence)]
    if numbers:
        match = rng.choice(numbers)
        others = [n for n in document_numbers if n != match.group()]
        replacement = rng.choice(others) if others and rng.random() < 0.5 else _shift(match.group(), rng)
        out.append(("number", sentence[:match.start()] + replacement + sentence[match.end():]))
        if len(numbers) >= 2:
            a, b = numbers[0], numbers[1]
            if a.group() != b.group():
                swapped = (sentence[:a.start()] + b.group() + sentence[a.end():b.start()] + a.group()
                           + sentence[b.end():])
                out.append(("number_swap", swapped))
    flips = [m for m in re.finditer(r"\b\w+\b", sentence) if m.group().lower() in OPPOSITES]
    if flips:
        match = rng.choice(flips)
        word = OPPOSITES[match.group().lower()]
        word = word.capitalize() if match.group()[0].isupper() else word
        out.append(("direction", sentence[:match.start()] + word + sentence[match.end():]))
    negation = _NEGATION.search(sentence)
    if negation:
        out.append(("negation_dropped", sentence[:negation.start()] + sentence[negation.end():]))
    else:
        auxiliary = _AUXILIARY.search(sentence)
        if auxiliary:
            out.append(("negation_added", sentence[:auxiliary.end()] + " not" + sentence[auxiliary.end():]))
    names = [n for n in names_in(sentence) if n in sentence]
    if names:
        name = rng.choice(names)
        others = [n for n in document_names if n.lower() != name.lower() and n not in sentence]
        if others:
            out.append(("name", sentence.replace(name, rng.choice(others), 1)))
    return out


def _overlap(a: str, b: str) -> int:
    return len({stem(t) for t in terms(a)} & {stem(t) for t in terms(b)})


def document_pairs(document: str, rng: random.Random) -> list[dict]:
    evidence = list(document_evidence(document))
    sentences = [(item.text, s) for item in evidence for s in split_sentences(item.text) if _claimlike(s)]
    numbers = [m.group() for item in evidence for m in _NUMBER.finditer(item.text)]
    names = sorted({n for item in evidence for n in names_in(item.text)})
    rows: list[dict] = []

    def add(passage: str, claim: str, label: int, kind: str) -> None:
        rows.append({"prompt": checker_prompt(passage, claim), "label": label, "kind": kind, "document": document,
                     "split": "calibration" if document in CALIBRATION_DOCUMENTS else "train"})

    for passage, sentence in sentences:
        if facts_in(sentence).empty and rng.random() < 0.5:
            continue
        for frame in rng.sample(_FRAMES[2:], 2):
            add(passage, frame.format(s=sentence, l=_lower_first(sentence)), 1, "stated")
        variants = perturbations(sentence, numbers, names, rng)
        for kind, text in rng.sample(variants, min(2, len(variants))):
            add(passage, text, 0, kind)
        elsewhere = [s for p, s in sentences if p != passage and _overlap(s, passage) <= 2]
        if elsewhere and rng.random() < 0.35:
            add(passage, rng.choice(elsewhere), 0, "elsewhere")
    for claim in load("dev"):
        if claim.document != document or claim.label == "no_claim":
            continue
        anchor = " ".join(claim.evidence) or claim.claim
        passage = max(evidence, key=lambda item: (_overlap(anchor, item.text), -len(item.text))).text
        add(passage, claim.claim, int(claim.label == "supported"), f"labelled_{claim.label}")
    return rows


def build(seed: int) -> list[dict]:
    rng = random.Random(seed)
    rows = [row for document in splits()["dev"] for row in document_pairs(document, rng)]
    rng.shuffle(rows)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rows = build(args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    text = "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows)
    args.out.write_text(text, encoding="utf-8")
    kinds = Counter(row["kind"] for row in rows)
    labels = Counter(row["label"] for row in rows)
    calibration = sum(row["split"] == "calibration" for row in rows)
    print(json.dumps({"pairs": len(rows), "true": labels[1], "false": labels[0], "calibration": calibration,
                      "calibration_documents": list(CALIBRATION_DOCUMENTS), "kinds": dict(kinds),
                      "sha256": hashlib.sha256(text.encode()).hexdigest()}, indent=1))


if __name__ == "__main__":
    main()
