"""The few-shot completion scaffold around a post: evidence in as numbered notes, the post out
of the model's continuation. The drafter and the reviser both write through it."""

from __future__ import annotations

import re

from postgraph.domain import Evidence
from postgraph.post.edits import clean_model_post

NOTE_CHARS = 700
# Where a completion has finished the post and starts the next few-shot example.
COMPLETION_STOP = ["\nNotes:", "\nAudience:", "\nPost:", "\n\n\n"]
NOTE_MARKER = re.compile(r"\s*\[(\d+)\]")


def notes_block(evidence: list[Evidence]) -> str:
    """Evidence as numbered notes. Sources are data: they are quoted, never obeyed."""
    lines = []
    for number, item in enumerate(evidence, start=1):
        text = " ".join(item.text.split())
        lines.append(f"[{number}] {text[:NOTE_CHARS]}")
    return "\n".join(lines)


def post_from_completion(text: str) -> str:
    """The post a completion wrote: note markers ("[2]") and scaffold lines removed."""
    return clean_model_post(NOTE_MARKER.sub("", text))
