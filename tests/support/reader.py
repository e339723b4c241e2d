"""What a reader checks first in a post, as one assertion the graph tests and the end-to-end
tests share: a hook line of its own above the fold, 1-5 hashtags on the last line, no sentence
said twice (in other words either), no question copied in and no heading, and about the
length asked for."""

from __future__ import annotations

from postgraph.post.edits import repeats
from postgraph.text import body_and_hashtags, is_hashtag_line, split_sentences, word_count

HOOK_MAX_CHARS = 210  # LinkedIn's "...see more" fold


def assert_reads_as_a_post(post: str, target_words: int, low: float = 0.5, high: float = 1.2) -> None:
    body, tags = body_and_hashtags(post)
    sentences = split_sentences(body)
    assert sentences, post
    hook = post.split("\n\n")[0]
    assert len(split_sentences(hook)) == 1 and len(hook) <= HOOK_MAX_CHARS and len(hook.split()) >= 4, post
    assert 1 <= len(tags) <= 5 and is_hashtag_line(post.rstrip().splitlines()[-1]), post
    assert not any(repeats(s, sentences[:i]) for i, s in enumerate(sentences)), post
    assert not any(s.endswith("?") for s in sentences), post
    assert not any(s.lstrip().startswith("#") for s in body.splitlines()), post
    assert low * target_words <= word_count(body) <= high * target_words, (word_count(body), post)
