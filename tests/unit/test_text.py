"""Pure text helpers for posts: sentences, paragraphs, words, hashtags, Markdown, hooks."""

from __future__ import annotations

import pytest

from postgraph.text import (
    body_and_hashtags,
    collapse_blank_lines,
    has_markdown_emphasis,
    hashtags,
    hashtags_at_end,
    hook,
    is_hashtag_line,
    markdown_headings,
    move_hashtags_to_end,
    paragraphs,
    split_sentences,
    stem,
    strip_markdown,
    unique_hashtags,
    word_count,
    words,
)

# -- sentences -------------------------------------------------------------------------------


def test_sentences_split_on_terminal_punctuation():
    assert split_sentences("We shipped it. Users noticed! Did it work? Yes.") == [
        "We shipped it.",
        "Users noticed!",
        "Did it work?",
        "Yes.",
    ]


@pytest.mark.parametrize(
    "text",
    [
        "Latency fell to 3.5 s on the new host.",
        "Recall@10 fell from 0.87 to 0.71 and p95 stayed at 120 ms.",
        "We tried several tricks, e.g. Caching and batching, before giving up.",
        "Compare A vs. B before you decide.",
        "Dr. Quenby ran the eval with version 3.4.0 of the prompt.",
        "It cost $1,200.50 in total, i.e. About a week of GPU time.",
        "Thanks to J. R. Okonjo for the review.",
    ],
)
def test_numbers_abbreviations_and_initials_do_not_split(text):
    assert split_sentences(text) == [text]


def test_line_breaks_end_sentences_and_hooks_without_full_stops():
    post = "Our eval caught a regression before users did\n\nHere is how.\nIt ran at 02:00 UTC."
    assert split_sentences(post) == [
        "Our eval caught a regression before users did",
        "Here is how.",
        "It ran at 02:00 UTC.",
    ]


def test_hashtag_line_is_its_own_item():
    post = "Evals matter. Run them nightly.\n\n#MLOps #Evaluation"
    assert split_sentences(post) == ["Evals matter.", "Run them nightly.", "#MLOps #Evaluation"]


def test_inline_list_numbers_stay_with_their_item():
    text = "Two causes. 1. The reindex wrote in place. 2. Vectors carried no version."
    assert split_sentences(text) == [
        "Two causes.",
        "1. The reindex wrote in place.",
        "2. Vectors carried no version.",
    ]


def test_quotes_and_brackets_close_the_sentence():
    assert split_sentences('He said "ship it." Then we did. (We were wrong.) Lesson learned.') == [
        'He said "ship it."',
        "Then we did.",
        "(We were wrong.)",
        "Lesson learned.",
    ]


def test_empty_text_has_no_sentences():
    assert split_sentences("") == [] and split_sentences(" \n\n ") == []


# -- paragraphs, words, hooks -----------------------------------------------------------------


def test_paragraphs_are_blank_line_separated_and_stripped():
    post = "Hook line\n\n  First para.\nstill first.  \n\n\n\nSecond.\r\n\r\nThird."
    assert paragraphs(post) == ["Hook line", "First para.\nstill first.", "Second.", "Third."]


def test_words_keep_numbers_and_contractions_whole_and_skip_symbols():
    assert words("We don't ship 1,200 docs at 3.5 s - ever! #MLOps") == [
        "We", "don't", "ship", "1,200", "docs", "at", "3.5", "s", "ever",
    ]
    assert word_count("- one\n- two **three**") == 3


def test_hashtags_are_not_words_unless_asked():
    assert word_count("Ship it #MLOps #RAG") == 2
    assert word_count("Ship it #MLOps #RAG", include_hashtags=True) == 4


def test_hook_is_the_first_non_empty_line():
    assert hook("\n\n  We cut p95 by half.  \nBody") == "We cut p95 by half."
    assert hook("") == ""


def test_stem_is_a_crude_prefix_that_merges_plurals_and_tenses():
    assert stem("deployments") == stem("deploy") == "deplo"
    assert stem("sets") == stem("set") == "set"
    assert stem("class") == "class"
    assert stem("1,240") == "1,240"


# -- hashtags --------------------------------------------------------------------------------


def test_hashtags_found_in_order_but_not_numbers_headings_or_urls():
    text = "# Heading\nWe love #MLOps and #RAG_Evals. Issue #12 is at https://x.io/page#top, C# too.\n#mlops"
    assert hashtags(text) == ["#MLOps", "#RAG_Evals", "#mlops"]


def test_unique_hashtags_ignore_case_and_keep_first_spelling():
    assert unique_hashtags(["#MLOps", "#rag", "#mlops", "#RAG", "#AI"]) == ["#MLOps", "#rag", "#AI"]


def test_is_hashtag_line():
    assert is_hashtag_line("#MLOps #RAG, #AI ")
    assert not is_hashtag_line("We love #MLOps")
    assert not is_hashtag_line("")


def test_body_and_hashtags_keep_the_word_of_an_inline_tag():
    body, tags = body_and_hashtags("We love #MLOps.\n\n#RAG #AI")
    assert body.strip() == "We love MLOps."
    assert tags == ["#MLOps", "#RAG", "#AI"]


def test_move_hashtags_to_end_dedupes_and_caps():
    post = "#AI first.\n\nWe love #MLOps\n#mlops #RAG #Evals #LLM #Data #More"
    assert move_hashtags_to_end(post, max_tags=5) == (
        "AI first.\n\nWe love MLOps\n\n#AI #MLOps #RAG #Evals #LLM"
    )


def test_move_hashtags_to_end_without_tags_only_tidies():
    assert move_hashtags_to_end("Line one.\n\n\n\nLine two.  ") == "Line one.\n\nLine two."
    assert move_hashtags_to_end("Text", max_tags=0) == "Text"


def test_hashtags_at_end():
    assert hashtags_at_end("Body.\n\n#A #B")
    assert hashtags_at_end("Body without tags.")
    assert not hashtags_at_end("We love #MLOps.\n\n#A")
    assert not hashtags_at_end("Body.\n\nThanks for reading #A")


# -- Markdown and whitespace -----------------------------------------------------------------


def test_strip_markdown_gives_linkedin_plain_text():
    markdown = (
        "## What we learned\n"
        "**Bold** claims, *italic* asides, __strong__ words, ~~old~~ and `code`.\n"
        "* first item\n"
        "+ second item\n"
        "• third item\n"
        "1. numbered stays\n"
        "---\n"
        "> quoted line\n"
        "See [the report](https://example.com/r) and ![chart](c.png).\n"
        "The units_ordered feature and snake_case_names stay."
    )
    assert strip_markdown(markdown) == (
        "What we learned\n"
        "Bold claims, italic asides, strong words, old and code.\n"
        "- first item\n"
        "- second item\n"
        "- third item\n"
        "1. numbered stays\n"
        "quoted line\n"
        "See the report (https://example.com/r) and chart.\n"
        "The units_ordered feature and snake_case_names stay."
    )


def test_strip_markdown_keeps_hashtags_and_plain_text():
    text = "We cut p95 by 40% - twice.\n\n#MLOps #RAG"
    assert strip_markdown(text) == text


def test_markdown_detectors():
    assert markdown_headings("# One\ntext\n### Three ###\n#NotAHeading") == ["# One", "### Three ###"]
    assert has_markdown_emphasis("a **bold** word") and has_markdown_emphasis("use `x`")
    assert not has_markdown_emphasis("2 * 3 * 4 and snake_case_name")


def test_collapse_blank_lines_trims_trailing_spaces():
    assert collapse_blank_lines("a  \n\n\n\nb\t\n \nc") == "a\n\nb\n\nc"


def test_a_long_line_of_hashtags_ending_in_a_word_is_answered_at_once() -> None:
    """It hung the critique on a small model's output: the hashtag-line pattern backtracked
    exponentially. Run in a child process so that a regression fails instead of hanging."""
    import subprocess
    import sys

    code = ("from postgraph.text import is_hashtag_line as h; "
            "assert not h('#tag ' * 200 + 'then a word'); assert h('#tag ' * 200); "
            "assert h('#MLOps#Retrieval') and h('#a, #b,  #c ') and not h('# heading') and not h('#a b')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
