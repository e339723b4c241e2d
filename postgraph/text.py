"""Plain-text helpers for posts and the sources they come from: sentences, paragraphs, words,
terms and stems, hashtags, Markdown. One home for them, below every wing that reads text
(fact-check, post rules, keyword search).

LinkedIn renders plain text: line breaks are kept, Markdown is not. So a line break always
ends a sentence here (a hook line has no full stop and must not run into the next line), a
hashtag line stays its own unit, and Markdown is turned into the plain text a reader would
see (headings become ordinary lines, emphasis markers go, list items become "- " lines).

Nothing here calls a model or touches the disk.
"""

from __future__ import annotations

import re

# Abbreviations after which a full stop does not end a sentence (compared lowercased,
# without the final dot). "etc" is left out: it ends sentences more often than not.
ABBREVIATIONS = frozenset(
    "e.g i.e vs cf approx ca no nos fig figs eq mr mrs ms dr prof st jr sr inc ltd co corp "
    "dept est min max avg incl excl resp al viz u.s u.k".split()
)

HASHTAG = re.compile(r"(?<![\w#/&@])#([A-Za-z][A-Za-z0-9_]*)")
# One tag, then more tags each after optional separators: the separators cannot be shared
# between two repetitions, so a long line that is not all hashtags fails in linear time (the
# older "(?:\s*#tag[\s,]*)+" backtracked exponentially: 30 tags and a word hung the critique).
_HASHTAG_LINE = re.compile(r"^\s*#[A-Za-z][A-Za-z0-9_]*(?:[\s,]*#[A-Za-z][A-Za-z0-9_]*)*[\s,]*$")
_HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)(?:[-*+•▪◦‣–]|\d{1,2}[.)])\s+")
_UNORDERED_BULLET = re.compile(r"^(\s*)[*+•▪◦‣–]\s+")
_RULE = re.compile(r"^\s{0,3}(?:[-*_]\s*){3,}$")
_WORD = re.compile(r"[A-Za-z0-9\u00C0-\u024F]+(?:['’.,\-][A-Za-z0-9\u00C0-\u024F]+)*")
# A candidate sentence end: terminal punctuation, optional closing quotes/brackets, spaces.
_END = re.compile(r"[.!?…]+[\"'”’)\]]*\s+")
_STARTS_SENTENCE = re.compile(r"[\"'“‘(\[]*[A-Z0-9#@$€£]|[^\w\s]")
_LIST_NUMBER = re.compile(r"^\(?\d{1,2}[.)]$")
# Numbers such as 3.5, 1,200 and 95th stay whole: the fact-checker and readers search by them.
TOKEN_PATTERN = re.compile(r"[a-z0-9]+(?:[.,][0-9]+)*")
STOPWORDS = frozenset(
    "a an and are as at be but by for from has have in into is it its of on or that the "
    "their then there these this to was we were what when which with our you your".split()
)


# -- lines, paragraphs and sentences ---------------------------------------------------------


def is_hashtag_line(line: str) -> bool:
    """True for a line made only of hashtags (separated by spaces or commas)."""
    return bool(line.strip()) and bool(_HASHTAG_LINE.match(line))


def is_bullet(line: str) -> bool:
    return bool(_BULLET.match(line))


def paragraphs(post: str) -> list[str]:
    """Blocks of text separated by blank lines, stripped, empty ones dropped."""
    blocks = re.split(r"\n\s*\n", post.replace("\r\n", "\n").replace("\r", "\n"))
    return [block.strip() for block in blocks if block.strip()]


def lines(post: str) -> list[str]:
    """Non-empty lines, stripped of surrounding whitespace."""
    return [line.strip() for line in post.splitlines() if line.strip()]


def split_sentences(post: str) -> list[str]:
    """Sentences of a post, in order.

    Every line break ends a sentence; within a line a sentence ends at . ! ? (or an
    ellipsis) followed by a space and a capital letter, digit, quote or symbol, except after
    an abbreviation ("e.g.", "vs.", "Dr."), an initial ("J. Smith") or a list number ("2.").
    Decimals (3.5), versions (v2.1.0) and metrics (p95, recall@10) never split. A hashtag
    line is returned whole, as its own item. List markers stay on their item.
    """
    sentences: list[str] = []
    for line in lines(post):
        if is_hashtag_line(line):
            sentences.append(line)
            continue
        sentences.extend(_split_line(line))
    return sentences


def sentence_key(sentence: str) -> str:
    """A sentence as a reader compares two: spacing and case aside."""
    return " ".join(sentence.split()).lower()


def _split_line(line: str) -> list[str]:
    pieces: list[str] = []
    start = 0
    for match in _END.finditer(line):
        end = match.end()
        rest = line[end:]
        if not rest or not _STARTS_SENTENCE.match(rest):
            continue
        candidate = line[start : match.start() + len(match.group().rstrip())]
        # "e.g." or "J." is no sentence end; a lone "2." is a list number opening the next one.
        if _is_abbreviation_end(candidate) or _LIST_NUMBER.match(candidate.strip()):
            continue
        pieces.append(candidate.strip())
        start = end
    tail = line[start:].strip()
    if tail:
        pieces.append(tail)
    return [p for p in pieces if p]


def _is_abbreviation_end(candidate: str) -> bool:
    """True when the final dot of `candidate` belongs to an abbreviation or an initial."""
    stripped = candidate.rstrip("\"'”’)] ")
    if not stripped.endswith("."):
        return False
    words = stripped[:-1].split()
    if not words:
        return True
    last = words[-1].lstrip("(\"'“‘[")
    if last.lower() in ABBREVIATIONS:
        return True
    # A single capital letter is an initial ("J. R. Okonjo"; "plan A. Then" loses a split).
    if len(last) == 1 and last.isalpha() and last.isupper():
        return True
    return bool(re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", last))  # dotted: U.S., a.m.


# -- words and hooks -------------------------------------------------------------------------


def words(text: str, *, include_hashtags: bool = False) -> list[str]:
    """The words of a text: runs of letters/digits, keeping 3.5, 1,200, don't and A-B whole.

    Hashtags are not words of the post unless `include_hashtags` is true; Markdown and
    bullet symbols are never words.
    """
    if not include_hashtags:
        text = HASHTAG.sub(" ", text)
    return _WORD.findall(text)


def word_count(text: str, *, include_hashtags: bool = False) -> int:
    return len(words(text, include_hashtags=include_hashtags))


def stem(term: str) -> str:
    """A crude, stable stem for overlap counting: plural 's' dropped, then the first five
    letters (reindexed ~ reindex, deployments ~ deploy, sets ~ set). Numbers stay whole."""
    if any(ch.isdigit() for ch in term):
        return term
    if len(term) > 3 and term.endswith("s") and not term.endswith("ss"):
        term = term[:-1]
    return term[:5]


def terms(text: str) -> list[str]:
    """Lowercased content terms, stopwords dropped: what keyword search and overlap counts read."""
    return [t for t in TOKEN_PATTERN.findall(text.lower()) if t not in STOPWORDS]


def hook(post: str) -> str:
    """The first line a reader sees before "...see more": the first non-empty line."""
    for line in post.splitlines():
        if line.strip():
            return line.strip()
    return ""


# -- hashtags --------------------------------------------------------------------------------


def hashtags(text: str) -> list[str]:
    """Hashtags in order of appearance, with their '#', as written (duplicates kept).

    "#1" (a number), "C#", URL fragments and Markdown headings ("# Title") are not hashtags.
    """
    return ["#" + tag for tag in HASHTAG.findall(text)]


def unique_ignoring_case(items: list[str]) -> list[str]:
    """Items deduplicated case-insensitively, keeping the first spelling and the order."""
    seen: set[str] = set()
    result = []
    for item in items:
        key = item.lower()
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def unique_hashtags(tags: list[str]) -> list[str]:
    """Tags deduplicated case-insensitively, keeping the first spelling and the order."""
    return unique_ignoring_case(tags)


def body_and_hashtags(post: str) -> tuple[str, list[str]]:
    """Split a post into its body without hashtags and the hashtags it used, in order.

    Hashtag-only lines are removed; a hashtag inside a sentence keeps its word ("we love
    #MLOps" -> "we love MLOps") so the sentence still reads.
    """
    kept: list[str] = []
    tags: list[str] = []
    for line in post.splitlines():
        if is_hashtag_line(line):
            tags.extend(hashtags(line))
            continue
        tags.extend(hashtags(line))
        kept.append(HASHTAG.sub(lambda m: m.group(1), line))
    body = "\n".join(kept)
    return body, tags


def move_hashtags_to_end(post: str, max_tags: int = 5) -> str:
    """The post with every hashtag on one final line: deduplicated, at most `max_tags`."""
    body, tags = body_and_hashtags(post)
    body = collapse_blank_lines(body).strip()
    tags = unique_hashtags(tags)[: max(max_tags, 0)]
    if not tags:
        return body
    return f"{body}\n\n{' '.join(tags)}" if body else " ".join(tags)


def hashtags_at_end(post: str) -> bool:
    """True when every hashtag of the post sits in its final paragraph of hashtag lines."""
    blocks = paragraphs(post)
    if not blocks:
        return True
    last = blocks[-1]
    last_is_tags = all(is_hashtag_line(line) for line in lines(last))
    inside = blocks[:-1] if last_is_tags else blocks
    return not any(hashtags(block) for block in inside)


# -- Markdown and whitespace -----------------------------------------------------------------


def strip_markdown(text: str) -> str:
    """Plain text as LinkedIn would show it.

    Headings lose their '#' marks; **bold**, __bold__, *italic*, _italic_, ~~strike~~ and
    `code` lose their markers; [text](url) becomes "text (url)"; images keep their alt
    text; '*', '+' and '•' bullets become "- " (numbered items stay); block quotes lose '>';
    horizontal rules are dropped. Underscores inside words (units_ordered) are kept.
    """
    out: list[str] = []
    for line in text.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
        if _RULE.match(line):
            continue
        heading = _HEADING.match(line)
        if heading:
            line = heading.group(2)
        line = re.sub(r"^\s{0,3}>\s?", "", line)
        line = _UNORDERED_BULLET.sub(lambda m: f"{m.group(1)}- ", line)
        line = re.sub(r"!\[([^\]]*)\]\([^)]*\)", r"\1", line)
        line = re.sub(r"\[([^\]]+)\]\(([^)\s]+)\)", r"\1 (\2)", line)
        line = re.sub(r"`([^`]+)`", r"\1", line)
        line = re.sub(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1", r"\2", line)
        line = re.sub(r"~~(?=\S)(.+?)(?<=\S)~~", r"\1", line)
        line = re.sub(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])", r"\1", line)
        line = re.sub(r"(?<!\w)_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)", r"\1", line)
        out.append(line)
    return "\n".join(out)


def markdown_headings(text: str) -> list[str]:
    """Lines written as Markdown headings ("## Results")."""
    return [line.strip() for line in text.splitlines() if _HEADING.match(line)]


def has_markdown_emphasis(text: str) -> bool:
    """True when the text uses **bold**, __bold__ or `code` markers LinkedIn would show raw."""
    return bool(re.search(r"(\*\*|__)(?=\S).+?(?<=\S)\1|`[^`]+`", text))


def collapse_blank_lines(text: str) -> str:
    """Trailing spaces trimmed on every line and runs of blank lines reduced to one."""
    text = "\n".join(line.rstrip() for line in text.replace("\r\n", "\n").split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text)
