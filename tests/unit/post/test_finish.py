"""The finishing pass every post gets: a hook line, short paragraphs, no sentence twice, no
copied heading or question, hashtags that name the topic, and no word added but a tag."""

from __future__ import annotations

from postgraph.post.finish import finish_post, lay_out, topic_hashtags
from postgraph.text import body_and_hashtags, sentence_key, split_sentences

SOURCE = ("## 2. How should we gate retrieval changes?\n\n"
          "Our nightly eval runs 1,240 queries against the index. Recall@10 fell from 0.87 to 0.71 overnight. "
          "The feature store team reads the eval diff before review. The feature store keeps one owner per table.\n\n"
          "Why did nobody notice? Because answers still looked fluent.")
LOOPING = ("Recall@10 fell from 0.87 to 0.71 overnight, and our nightly eval caught it before any customer did. "
           "2. How should we gate retrieval changes? Our nightly eval runs 1,240 queries against the index. "
           "Why did nobody notice? Our nightly eval runs 1,240 queries against the index. "
           "The team reverted the change within hours. Every splitter change now ships with an eval diff. "
           "The gate blocks a drop of more than 3 points\n\n#Sequoia #MLOps #NightlyEval")


def test_a_looping_post_comes_out_as_a_reader_expects():
    post = finish_post(LOOPING, "why our nightly eval caught a retrieval regression", [SOURCE])
    body, tags = body_and_hashtags(post)
    sentences = split_sentences(body)
    assert post.split("\n\n")[0] == ("Recall@10 fell from 0.87 to 0.71 overnight, and our nightly eval caught it "
                                     "before any customer did.")
    assert len({sentence_key(s) for s in sentences}) == len(sentences) == 4, post  # once each, the cut-off end gone
    assert "How should we gate" not in post and "Why did nobody notice?" not in post
    assert "3 points" not in post
    assert tags == ["#MLOps", "#NightlyEval"]  # the invented #Sequoia is gone, the field tag stays
    assert all(len(split_sentences(p)) <= 2 for p in body.split("\n\n"))
    assert set(post.replace("\n", " ").split()) <= set(LOOPING.replace("\n", " ").split())  # no word added


def test_the_hook_is_the_first_sentence_that_fits_above_the_fold():
    long_first = "word " * 40 + "end."
    laid = lay_out(f"{long_first.strip()} A short hook that fits nicely. Then the rest.")
    assert laid.split("\n\n")[0] == "A short hook that fits nicely."
    assert laid.split("\n\n")[1].startswith("word word")


def test_list_items_stay_one_per_line_under_the_hook():
    laid = lay_out("We changed three things. - Reverted the splitter. - Sliced recall per query type.\nThen we slept.")
    assert laid == "We changed three things.\n\n- Reverted the splitter.\n- Sliced recall per query type.\n\nThen we slept."


def test_a_post_without_tags_gets_the_topics_words_the_sources_use_most():
    assert topic_hashtags([], "what the feature store taught the eval team", [SOURCE]) == ["#FeatureStore", "#Eval"]
    # Nothing in the sources: the request's own first word worth a tag, never an empty line.
    assert topic_hashtags([], "a post about Kubernetes costs", []) == ["#Kubernetes"]
    # A person's name is not a tag.
    assert topic_hashtags([], "from Ravi Okonjo's newsletter: the feature store",
                          [SOURCE + " Ravi Okonjo wrote it. Ravi Okonjo reviewed it."]) == ["#FeatureStore"]


def test_a_post_the_pass_would_empty_comes_back_unchanged():
    only_questions = "Why did nobody notice?"
    assert finish_post(only_questions, "eval", [SOURCE]) == only_questions


def test_a_sentence_lifted_from_an_example_post_and_a_bare_tease_are_dropped():
    example = "So we quarantined those 41 tests and fixed them one by one over two sprints."
    post = ("Our eval caught the regression overnight. The result? "
            "So we quarantined those 41 tests and fixed them one by one. Recall is now checked every night.")
    finished = finish_post(post, "retrieval eval", [SOURCE], never_from=[example])
    assert "quarantined" not in finished and "The result?" not in finished
    assert finished.startswith("Our eval caught the regression overnight.")


def test_tags_made_only_of_generic_words_are_dropped():
    assert topic_hashtags(["#After", "#Change", "#NightlyEval"], "recall fell after the change", [SOURCE]) == \
        ["#NightlyEval"]


def test_a_looping_sentence_and_the_prompts_own_instruction_are_dropped():
    post = ("I don't know what you mean by this feature I don't know what you mean by this feature\n\n"
            "Rewrite the post following the instructions.\n\n"
            "Our nightly eval runs 1,240 queries against the index.")
    prompt = "Rewrite the post following the instructions. Use only facts from the notes."
    finished = finish_post(post, "nightly eval", [SOURCE], never_from=[prompt])
    assert finished.split("\n\n")[0] == "Our nightly eval runs 1,240 queries against the index."
    assert "know" not in finished and "Rewrite" not in finished
