"""Tokenisation: lemmas, content words, and negation folded into the predicate."""

import pytest

from vocpipe.text.tokenize import get_tagger, tokenize, tokenize_batch


@pytest.mark.parametrize("text, folded", [
    ("美味しくなかった", "美味しい_NEG"),
    ("悪くない", "悪い_NEG"),
    ("二度と行かない", "行く_NEG"),
    ("不満はないです", "不満_NEG"),
    ("使いにくくはない", "難い_NEG"),
    ("予約が取れませんでした", "取れる_NEG"),
    ("連絡が来ず困った", "来る_NEG"),
])
def test_negation_is_folded_into_the_preceding_word(text, folded):
    assert folded in tokenize_batch([text])[0]


def test_affirmative_sentence_has_no_negation_marker():
    assert tokenize_batch(["料理が美味しかった"])[0] == ["料理", "が", "美味しい", "た"]


def test_content_only_drops_particles_and_light_words():
    assert tokenize_batch(["アプリがとても使いやすいです"], content_only=True)[0] == ["アプリ", "使う", "易い"]


def test_half_width_and_full_width_give_the_same_lemmas_after_normalisation():
    from vocpipe.text.normalize import normalize_comment

    assert tokenize_batch([normalize_comment("ｱﾌﾟﾘ")]) == tokenize_batch(["アプリ"])


def test_empty_text_gives_no_tokens():
    assert tokenize_batch(["", "。。"]) == [[], []]


def test_tokens_expose_surface_lemma_and_pos():
    first = tokenize("美味しく")[0]
    assert (first.surface, first.lemma, first.pos) == ("美味しく", "美味しい", "形容詞-一般")


def test_one_tagger_per_thread():
    assert get_tagger() is get_tagger()
