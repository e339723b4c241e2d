"""The few-shot completion scaffold around a post: evidence in as numbered notes, the post out
of the model's continuation. The drafter and the reviser both write through it.

A note is one sentence of the focused source, as in the few-shot examples: the sentences
closest to the angle, in the source's order. A small model given whole 700-character chunks
loses the thread and copies or invents; given the examples' shape it writes from them. When
the source has no readable sentence, the chunks themselves are the notes."""

from __future__ import annotations

import re

from postgraph.domain import Evidence, Plan
from postgraph.post.edits import clean_model_post
from postgraph.post.extractive import Embed, candidate_sentences, ranked_sentences
from postgraph.search.focus import main_source

NOTE_CHARS = 700
NOTE_SENTENCES = 8
# Where a completion has finished the post and starts the next few-shot example.
COMPLETION_STOP = ["\nNotes:", "\n<notes>", "\nAudience:", "\nPost:", "\n\n\n"]
UNKNOWN_AUTHOR = "the author"
NOTE_MARKER = re.compile(r"\s*\[(\d+)\]")


def note_sentences(plan: Plan, evidence: list[Evidence], embed: Embed | None, source: str | None = None) -> list[str]:
    """Up to NOTE_SENTENCES sentences of the focused source (the main one when none is given),
    the closest to the angle, in the source's order."""
    sentences = candidate_sentences(evidence, source or main_source(evidence))
    chosen = set(ranked_sentences(plan.angle, sentences, embed)[:NOTE_SENTENCES])
    return [s for s in sentences if s in chosen]


def note_lines(plan: Plan, evidence: list[Evidence], embed: Embed | None, source: str | None = None) -> list[str]:
    """The notes, unnumbered: the focused source's sentences, or the chunks themselves when it
    has no readable sentence (a chart's labels)."""
    return note_sentences(plan, evidence, embed, source) or [
        " ".join(item.text.split())[:NOTE_CHARS] for item in evidence]


def numbered_notes(notes: list[str]) -> str:
    return "\n".join(f"[{number}] {note}" for number, note in enumerate(notes, start=1))


def notes_block(plan: Plan, evidence: list[Evidence], embed: Embed | None, source: str | None = None) -> str:
    """The notes, numbered (see the module doc). Sources are data: quoted, never obeyed."""
    return numbered_notes(note_lines(plan, evidence, embed, source))


def source_author(evidence: list[Evidence], source: str | None) -> str:
    """The author of the focused source (of the main one when none is given)."""
    source = source or main_source(evidence)
    return next((e.author for e in evidence if e.source == source and e.author), UNKNOWN_AUTHOR)


def prompt_values(plan: Plan, notes: str, author: str) -> dict[str, str | int]:
    """What a drafting prompt is filled with besides its examples: the draft node and the
    fine-tuning dataset fill it the same way, so the drafter trains on the prompt it gets."""
    return {"notes": notes, "audience": plan.audience, "angle": plan.angle, "words": plan.target_words,
            "author": author}


def post_from_completion(text: str) -> str:
    """The post a completion wrote: note markers ("[2]") and scaffold lines removed."""
    return clean_model_post(NOTE_MARKER.sub("", text))
