"""The notes of a drafter training example, built the way the draft node builds them.

A training example pairs a request with the numbered notes the draft node would hand the
drafter and the post a good writer would publish from them. The notes come from
`postgraph.post.notes.notes_block` over the document's chunks, parsed and chunked as ingestion
does it, ranked by the same embedding model, so the model is trained on exactly the input it
sees at run time.

Example kinds:
- `single`: the notes of one document for the request's angle;
- `lacking`: the same, for a request that asks for something the notes do not hold (the
  post says what the notes support and invents nothing);
- `two_sources`: the notes of the document the request is about, followed by a few sentences
  of `other_document`, which does not fit it (the post uses only the first).

    python -m training.drafter.notes --in REQUESTS.jsonl --out EXAMPLES.jsonl

Each input line has id, author, document, request, angle, audience, words and kind (and
other_document for two_sources); the output line adds notes and focus_notes
(how many of the notes are the document's own). Lines that already have notes
and a post keep their post: only the notes are rebuilt, and a changed note is reported.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from evals.claimset import cached, document_evidence
from postgraph.domain import Plan
from postgraph.post.extractive import Embed, candidate_sentences, ranked_sentences
from postgraph.post.notes import note_lines, numbered_notes

KINDS = ("single", "lacking", "two_sources")
OTHER_SOURCE_NOTES = 3


def example_plan(row: dict) -> Plan:
    return Plan(angle=row["angle"], audience=row["audience"], queries=[row["request"]],
                target_words=int(row["words"]))


def example_notes(row: dict, embed: Embed) -> str:
    """The numbered notes for one example row (see the module doc for the kinds)."""
    if row["kind"] not in KINDS:
        raise ValueError(f"{row['id']}: kind {row['kind']!r} is not one of {', '.join(KINDS)}")
    plan = example_plan(row)
    evidence = list(document_evidence(row["document"]))
    notes = note_lines(plan, evidence, embed, evidence[0].source)
    row["focus_notes"] = len(notes)
    if row["kind"] == "two_sources":
        other = list(document_evidence(row["other_document"]))
        sentences = candidate_sentences(other, other[0].source)
        notes += ranked_sentences(plan.angle, sentences, embed)[:OTHER_SOURCE_NOTES]
    return numbered_notes(notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--in", dest="source", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    from postgraph.search.embeddings import OnnxMiniLMEmbeddings

    embed = cached(OnnxMiniLMEmbeddings().embed_documents)
    rows = [json.loads(line) for line in args.source.read_text(encoding="utf-8").splitlines() if line.strip()]
    changed = 0
    for row in rows:
        notes = example_notes(row, embed)
        if row.get("notes") and row["notes"] != notes:
            changed += 1
            print(f"{row['id']}: notes changed", file=sys.stderr)
        row["notes"] = notes
    args.out.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    print(f"{len(rows)} examples, {changed} with changed notes -> {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
