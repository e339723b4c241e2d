"""The drift math on vectors whose answers are known by construction."""

from __future__ import annotations

import math

import pytest

from postgraph.monitor.drift import centroid, centroid_shifts, cosine_similarity, mean_neighbour_similarity


@pytest.mark.parametrize(("a", "b", "expected"), [
    ([1, 0], [2, 0], 1.0),
    ([1, 0], [0, 3], 0.0),
    ([1, 1], [-1, -1], -1.0),
    ([1, 0], [1, 1], math.sqrt(0.5)),
    ([0, 0], [1, 1], 0.0),
])
def test_cosine_similarity(a, b, expected):
    assert cosine_similarity(a, b) == pytest.approx(expected)


def test_centroid_is_the_mean_vector():
    assert centroid([[1, 0, 2], [3, 2, 0]]) == [2, 1, 1]


def test_the_same_topics_do_not_shift_and_a_new_topic_does():
    week_one = [[1, 0, 0], [0.9, 0.1, 0]]
    week_two = [[0.9, 0.1, 0], [1, 0, 0]]  # same requests, other order
    week_three = [[0, 0, 1], [0.1, 0, 0.9]]  # another subject altogether
    shifts = centroid_shifts({"W01": week_one, "W02": week_two, "W03": week_three})
    assert list(shifts) == ["W02", "W03"]  # the first bucket has nothing to compare with
    assert shifts["W02"] == pytest.approx(0.0, abs=1e-12)
    assert shifts["W03"] == pytest.approx(1 - cosine_similarity(centroid(week_two), centroid(week_three)))
    assert shifts["W03"] > 0.9


def test_thin_buckets_are_skipped_on_both_sides():
    shifts = centroid_shifts({"W01": [[1, 0], [1, 0]], "W02": [[0, 1]], "W03": [[1, 0], [1, 0.1]]}, min_vectors=2)
    # W02 holds one request: it is neither measured nor the reference; W03 is compared with W01.
    assert list(shifts) == ["W03"] and shifts["W03"] == pytest.approx(1 - cosine_similarity([1, 0], [1, 0.05]))
    assert centroid_shifts({"W01": [], "W02": [[1, 0]]}) == {}


def test_closeness_to_the_corpus_is_the_mean_over_the_nearest_chunks():
    assert mean_neighbour_similarity([0.8, 0.6, 0.4]) == pytest.approx(0.6)
    assert mean_neighbour_similarity([]) is None
