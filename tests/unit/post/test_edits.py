"""Edits to a model's post in code: what a reader would notice first (a sentence said twice, a
sentence cut off by the token cap) is removed, and lines keep their place."""

from __future__ import annotations

from postgraph.post.edits import clean_model_post, drop_unfinished_ending, remove_sentences

LOOPING = (
    "- The chunking change was reverted within 6 hours. - We now report recall@10 per query slice.\n"
    "- Every splitter change attaches an eval diff. Retrieval changes fail quietly. "
    "- The chunking change was reverted within 6 hours. Retrieval changes fail quietly. "
    "Marisol Quenby leads the search platform team at\n\n#MLOps #Retrieval"
)


def test_a_sentence_said_twice_and_a_cut_off_ending_are_removed():
    post = clean_model_post(LOOPING)
    assert post == ("- The chunking change was reverted within 6 hours. - We now report recall@10 per query slice.\n"
                    "- Every splitter change attaches an eval diff. Retrieval changes fail quietly.\n\n#MLOps #Retrieval")


def test_a_finished_or_single_sentence_post_is_left_alone():
    assert drop_unfinished_ending("One idea.\n\nIt ends well!") == "One idea.\n\nIt ends well!"
    assert drop_unfinished_ending("Just a fragment without an end") == "Just a fragment without an end"
    assert drop_unfinished_ending('We asked: "why?"\n\nThe answer came (later).') == 'We asked: "why?"\n\nThe answer came (later).'


def test_removing_a_sentence_keeps_the_others_on_their_line():
    post = "First point. Second point.\nThird point on its own line.\n\nA new paragraph."
    assert remove_sentences(post, ["Second point."]) == "First point.\nThird point on its own line.\n\nA new paragraph."
    assert remove_sentences(post, ["A new paragraph."]) == "First point. Second point.\nThird point on its own line."


def test_a_sentence_said_again_in_other_words_is_dropped_but_a_different_one_is_kept():
    post = ("Training data is rebuilt from the same event log, so both are computed by one piece of code. "
            "Train data is rebuilt from the same event log, so both are computed by one piece of code.\n\n"
            "Our fraud team serves a 350M-parameter scoring model. The fraud team has a 350M-parameter scoring model. "
            "The fraud team chose the server it could debug.")
    assert clean_model_post(post) == (
        "Training data is rebuilt from the same event log, so both are computed by one piece of code.\n\n"
        "Our fraud team serves a 350M-parameter scoring model. The fraud team chose the server it could debug.")
