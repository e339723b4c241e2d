"""The embedding catalogue and the default model: all-MiniLM-L6-v2 int8 in onnxruntime.

These tests run the real model (it loads in well under a second) and its real tokenizer.
"""

from __future__ import annotations

import re

import numpy as np
import pytest
from langchain_core.embeddings import Embeddings

from postgraph.search.embeddings import (
    CATALOGUE,
    MINILM_MAX_TOKENS,
    EmbeddingError,
    OnnxMiniLMEmbeddings,
    count_tokens,
    embedding_spec,
    make_embeddings,
    minilm_tokenizer,
)
from postgraph.settings import Settings

SHORT = "The retrieval service answers within 120 milliseconds."


@pytest.fixture(scope="module")
def model() -> OnnxMiniLMEmbeddings:
    return OnnxMiniLMEmbeddings(batch_size=16)


def embed(model: OnnxMiniLMEmbeddings, *texts: str) -> np.ndarray:
    return np.array(model.embed_documents(list(texts)))


def cosine(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


def long_text(pieces: int, topic: str = "server") -> str:
    """A text of exactly `pieces` word pieces (`topic` must be one piece)."""
    words = [topic if i % 3 else "budget" for i in range(pieces)]
    text = " ".join(words)
    assert count_tokens(text) == pieces
    return text


# -- vectors -------------------------------------------------------------------------------


def test_vectors_are_384_dimensional_and_unit_norm(model):
    vectors = embed(model, SHORT, "Another sentence about GPU cost.", long_text(400))
    assert vectors.shape == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    query = np.array(model.embed_query(SHORT))
    assert query.shape == (384,)
    np.testing.assert_allclose(query, vectors[0], atol=1e-5)


def test_padding_in_a_batch_does_not_change_a_vector(model):
    (alone,) = embed(model, SHORT)
    batch = embed(model, long_text(250), SHORT, long_text(600, "drift"), "Ok.")
    np.testing.assert_allclose(batch[1], alone, atol=1e-5)
    (ok_alone,) = embed(model, "Ok.")
    np.testing.assert_allclose(batch[3], ok_alone, atol=1e-5)


def test_batch_size_does_not_change_vectors(model):
    texts = [f"Sentence {i} about drift in feature {i * 7}." for i in range(5)] + [long_text(180)]
    one = np.array(OnnxMiniLMEmbeddings(batch_size=1).embed_documents(texts))
    many = embed(model, *texts)  # batch_size 16: all six in one batch
    np.testing.assert_allclose(one, many, atol=1e-5)


def test_tokenizer_neither_pads_nor_truncates_short_inputs():
    # The tokenizer.json that ships with the model pads (and truncates) every input to 128.
    assert count_tokens(SHORT) < 20
    assert len(minilm_tokenizer().encode(SHORT).ids) == count_tokens(SHORT) + 2  # [CLS] ... [SEP]
    middle = long_text(200)
    assert len(minilm_tokenizer().encode(middle).ids) == 202


def test_text_between_128_and_256_pieces_is_read_to_its_end(model):
    head = long_text(150)
    a, b = embed(model, head + " " + long_text(60, "music"), head + " " + long_text(60, "weather"))
    assert cosine(a, b) < 0.99, "pieces after the 128th did not reach the model"


def test_texts_longer_than_256_pieces_are_truncated_without_error(model):
    text = long_text(1000)
    assert count_tokens(text) > MINILM_MAX_TOKENS
    assert len(minilm_tokenizer().encode(text).ids) == MINILM_MAX_TOKENS
    first, changed_tail = embed(model, text, text + " " + long_text(200, "weather"))
    # Whatever comes after the 256th piece is not read.
    np.testing.assert_allclose(first, changed_tail, atol=1e-6)


def test_related_sentences_score_higher_than_unrelated_ones(model):
    query, related, unrelated = embed(
        model,
        "How do I reset my account password?",
        "Steps to recover a forgotten login password.",
        "Bake the bread at 220 degrees for forty minutes.",
    )
    assert cosine(query, related) > cosine(query, unrelated) + 0.3
    cat, kitten, invoice = embed(
        model, "A cat is sleeping on the sofa.", "A kitten naps on the couch.", "The invoice is overdue."
    )
    assert cosine(cat, kitten) > cosine(cat, invoice) + 0.3


def test_empty_input_list_gives_no_vectors(model):
    assert model.embed_documents([]) == []


# -- catalogue -----------------------------------------------------------------------------


def test_unknown_model_name_lists_the_known_ones():
    with pytest.raises(EmbeddingError) as caught:
        embedding_spec("bert-huge")
    message = caught.value.message
    assert "bert-huge" in message
    for name in CATALOGUE:
        assert name in message
    assert "ollama:<tag>" in message
    assert caught.value.code == "embedding_error"


def test_ollama_names_give_the_ollama_provider():
    spec = embedding_spec("ollama:nomic-embed-text")
    assert spec.provider == "ollama"
    assert spec.name == "ollama:nomic-embed-text"
    assert spec.dimensions is None  # found by probing the model
    assert spec.version == "ollama:nomic-embed-text@1"


def test_default_model_spec():
    spec = embedding_spec("minilm-l6-v2-int8")
    assert (spec.provider, spec.dimensions, spec.version) == ("onnx", 384, "minilm-l6-v2-int8@1")


@pytest.mark.parametrize(
    ("name", "slug"),
    [
        ("minilm-l6-v2-int8", "minilm-l6-v2-int8-1"),
        ("minilm-l6-v2", "minilm-l6-v2-1"),
        ("ollama:nomic-embed-text", "ollama-nomic-embed-text-1"),
        ("ollama:Snowflake/Arctic-Embed:33M_v1.5", "ollama-snowflake-arctic-embed-33m-v1-5-1"),
    ],
)
def test_slug_is_collection_safe(name, slug):
    spec = embedding_spec(name)
    assert spec.slug == slug
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", spec.slug)


def test_different_versions_have_different_slugs():
    slugs = {embedding_spec(name).slug for name in [*CATALOGUE, "ollama:nomic-embed-text"]}
    assert len(slugs) == len(CATALOGUE) + 1


# -- make_embeddings -----------------------------------------------------------------------


def test_make_embeddings_does_not_load_the_model_until_first_use(tmp_path):
    settings = Settings(data_dir=tmp_path, embed_batch_size=8)
    model, spec = make_embeddings(settings)
    assert isinstance(model, Embeddings)
    assert isinstance(model, OnnxMiniLMEmbeddings)
    assert spec == CATALOGUE[settings.embedding]
    assert model.batch_size == 8
    assert model._session is None
    assert len(model.embed_query("first use")) == 384
    assert model._session is not None


def test_make_embeddings_by_name_for_ollama_opens_no_connection(tmp_path):
    settings = Settings(data_dir=tmp_path, ollama_base_url="http://127.0.0.1:9")
    model, spec = make_embeddings(settings, "ollama:nomic-embed-text")
    assert isinstance(model, Embeddings)
    assert spec.provider == "ollama"
    assert model.model == "nomic-embed-text"


def test_make_embeddings_refuses_an_unknown_name(tmp_path):
    with pytest.raises(EmbeddingError):
        make_embeddings(Settings(data_dir=tmp_path), "no-such-model")


def test_vectors_come_back_in_input_order_when_lengths_differ() -> None:
    # Texts are embedded sorted by length; each vector must still land at its own text.
    model = OnnxMiniLMEmbeddings(batch_size=2)
    texts = ["a much longer text about quantized models served on CPUs " * 6, "short", "a medium length sentence here"]
    together = np.array(model.embed_documents(texts))
    alone = np.array([model.embed_query(t) for t in texts])
    assert np.allclose(together, alone, atol=1e-5)
