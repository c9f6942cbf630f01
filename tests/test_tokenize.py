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


def test_one_tagger_per_process():
    assert get_tagger() is get_tagger()


# -- the key memo gives the tokens of the features themselves -----------------------------------
def _corpus_texts():
    from vocpipe.corpus import load_clauses, load_comments
    from vocpipe.text import normalize_comment, split_clauses

    comments = [normalize_comment(record["comment"]) for record in load_comments()]
    clauses = [clause.text for comment in comments for clause in split_clauses(comment)]
    return list(dict.fromkeys([*load_clauses()["text"], *clauses, *comments]))


def _plain_entries(texts):
    """(code, lemma) per morpheme from UniDic's default output of a plain Tagger (surface, lemma
    and POS are its fields 0, 3 and 4): one parse per text, no key memo."""
    import fugashi

    from vocpipe.text.tokenize import _classify_line

    plain = fugashi.Tagger()
    out = []
    for text in texts:
        lines = [line.split("\t") for line in plain.parse(text).split("\n") if line and line != "EOS"] if text else []
        out.append([_classify_line(f"{f[0]}\t{f[3]}\t{f[4]}") for f in lines])
    return out


def _plain_tokens(entries, content_only):
    from vocpipe.text.tokenize import _tokens

    return [_tokens(morphemes, content_only) for morphemes in entries]


@pytest.fixture(scope="module")
def corpus_texts():
    return _corpus_texts()


@pytest.fixture(scope="module")
def corpus_entries(corpus_texts):
    return _plain_entries(corpus_texts)


@pytest.mark.parametrize("content_only", [False, True])
def test_batch_tokens_equal_the_plain_parse_tokens_on_every_corpus_clause(corpus_texts, corpus_entries, content_only,
                                                                          monkeypatch):
    from vocpipe.text import tokenize as module

    monkeypatch.setattr(module, "_memo", module._KeyMemo())  # first sight of every key
    expected = _plain_tokens(corpus_entries, content_only)
    assert tokenize_batch(corpus_texts, content_only=content_only) == expected  # learning
    assert tokenize_batch(corpus_texts, content_only=content_only) == expected  # from the memo


def test_a_full_memo_is_emptied_between_batches_and_relearnt(corpus_texts, corpus_entries, monkeypatch):
    from vocpipe.text import tokenize as module

    memo = module._KeyMemo()
    memo.limit = 50
    monkeypatch.setattr(module, "_memo", memo)
    texts = corpus_texts[:300]
    expected = _plain_tokens(corpus_entries[:300], False)
    assert tokenize_batch(texts) == expected
    assert len(memo) > 50
    assert tokenize_batch(texts[:1]) == expected[:1]
    assert len(memo) < 50 and memo.negating <= memo.keys() and memo.stateful <= memo.keys()


def test_tagger_prints_one_key_line_per_token():
    keys = get_tagger().parse("料理が美味しかった。ｱﾌﾟﾘ").split("\n")
    assert [key.split("\t")[:2] for key in keys] == [
        ["料理", "0"], ["が", "0"], ["美味しかっ", "0"], ["た", "0"], ["。", "0"], ["ｱﾌﾟﾘ", "1"]]


def test_threads_share_the_process_taggers_and_memo():
    """Prefect runs tasks on a pool of threads; each must not map MeCab's dictionary again."""
    from concurrent.futures import ThreadPoolExecutor

    from vocpipe.text import tokenize as module

    with ThreadPoolExecutor(1) as pool:
        other = pool.submit(lambda: (get_tagger(), module._key_memo(), tokenize_batch(["悪くない"]))).result()
    assert other[0] is get_tagger() and other[1] is module._key_memo()
    assert other[2] == tokenize_batch(["悪くない"]) == [["悪い_NEG"]]


def test_threads_tokenising_at_once_get_the_same_tokens_as_one_thread():
    from concurrent.futures import ThreadPoolExecutor

    texts = ["料理は美味しくなかった", "店員さんの対応が良かったです", "アプリが使いにくい", "二度と行かない"] * 50
    expected = tokenize_batch(texts)
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(tokenize_batch, [texts] * 8))
    assert all(result == expected for result in results)


def test_tokenising_a_batch_leaves_the_garbage_collector_as_it_found_it():
    import gc

    assert gc.isenabled()
    tokenize_batch(["料理は美味しかったが、店員の態度が悪かった。"])
    assert gc.isenabled()
    gc.disable()
    try:
        tokenize_batch(["スタッフの対応が丁寧でした。"])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_joined_tokens_are_the_joined_token_lists():
    from vocpipe.text.tokenize import join_tokens, tokenize_joined

    texts = ["料理は美味しくなかった", "スタッフの対応が丁寧でした。", "ｱﾌﾟﾘが使いずらい😡", "", "二度と使わない", "ｷﾞｶﾞ放題ﾌﾟﾗﾝ最高"]
    assert tokenize_joined(texts) == join_tokens(tokenize_batch(texts))
    assert tokenize_joined(texts) == tokenize_joined(texts)  # warm memo, same answer
