"""Pretrained word vectors: exact spaCy-compatible hashing, meaningful neighbours, safe loading."""

import shutil

import numpy as np
import pytest

from vocpipe.classify.topics import TopicModel
from vocpipe.classify.wordvectors import WordVectors, murmurhash64a, string_keys
from vocpipe.config import REPO_ROOT
from vocpipe.errors import ModelError
from vocpipe.text.tokenize import join_tokens, tokenize_batch

MODELS = REPO_ROOT / "models"


@pytest.fixture(scope="module")
def vectors():
    return WordVectors.load(MODELS)


def clause_vector(vectors, text):
    return vectors.mean_vectors(join_tokens(tokenize_batch([text])))[0]


def test_hash_matches_the_keys_spacy_gives_its_vector_table():
    # Values printed by spacy.strings.hash_string for the same strings.
    assert murmurhash64a("美味しい".encode()) == 4255793184315247807
    assert murmurhash64a(b"apple") == 8566208034543834098


def test_a_dish_is_closer_to_cooking_than_to_a_bank_transfer(vectors):
    karaage = clause_vector(vectors, "唐揚げ")
    assert karaage @ clause_vector(vectors, "料理") > karaage @ clause_vector(vectors, "振込") + 0.2


def test_customer_service_words_sit_together(vectors):
    service = clause_vector(vectors, "接客")
    assert service @ clause_vector(vectors, "店員") > service @ clause_vector(vectors, "送料") + 0.2


def test_negated_words_keep_their_vector(vectors):
    # 使いやすくない is still about ease of use.
    assert np.allclose(clause_vector(vectors, "使いやすくない"), clause_vector(vectors, "使いやすい"))


def test_unknown_words_give_a_zero_vector_not_an_error(vectors):
    assert not clause_vector(vectors, "ｗｗｗ").any()


def test_most_corpus_tokens_have_a_vector(vectors):
    texts = ["配送が遅くて、梱包も雑でした。", "アプリの画面が見づらい", "店員さんの接客がとても丁寧でした"]
    assert vectors.coverage(join_tokens(tokenize_batch(texts, content_only=True))) >= 0.9


def test_topic_model_refuses_vectors_it_was_not_trained_with(tmp_path):
    for path in MODELS.glob("*"):
        shutil.copy(path, tmp_path / path.name)
    fake = WordVectors(["料理"], np.array([0]), np.ones((1, 300), dtype=np.float32), {"package": "fake"})
    fake.save(tmp_path)
    with pytest.raises(ModelError, match="別の単語ベクトル"):
        TopicModel.load(tmp_path)


def test_strings_that_python_hashes_alike_get_different_keys():
    # CPython hashes stored bytes: 'AX' (1 byte per char) and '塁' (U+5841, 2 bytes) collide.
    assert hash("AX") == hash("塁")
    assert len(set(string_keys(["AX", "塁", "前", "まえ"]).tolist())) == 4


def test_a_word_finds_its_own_vector_even_beside_a_colliding_word():
    table = WordVectors(["AX", "塁"], np.array([0, 1]), np.eye(2, 300, dtype=np.float32))
    means = table.mean_vectors(["塁", "AX", "塁 AX"])
    assert means[:, :2] == pytest.approx(np.array([[0.0, 1.0], [1.0, 0.0], [2 ** -0.5, 2 ** -0.5]]))
    assert not table.mean_vectors(["未知語"]).any()
