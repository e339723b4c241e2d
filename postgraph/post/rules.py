"""Deterministic LinkedIn rules: what code can check about a post without a model.

`check_post` returns CritiqueIssues (source="rules") with stable codes and an instruction
the reviser can follow; `apply_format_fixes` repairs what code can repair without touching
the content (Markdown, hashtags, blank lines, trailing spaces).

Codes:
    empty_post           nothing but whitespace (or only hashtags)
    too_long_chars       over LinkedIn's character limit
    no_hook              the first line is not a sentence a reader can be drawn in by
    hook_too_long        the first line is longer than the "...see more" fold
    long_paragraph       a paragraph with more sentences than a phone screen reads well
    too_many_hashtags    more distinct hashtags than allowed
    too_few_hashtags     fewer hashtags than required
    duplicate_hashtags   the same hashtag twice
    hashtags_not_at_end  hashtags inside the text instead of on the last line
    markdown_heading     "# Heading" lines, shown raw by LinkedIn
    markdown_formatting  **bold**, __bold__ or `code` markers, shown raw by LinkedIn
    length_off_target    word count outside target_words +- tolerance
    missing_point        a key point or requested fact of the plan is not covered
"""

from __future__ import annotations

import re

from postgraph.domain import CritiqueIssue, Plan
from postgraph.factcheck.facts import facts_in
from postgraph.text import (
    collapse_blank_lines,
    has_markdown_emphasis,
    hashtags,
    hashtags_at_end,
    hook,
    is_bullet,
    is_hashtag_line,
    lines,
    markdown_headings,
    move_hashtags_to_end,
    paragraphs,
    split_sentences,
    stem,
    strip_markdown,
    terms,
    unique_hashtags,
    word_count,
)

LINKEDIN_MAX_CHARS = 3000
# Words that say nothing about which point a sentence makes.
GENERIC_WORDS = frozenset(
    "how why about also can could would should will just more most very really much many "
    "use used using make made get got one two new like thing things way ways lot lots".split()
)
POINT_COVERAGE = 0.5  # share of a point's content words the post must contain


def check_post(
    post: str,
    plan: Plan | None,
    *,
    max_chars: int = LINKEDIN_MAX_CHARS,
    hook_max_chars: int = 200,
    max_paragraph_sentences: int = 3,
    min_hashtags: int = 0,
    max_hashtags: int = 5,
    length_tolerance: float = 0.2,
) -> list[CritiqueIssue]:
    """Every rule the post breaks, in a stable order (format first, then length and content).

    `max_paragraph_sentences` is 3: LinkedIn is read on phones, where a fourth sentence makes
    a wall of text; bullet lists are exempt (each item is its own line).
    """
    body_only = "\n".join(line for line in post.splitlines() if not is_hashtag_line(line))
    if not body_only.strip():
        return [
            _issue(
                "empty_post",
                "The post is empty." if not post.strip() else "The post has only hashtags.",
                "Write the post: a one-line hook, two to four short paragraphs built from the "
                "plan's key points and the evidence, then the hashtags on the last line.",
            )
        ]
    issues: list[CritiqueIssue] = []
    issues += _length_in_chars(post, max_chars)
    issues += _hook(post, hook_max_chars)
    issues += _paragraphs(post, max_paragraph_sentences)
    issues += _hashtags(post, min_hashtags, max_hashtags)
    issues += _markdown(post)
    if plan is not None:
        issues += _length_in_words(post, plan.target_words, length_tolerance)
        issues += _missing_points(post, plan)
    return issues


def apply_format_fixes(post: str, *, max_hashtags: int = 5) -> str:
    """The post with what code can fix safely fixed, and nothing else changed.

    Markdown headings become plain lines, emphasis and code markers go, '*' bullets become
    "- "; hashtags move to one final line (an inline "#MLOps" keeps its word in the
    sentence), deduplicated and capped at `max_hashtags`; runs of blank lines collapse to
    one and trailing spaces go. No words are added, so no facts can be.
    """
    fixed = strip_markdown(post)
    fixed = move_hashtags_to_end(fixed, max_tags=max_hashtags)
    return collapse_blank_lines(fixed).strip()


# -- individual rules ------------------------------------------------------------------------


def _issue(code: str, problem: str, instruction: str) -> CritiqueIssue:
    return CritiqueIssue(code=code, problem=problem, instruction=instruction, source="rules")


def _length_in_chars(post: str, max_chars: int) -> list[CritiqueIssue]:
    length = len(post)
    if length <= max_chars:
        return []
    return [
        _issue(
            "too_long_chars",
            f"The post has {length} characters; the limit is {max_chars}.",
            f"Cut at least {length - max_chars} characters: drop the least important paragraph "
            "or example and shorten long sentences. Keep the hook and every cited number.",
        )
    ]


def _hook(post: str, hook_max_chars: int) -> list[CritiqueIssue]:
    first = hook(post)
    not_a_sentence = is_hashtag_line(first) or is_bullet(first) or re.fullmatch(r"https?://\S+", first)
    if not_a_sentence or len(first.split()) < 3:
        return [
            _issue(
                "no_hook",
                f"The post does not open with a hook; its first line is {first!r}.",
                "Start with one short sentence on its own line that states the surprising "
                "result or the tension of the story (for example the key number and what it "
                "cost or saved), then a blank line.",
            )
        ]
    sentences = split_sentences(first)
    if len(first) > hook_max_chars:
        return [
            _issue(
                "hook_too_long",
                f"The first line has {len(first)} characters; only about {hook_max_chars} show "
                "before LinkedIn's \"...see more\".",
                f"Rewrite the first line as one sentence of at most {hook_max_chars} characters "
                "and move the rest of it to the next paragraph.",
            )
        ]
    if len(sentences) > 2:
        return [
            _issue(
                "hook_too_long",
                f"The first line holds {len(sentences)} sentences.",
                "Keep only the strongest sentence on the first line and move the others to the "
                "next paragraph, after a blank line.",
            )
        ]
    return []


def _paragraphs(post: str, max_sentences: int) -> list[CritiqueIssue]:
    issues = []
    for number, block in enumerate(paragraphs(post), start=1):
        prose = [line for line in lines(block) if not is_bullet(line) and not is_hashtag_line(line)]
        count = sum(len(split_sentences(line)) for line in prose)
        if count > max_sentences:
            opening = " ".join(" ".join(prose).split()[:8])
            issues.append(
                _issue(
                    "long_paragraph",
                    f"Paragraph {number} (\"{opening} ...\") has {count} sentences; the limit "
                    f"is {max_sentences}.",
                    f"Split paragraph {number} into paragraphs of at most {max_sentences} "
                    "sentences separated by blank lines, or cut the sentences that repeat.",
                )
            )
    return issues


def _hashtags(post: str, min_tags: int, max_tags: int) -> list[CritiqueIssue]:
    tags = hashtags(post)
    distinct = unique_hashtags(tags)
    issues = []
    if len(distinct) > max_tags:
        issues.append(
            _issue(
                "too_many_hashtags",
                f"The post uses {len(distinct)} hashtags: {' '.join(distinct)}; the limit is {max_tags}.",
                f"Keep at most {max_tags} hashtags, the most specific to the topic, and drop the rest.",
            )
        )
    if len(distinct) < min_tags:
        issues.append(
            _issue(
                "too_few_hashtags",
                f"The post uses {len(distinct)} hashtags; at least {min_tags} are required.",
                f"Add {min_tags - len(distinct)} hashtag(s) naming the post's topic on the last "
                "line (for example the technique or the field), not the company.",
            )
        )
    if len(tags) > len(distinct):
        repeated = sorted({t for t in tags if sum(u.lower() == t.lower() for u in tags) > 1}, key=str.lower)
        issues.append(
            _issue(
                "duplicate_hashtags",
                f"Hashtags repeated: {' '.join(repeated)}.",
                "Use each hashtag once, on the last line.",
            )
        )
    if tags and not hashtags_at_end(post):
        issues.append(
            _issue(
                "hashtags_not_at_end",
                "Hashtags appear inside the text instead of on the last line.",
                "Write the sentences without '#' and put all hashtags together on the last line, "
                "after a blank line.",
            )
        )
    return issues


def _markdown(post: str) -> list[CritiqueIssue]:
    issues = []
    headings = markdown_headings(post)
    if headings:
        issues.append(
            _issue(
                "markdown_heading",
                f"LinkedIn shows Markdown headings raw: {headings[0]!r}"
                + (f" and {len(headings) - 1} more" if len(headings) > 1 else "")
                + ".",
                "Remove the '#' heading marks: write a plain sentence or fold the heading into "
                "the paragraph that follows.",
            )
        )
    if has_markdown_emphasis(post):
        issues.append(
            _issue(
                "markdown_formatting",
                "LinkedIn shows **bold**, __bold__ and `code` markers raw.",
                "Remove the Markdown markers and keep the plain words.",
            )
        )
    return issues


def _length_in_words(post: str, target: int, tolerance: float) -> list[CritiqueIssue]:
    words = word_count(post)
    low = max(1, round(target * (1 - tolerance)))
    high = round(target * (1 + tolerance))
    if low <= words <= high:
        return []
    if words > high:
        return [
            _issue(
                "length_off_target",
                f"The post has {words} words; the target is {target} ({low}-{high}).",
                f"Cut about {words - target} words (at least {words - high}): drop repetition "
                "and the weakest example, keep the hook, the cited numbers and the takeaway.",
            )
        ]
    return [
        _issue(
            "length_off_target",
            f"The post has {words} words; the target is {target} ({low}-{high}).",
            f"Add about {target - words} words (at least {low - words}) using only facts from "
            "the evidence: a concrete detail, what it changed, or what the reader can do.",
        )
    ]


def _missing_points(post: str, plan: Plan) -> list[CritiqueIssue]:
    issues = []
    post_stems = _content_stems(post)
    post_facts = facts_in(post)
    for kind, items in (("key point", plan.key_points), ("requested fact", plan.requested_facts)):
        for point in items:
            missing_words, missing_numbers = _uncovered(point, post_stems, post_facts)
            if not missing_words and not missing_numbers:
                continue
            detail = []
            if missing_numbers:
                detail.append("numbers not in the post: " + ", ".join(missing_numbers))
            if missing_words:
                detail.append("words not in the post: " + ", ".join(missing_words))
            if kind == "requested fact":
                instruction = (
                    f"The user asked for this fact: \"{point}\". State it with its exact numbers "
                    "if the evidence supports it; if it does not, say plainly that the sources "
                    "do not support it instead of guessing."
                )
            else:
                instruction = f"Cover this key point of the plan in its own sentence: \"{point}\"."
            problem = f"The post does not cover the {kind} \"{point}\" ({'; '.join(detail)})."
            issues.append(_issue("missing_point", problem, instruction))
    return issues


def _content_stems(text: str) -> dict[str, str]:
    """stem -> first word with that stem, for content words (5-letter prefixes)."""
    stems: dict[str, str] = {}
    for term in terms(text):
        if term in GENERIC_WORDS or len(term) < 2 or any(c.isdigit() for c in term):
            continue
        stems.setdefault(stem(term), term)
    return stems


def _uncovered(point: str, post_stems: dict[str, str], post_facts) -> tuple[list[str], list[str]]:
    """Words and numbers of `point` the post lacks; words only count when under half are
    present (lenient: a point can be paraphrased), numbers always (they must be exact)."""
    stems = _content_stems(point)
    missing = [word for stem, word in stems.items() if stem not in post_stems]
    covered = len(stems) - len(missing)
    words_ok = not stems or covered / len(stems) >= POINT_COVERAGE
    numbers = [
        n.raw for n in facts_in(point).numbers if not any(n.backed_by(m) for m in post_facts.numbers)
    ]
    return ([] if words_ok else missing), numbers
