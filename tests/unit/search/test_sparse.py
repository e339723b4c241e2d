"""BM25-style sparse vectors: tokenisation, stable term ids and document/query weights."""

from __future__ import annotations

import pytest

from postgraph.search.sparse import BM25SparseEmbeddings, term_id
from postgraph.text import STOPWORDS, terms


def weight_of(vector, term: str) -> float:
    return dict(zip(vector.indices, vector.values))[term_id(term)]


# -- terms ---------------------------------------------------------------------------------


def test_numbers_stay_whole():
    found = terms("p95 fell by 3.5 percent to 1,200 ms on the 95th run; v2.1.0 shipped")
    assert "3.5" in found and "1,200" in found and "95th" in found and "p95" in found
    assert "v2.1.0" in found
    assert "3" not in found and "5" not in found and "200" not in found


def test_trailing_punctuation_is_not_part_of_a_number():
    assert terms("It cost 1,200. Then 3.5, then 7.") == ["cost", "1,200", "3.5", "7"]


def test_lowercases_and_drops_stopwords():
    assert terms("The Latency of THE Retriever is what WE measured") == ["latency", "retriever", "measured"]
    assert all(t not in STOPWORDS for t in terms(" ".join(sorted(STOPWORDS)) + " recall"))
    assert terms(" ".join(sorted(STOPWORDS))) == []


def test_no_terms_in_punctuation():
    assert terms("--- !!! ...") == []


# -- term ids ------------------------------------------------------------------------------


def test_term_id_is_a_fixed_value():
    # Computed once. Unlike hash(), the id does not change between runs; if it ever changes,
    # every sparse vector already indexed is orphaned.
    assert term_id("latency") == 235211399
    assert term_id("1,200") == 2077521291


@pytest.mark.parametrize("term", ["a", "latency", "3.5", "1,200", "x" * 500, "überprüfung"])
def test_term_id_fits_in_31_bits(term):
    assert 0 <= term_id(term) < 2**31


def test_different_terms_get_different_ids():
    vocabulary = [f"term{i}" for i in range(2000)]
    assert len({term_id(t) for t in vocabulary}) == len(vocabulary)


# -- document vectors ----------------------------------------------------------------------


def test_term_frequency_saturates():
    sparse = BM25SparseEmbeddings()
    filler = " ".join(f"filler{i}" for i in range(40))
    once, ten = sparse.embed_documents([f"latency {filler}", f"{'latency ' * 10}{filler}"])
    w1, w10 = weight_of(once, "latency"), weight_of(ten, "latency")
    assert w1 < w10 < 10 * w1
    assert w10 < sparse.k1 + 1  # the BM25 ceiling


def test_longer_documents_get_lower_per_term_weight():
    sparse = BM25SparseEmbeddings()
    short, long = sparse.embed_documents(
        ["latency budget", "latency budget " + " ".join(f"filler{i}" for i in range(300))]
    )
    assert weight_of(long, "latency") < weight_of(short, "latency")


def test_document_vector_has_one_entry_per_term_and_positive_weights():
    (vector,) = BM25SparseEmbeddings().embed_documents(["Drift drift DRIFT and recall, recall"])
    assert sorted(vector.indices) == sorted({term_id("drift"), term_id("recall")})
    assert len(vector.indices) == len(vector.values)
    assert all(v > 0 for v in vector.values)
    assert weight_of(vector, "drift") > weight_of(vector, "recall")


def test_stopword_only_document_is_an_empty_vector():
    (vector,) = BM25SparseEmbeddings().embed_documents(["the and of"])
    assert vector.indices == [] and vector.values == []


def test_embed_documents_keeps_order():
    texts = ["alpha", "beta gamma", "delta"]
    vectors = BM25SparseEmbeddings().embed_documents(texts)
    assert [v.indices for v in vectors] == [[term_id("alpha")], [term_id("beta"), term_id("gamma")], [term_id("delta")]]


# -- query vectors -------------------------------------------------------------------------


def test_query_vector_has_unique_sorted_indices_with_weight_one():
    query = BM25SparseEmbeddings().embed_query("Latency latency LATENCY of the 3.5 ms recall drift")
    expected = sorted({term_id(t) for t in ("latency", "3.5", "ms", "recall", "drift")})
    assert query.indices == expected
    assert query.values == [1.0] * len(expected)


def test_query_of_stopwords_is_empty():
    query = BM25SparseEmbeddings().embed_query("what is the")
    assert query.indices == [] and query.values == []
