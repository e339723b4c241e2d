"""The last pass over every post, written by a model or composed from the sources: what a
reader notices first, fixed in code without adding a fact.

    - Markdown goes and hashtags move to the last line (`rules.apply_format_fixes`);
    - a sentence said twice, a sentence that loops on itself, a sentence lifted from the
      example posts or the prompt, a last sentence the token cap cut off, a numbered heading
      ("2. How do we start?") and a question copied from a source are dropped (`edits`);
    - the first sentence stands alone as the hook (a long one gives way to the first short
      sentence), the rest falls into paragraphs of at most two sentences, list items stay
      one per line;
    - hashtags name the topic: a tag whose words neither the request nor the sources use is
      dropped (small models invent them), unless it names the field (#MLOps), and a post left without one gets up to three from
      the request's terms the sources use most.

Hashtags are labels, not claims, so adding them adds no fact. If the pass would leave
nothing, the post comes back as it was: the caller decides what an empty post means.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence

from postgraph.post.edits import drop_repeated_sentences, drop_unfinished_ending, keep_sentences
from postgraph.post.rules import apply_format_fixes
from postgraph.text import (
    STOPWORDS,
    body_and_hashtags,
    is_bullet,
    paragraphs,
    sentence_key,
    split_sentences,
    stem,
    unique_hashtags,
    words,
)

HOOK_MAX_CHARS = 180
"""A hook shorter than LinkedIn's ~210-character fold, so the whole line shows."""
PARAGRAPH_SENTENCES = 2
MAX_KEPT_HASHTAGS = 5
DERIVED_HASHTAGS = 3
MIN_QUESTION_WORDS = 4
COPIED_RUN_WORDS = 5
"""A sentence sharing this many words in a row with an example post was copied from it."""
# "2. How should I start thinking about monitoring?": a section heading, not a sentence.
NUMBERED_QUESTION = re.compile(r"^\s*\d{1,2}[.)]\s+\S.*\?\s*$")
_TAG_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
_SOURCE_WORD = re.compile(r"[A-Za-z][A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
POSSESSIVE_NAME = re.compile(r"(?:[A-Z][a-z]+\s+)*[A-Z][a-z]+(?='s\b)")
# Tags that name the field, fine on any post in it.
FIELD_TAGS = frozenset(
    "mlops machinelearning ml ai llm llms genai datascience dataengineering deeplearning nlp devops sre "
    "platformengineering softwareengineering engineering leadership".split()
)
# Words too general to make a useful hashtag on their own.
GENERIC_TAG_WORDS = frozenset(
    "post posts write short long about lesson lessons most important newsletter newsletters note notes why how "
    "what when where which who words word engineers engineer managers team teams people week month year "
    "today thing things ways way make made only just more less very first last one two three them they much "
    "many often each every over under into from chose choose chosen cut cuts second seconds mixed moving moved "
    "learned learn taught teach caught says said summarising summarizing treating announcing found find went "
    "did does doing done used using uses edit edits rather than after before change changes changed fell fall "
    "rose rise big small concrete number numbers important key main".split()
)


def finish_post(post: str, topic: str, sources: Sequence[str], never_from: Sequence[str] = ()) -> str:
    """`post` as a reader should get it (see the module doc); `topic` is what the request asked
    about, `sources` the texts the post may draw on, `never_from` texts it must not copy from
    (the few-shot example posts and the prompt's own instructions: a small model copies them)."""
    fixed = apply_format_fixes(post)
    body, tags = body_and_hashtags(fixed)
    copied_questions = {sentence_key(s) for text in sources for s in split_sentences(text) if s.rstrip().endswith("?")}
    borrowed = _word_runs(never_from)

    def keep(sentence: str) -> bool:
        if NUMBERED_QUESTION.match(sentence) or sentence_key(sentence) in copied_questions:
            return False
        if sentence.rstrip().endswith("?") and len(sentence.split()) < MIN_QUESTION_WORDS:
            return False  # "The result?": a tease whose answer fact-checking may have removed
        runs = _word_runs([sentence])
        return not (runs & borrowed) and not _loops(sentence)

    body = keep_sentences(body, keep)
    body = drop_unfinished_ending(drop_repeated_sentences(body))
    if not body.strip():
        return post
    return f"{lay_out(body)}\n\n{' '.join(topic_hashtags(tags, topic, sources))}"


def lay_out(body: str) -> str:
    """The hook alone on the first line, then paragraphs of at most PARAGRAPH_SENTENCES
    sentences (a paragraph break of the original is kept), list items one per line."""
    blocks: list[list[str]] = []  # each block: sentences, or list items
    for paragraph in paragraphs(body):
        prose: list[str] = []
        for sentence in split_sentences(paragraph):
            if is_bullet(sentence):
                if prose:
                    blocks.append(prose)
                    prose = []
                if blocks and blocks[-1] and is_bullet(blocks[-1][-1]):
                    blocks[-1].append(sentence)
                else:
                    blocks.append([sentence])
            else:
                prose.append(sentence)
        if prose:
            blocks.append(prose)
    units = [s for block in blocks for s in block]
    prose_units = [s for s in units if not is_bullet(s)]
    if not prose_units:
        return "\n".join(units)
    hook = next((s for s in prose_units if len(s) <= HOOK_MAX_CHARS and len(s.split()) >= 4), prose_units[0])
    out = [hook]
    for block in blocks:
        block = [s for s in block if s is not hook]
        if not block:
            continue
        if is_bullet(block[0]):
            out.append("\n".join(block))
            continue
        for start in range(0, len(block), PARAGRAPH_SENTENCES):
            out.append(" ".join(block[start : start + PARAGRAPH_SENTENCES]))
    return "\n\n".join(out)


def topic_hashtags(tags: Sequence[str], topic: str, sources: Sequence[str]) -> list[str]:
    """The post's own tags that the request or the sources back (at most MAX_KEPT_HASHTAGS);
    when none is left, up to DERIVED_HASHTAGS made from the request's words that the sources
    use at least twice, the most used first, spelled as the sources spell them (MLOps, GPU);
    two such words the sources also use side by side, twice or more, make one tag
    (#FeatureStore). A person's name ("Ravi Okonjo's") makes no tag."""
    vocabulary = _stems(" ".join([topic, *sources]))
    kept = [tag for tag in unique_hashtags(list(tags))
            if tag[1:].lower() in FIELD_TAGS
            or _tag_stems(tag) and _tag_stems(tag) <= vocabulary and any(_taggable(w) for w in _TAG_WORD.findall(tag[1:]))]
    if kept:
        return kept[:MAX_KEPT_HASHTAGS]
    spelled: dict[str, Counter[str]] = {}
    for text in sources:
        for word in _SOURCE_WORD.findall(text):
            spelled.setdefault(word.lower(), Counter())[word] += 1
    source_text = " ".join(" ".join(_SOURCE_WORD.findall(text.lower())) for text in sources)
    names = {w.lower() for w in _SOURCE_WORD.findall(" ".join(POSSESSIVE_NAME.findall(topic)))}
    wanted = [w.lower() for w in _SOURCE_WORD.findall(topic) if _taggable(w) and w.lower() not in names]
    wanted = [w for w in wanted if sum(spelled.get(w, Counter()).values()) >= 2]
    ranked: list[tuple[int, str]] = []  # (uses in the sources, tag)
    paired: set[str] = set()
    for first, second in zip(wanted, wanted[1:]):
        uses = source_text.count(f"{first} {second}")
        if uses >= 2 and not {first, second} & paired:
            ranked.append((uses * 2, _tag_spelling(spelled[first]) + _tag_spelling(spelled[second])))
            paired |= {first, second}
    ranked += [(sum(spelled[w].values()), _tag_spelling(spelled[w])) for w in dict.fromkeys(wanted) if w not in paired]
    ranked.sort(key=lambda item: -item[0])
    derived = list(dict.fromkeys(tag for _, tag in ranked))[:DERIVED_HASHTAGS]
    if not derived:  # the request's words are not the sources' words: the request's own
        derived = [_tag_spelling(Counter([w])) for w in dict.fromkeys(w.lower() for w in _SOURCE_WORD.findall(topic)
                                                         if _taggable(w) and w.lower() not in names)][:1]
    return [f"#{tag}" for tag in derived] or ["#LinkedIn"]


def _taggable(word: str) -> bool:
    lowered = word.lower()
    return len(word) >= 3 and lowered not in STOPWORDS and lowered not in GENERIC_TAG_WORDS and not word.isdigit()


def _tag_spelling(counts: Counter[str]) -> str:
    """The sources' most common spelling, capitalised unless it already mixes cases (MLOps)."""
    word = max(counts, key=lambda w: (counts[w], w != w.lower()))
    return "".join(part if part != part.lower() else part.capitalize() for part in word.split("-"))


def _tag_stems(tag: str) -> set[str]:
    return {stem(part.lower()) for part in _TAG_WORD.findall(tag.lstrip("#")) if not part.isdigit()}


def _stems(text: str) -> set[str]:
    return {stem(part.lower()) for word in _SOURCE_WORD.findall(text) for part in word.split("-")}


def _loops(sentence: str) -> bool:
    """True for a sentence that says the same COPIED_RUN_WORDS words twice (a model looping)."""
    runs = _runs_of(sentence)
    return len(runs) != len(set(runs))


def _word_runs(texts: Sequence[str]) -> set[tuple[str, ...]]:
    """Every run of COPIED_RUN_WORDS words in the texts, lowercased."""
    return {run for text in texts for run in _runs_of(text)}


def _runs_of(text: str) -> list[tuple[str, ...]]:
    tokens = [w.lower() for w in words(text)]
    return [tuple(tokens[i : i + COPIED_RUN_WORDS]) for i in range(len(tokens) - COPIED_RUN_WORDS + 1)]
