"""What a reader would check about a post, measured in code: no model judges here.

Each metric returns a `Score` (a value in [0, 1], whether it passes its threshold, and the
details a person needs to see why). The release gate (`evals/`) and monitoring read the same
functions, so a post is judged the same way before a change ships and after.

    format_score        LinkedIn's format: a hook before the "see more" fold, 1-5 hashtags
                        at the end, no Markdown, short paragraphs, the character limit
    length_score        words within a tolerance of the request's target
    grounding_score     share of the post's factual claims the sources support, given the
                        claim checks against the whole source documents; 0 unsupported wanted
    citation_score      each citation's chunk states the cited claim's numbers and names
    coverage_score      the facts a case says must appear, and none it says must not
    originality_score   share of sentences copied from a source, the longest copied run, and
                        no sentence said twice
    coherence_score     one idea: the share of supported claims from the main source document
    abstention_score    a request the sources cannot answer is declined, one they can is not
    style_score         stylometric closeness to the author's example posts
    relevance_score     the post is about what was asked: embedding similarity of request and post
"""

from __future__ import annotations

import math
import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

from postgraph.domain import Citation, ClaimCheck, Evidence, Plan
from postgraph.factcheck.facts import facts_in
from postgraph.factcheck.verdicts import Embed
from postgraph.post.rules import LINKEDIN_MAX_CHARS, check_post
from postgraph.text import body_and_hashtags, hashtags, split_sentences, word_count, words

HOOK_FOLD_CHARS = 210
"""About where LinkedIn cuts the first line with "...see more"."""
FORMAT_CODES = ("empty_post", "too_long_chars", "no_hook", "hook_too_long", "long_paragraph", "too_many_hashtags",
                "too_few_hashtags", "duplicate_hashtags", "hashtags_not_at_end", "markdown_heading",
                "markdown_formatting")
COPIED_RUN_WORDS = 8
"""A sentence is copied when a run of at least this many words, and most of its words, come from a source."""
COPIED_SHARE_OF_SENTENCE = 0.8
# Words whose rates mark a writer's style and not the topic (Mosteller and Wallace's idea).
FUNCTION_WORDS = tuple(
    "a about after all also an and as at because but by can could do for from had has have how i if in into "
    "is it its just more my no not now of on one only or our so than that the their then there they this "
    "to up was we what when which while who will with would you your".split()
)
FIRST_PERSON = frozenset("i me my mine we us our ours".split())
_EMOJI = re.compile("[\U0001F300-\U0001FAFF\u2600-\u27BF]")


@dataclass(frozen=True)
class Score:
    name: str
    value: float
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)


def format_score(post: str) -> Score:
    issues = [i for i in check_post(post, None, max_chars=LINKEDIN_MAX_CHARS, hook_max_chars=HOOK_FOLD_CHARS,
                                    min_hashtags=1, max_hashtags=5) if i.code in FORMAT_CODES]
    codes = sorted({issue.code for issue in issues})
    return Score("format", 1 - len(codes) / len(FORMAT_CODES), not codes,
                 {"issues": codes, "hook_chars": len(post.strip().splitlines()[0]) if post.strip() else 0,
                  "hashtags": len(hashtags(post)), "chars": len(post)})


def length_score(post: str, target_words: int, tolerance: float = 0.2) -> Score:
    body, _ = body_and_hashtags(post)
    count = word_count(body)
    off = abs(count - target_words) / target_words
    return Score("length", max(0.0, 1 - off), off <= tolerance, {"words": count, "target": target_words})


def grounding_score(checks: Sequence[ClaimCheck], post: str) -> Score:
    """`checks`: the post's claims checked against the whole source documents. A post that
    states something but yields no checked claim does not pass."""
    supported = sum(check.verdict == "supported" for check in checks)
    unsupported = [check.claim for check in checks if check.verdict != "supported"]
    if not checks:
        body, _ = body_and_hashtags(post)
        return Score("grounding", 0.0 if body.strip() else 1.0, not body.strip(), {"claims": 0, "unsupported": []})
    return Score("grounding", supported / len(checks), not unsupported,
                 {"claims": len(checks), "unsupported": unsupported})


def citation_score(citations: Sequence[Citation], evidence: Sequence[Evidence]) -> Score:
    """Each cited chunk states the claim's numbers (by value) and names."""
    by_id = {item.chunk_id: item.text for item in evidence}
    wrong = [c.claim for c in citations if c.chunk_id not in by_id or not _states(by_id[c.chunk_id], c.claim)]
    value = 1 - len(wrong) / len(citations) if citations else 1.0
    return Score("citation", value, not wrong, {"citations": len(citations), "wrong": wrong})


def _states(passage: str, claim: str) -> bool:
    claimed, source = facts_in(claim), facts_in(passage)
    values = {round(n.value, 6) for n in source.numbers}
    names = {name.lower() for name in source.entities}
    return (all(round(n.value, 6) in values for n in claimed.numbers)
            and all(name.lower() in names or name.lower() in passage.lower() for name in claimed.entities))


def coverage_score(post: str, must_include: Sequence[str], must_not: Sequence[str] = ()) -> Score:
    """The must-include facts the post covers (numbers by value, words by their stems, as the
    critique's missing-point rule reads them), and the must-not phrases it avoids (an injected
    claim, a false premise's number, a superseded figure), each item counting once."""
    missing = []
    if must_include:
        plan = Plan(angle="", audience="", key_points=list(must_include)[:5], requested_facts=list(must_include)[5:],
                    queries=["-"], target_words=max(30, word_count(post)))
        missing = [i.problem for i in check_post(post, plan, length_tolerance=10.0) if i.code == "missing_point"]
    lowered = post.lower()
    present = [phrase for phrase in must_not if phrase.lower() in lowered]
    items = len(must_include) + len(must_not)
    value = 1 - (len(missing) + len(present)) / items if items else 1.0
    return Score("coverage", value, not missing and not present, {"missing": missing, "forbidden": present})


def originality_score(post: str, sources: Sequence[str], max_copied_share: float = 0.5,
                      max_run_words: int = 25) -> Score:
    """Share of the post's sentences copied from a source (a run of at least
    COPIED_RUN_WORDS words covering most of the sentence), the longest copied run, and the
    sentences said twice (a post that repeats itself fails)."""
    body, _ = body_and_hashtags(post)
    source_words = [[w.lower() for w in words(text)] for text in sources]
    sentences = [s for s in split_sentences(body) if words(s)]
    copied, longest = [], 0
    seen: set[str] = set()
    repeated = []
    for sentence in sentences:
        key = " ".join(w.lower() for w in words(sentence))
        if key in seen:
            repeated.append(sentence)
        seen.add(key)
        tokens = [w.lower() for w in words(sentence)]
        run = max((_longest_run(tokens, source) for source in source_words), default=0)
        longest = max(longest, run)
        if run >= COPIED_RUN_WORDS and run >= COPIED_SHARE_OF_SENTENCE * len(tokens):
            copied.append(sentence)
    share = len(copied) / len(sentences) if sentences else 0.0
    return Score("originality", 1 - share, share <= max_copied_share and longest <= max_run_words and not repeated,
                 {"sentences": len(sentences), "copied": copied, "longest_copied_words": longest, "repeated": repeated})


def _longest_run(tokens: list[str], source: list[str]) -> int:
    match = SequenceMatcher(None, tokens, source, autojunk=False).find_longest_match(0, len(tokens), 0, len(source))
    return match.size


def coherence_score(checks: Sequence[ClaimCheck], evidence: Sequence[Evidence], main_document: str | None = None,
                    min_share: float = 0.8) -> Score:
    """One idea from one source: the share of supported claims whose passage is from the main
    document (the case's, else the one most claims come from)."""
    documents = {item.chunk_id: item.source for item in evidence}
    sources = [documents[c.chunk_id] for c in checks if c.verdict == "supported" and c.chunk_id in documents]
    if not sources:
        return Score("coherence", 0.0, False, {"sources": {}})
    counts = Counter(sources)
    main = main_document or counts.most_common(1)[0][0]
    share = sum(n for source, n in counts.items() if _same_source(source, main)) / len(sources)
    return Score("coherence", share, share >= min_share, {"main": main, "sources": dict(counts)})


def _same_source(source: str, main: str) -> bool:
    return source == main or source.rsplit("/", 1)[-1] == main.rsplit("/", 1)[-1]


def abstention_score(post: str, status: str, unsupported_requests: Sequence[str], should_abstain: bool,
                     corrected_requests: Sequence[str] = ()) -> Score:
    """A request the sources cannot answer is declined (no post, or the missing or contradicted
    premises named); an answerable one gets a post."""
    declined = (status in ("no_evidence", "abstained") or not post.strip() or bool(unsupported_requests)
                or bool(corrected_requests))
    passed = declined if should_abstain else bool(post.strip()) and status != "no_evidence"
    return Score("abstention", float(passed), passed,
                 {"should_abstain": should_abstain, "declined": declined, "status": status,
                  "unsupported_requests": list(unsupported_requests), "corrected_requests": list(corrected_requests)})


def style_profile(text: str) -> dict[str, float]:
    """Rates that mark how someone writes, whatever the topic."""
    body, tags = body_and_hashtags(text)
    tokens = [w.lower() for w in words(body)]
    total = max(1, len(tokens))
    sentences = [s for s in split_sentences(body) if words(s)]
    lengths = [len(words(s)) for s in sentences] or [0]
    counts = Counter(tokens)
    profile = {f"fw:{w}": counts[w] / total for w in FUNCTION_WORDS}
    profile.update({
        "sentence_words": statistics.mean(lengths) / 30,
        "sentence_spread": (statistics.pstdev(lengths) if len(lengths) > 1 else 0.0) / 30,
        "first_person": sum(counts[w] for w in FIRST_PERSON) / total,
        "questions": body.count("?") / max(1, len(sentences)),
        "exclamations": body.count("!") / max(1, len(sentences)),
        "commas": body.count(",") / total,
        "colons": (body.count(":") + body.count(";")) / total,
        "dashes": (body.count("—") + body.count(" - ") + body.count("–")) / total,
        "emoji": len(_EMOJI.findall(body)) / max(1, len(sentences)),
        "hashtags": len(tags) / 5,
        "bullets": sum(line.lstrip().startswith(("-", "•", "→")) for line in body.splitlines()) / max(1, len(sentences)),
    })
    return profile


def style_score(post: str, examples: Sequence[str], min_similarity: float = 0.7) -> Score:
    """Cosine similarity of the post's style profile to the mean profile of the examples."""
    if not examples or not words(post):
        return Score("style", 0.0, False, {"examples": len(examples)})
    profiles = [style_profile(example) for example in examples]
    reference = {key: statistics.mean(p[key] for p in profiles) for key in profiles[0]}
    own = style_profile(post)
    dot = sum(own[k] * reference[k] for k in reference)
    norm = math.sqrt(sum(v * v for v in own.values())) * math.sqrt(sum(v * v for v in reference.values()))
    similarity = dot / norm if norm else 0.0
    furthest = sorted(reference, key=lambda k: -abs(own[k] - reference[k]))[:3]
    return Score("style", similarity, similarity >= min_similarity,
                 {"examples": len(examples), "furthest": {k: (round(own[k], 3), round(reference[k], 3)) for k in furthest}})


def relevance_score(request: str, post: str, embed: Embed, min_similarity: float = 0.3) -> Score:
    """Cosine similarity of the request's and the post's embeddings. A sentence-embedding model
    puts an on-topic post well above 0.3 and an unrelated one near 0.1."""
    if not post.strip() or not request.strip():
        return Score("relevance", 0.0, False, {"similarity": 0.0})
    first, second = embed([request, post])
    norm = math.sqrt(sum(a * a for a in first)) * math.sqrt(sum(b * b for b in second))
    similarity = max(0.0, sum(a * b for a, b in zip(first, second, strict=True)) / norm) if norm else 0.0
    return Score("relevance", similarity, similarity >= min_similarity, {"similarity": round(similarity, 3)})


@dataclass(frozen=True)
class PostRun:
    """What a run produced, as the metrics read it."""

    post: str
    status: str
    citations: Sequence[Citation] = ()
    evidence: Sequence[Evidence] = ()
    unsupported_requests: Sequence[str] = ()
    corrected_requests: Sequence[str] = ()
    """The request's premises a source contradicted."""


@dataclass(frozen=True)
class Expectations:
    """What a golden case asks of the post (`quality.cases.GoldenCase` carries these)."""

    target_words: int
    request: str = ""
    must_include: Sequence[str] = ()
    must_not: Sequence[str] = ()
    main_document: str | None = None
    should_abstain: bool = False


METRIC_NAMES = ("format", "length", "grounding", "citation", "coverage", "originality", "coherence", "abstention",
                "style", "relevance")


def score_metric(name: str, run: PostRun, expected: Expectations, checks: Sequence[ClaimCheck],
                 documents: Sequence[Evidence], examples: Sequence[str], embed: Embed | None = None) -> Score:
    """One metric of a run. `documents`: the chunks of the case's whole source documents;
    `checks`: the post's claims checked against them; `examples`: the author's example posts;
    `embed`: the embedder (relevance only)."""
    post = run.post
    if name == "format":
        return format_score(post)
    if name == "length":
        return length_score(post, expected.target_words)
    if name == "grounding":
        return grounding_score(checks, post)
    if name == "citation":
        return citation_score(run.citations, run.evidence)
    if name == "coverage":
        return coverage_score(post, expected.must_include, expected.must_not)
    if name == "originality":
        return originality_score(post, document_texts(documents))
    if name == "coherence":
        return coherence_score(checks, documents, expected.main_document)
    if name == "abstention":
        return abstention_score(post, run.status, run.unsupported_requests, expected.should_abstain,
                                run.corrected_requests)
    if name == "style":
        return style_score(post, examples)
    if name == "relevance":
        if embed is None:
            raise ValueError("the relevance metric needs an embedder")
        return relevance_score(expected.request, post, embed)
    raise ValueError(f"unknown post metric {name!r}; metrics: {', '.join(METRIC_NAMES)}")


def score_post(run: PostRun, expected: Expectations, checks: Sequence[ClaimCheck], documents: Sequence[Evidence],
               examples: Sequence[str], embed: Embed) -> dict[str, Score]:
    return {name: score_metric(name, run, expected, checks, documents, examples, embed) for name in METRIC_NAMES}


def document_texts(documents: Sequence[Evidence]) -> list[str]:
    """Each document's text, its chunks joined in order (a copied run may cross a chunk edge)."""
    texts: dict[str, list[str]] = {}
    for item in documents:
        texts.setdefault(item.document_id, []).append(item.text)
    return ["\n".join(parts) for parts in texts.values()]
