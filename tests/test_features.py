"""Clause features: the negation-marked character view matches scikit-learn's char analyzer."""

import pandas as pd
from sklearn.feature_extraction.text import TfidfVectorizer

from vocpipe.classify.features import NEG_MARK, char_input, marked_char_ngrams


def test_unnegated_text_gives_exactly_sklearns_char_ngrams():
    text = "配送は早かった。  ｱﾌﾟﾘもOK"
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()
    assert marked_char_ngrams(text) == reference(text)


def test_char_ngrams_equal_sklearns_on_every_corpus_clause():
    from vocpipe.classify.features import char_ngrams
    from vocpipe.corpus import load_clauses

    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 3)).build_analyzer()
    texts = load_clauses()["text"].tolist() + ["", "a", "ab", "　全角　　空白 \t\n改行", "ＡＢＣ😡(´;ω;`)"]
    assert [char_ngrams(t) for t in texts] == [reference(t) for t in texts]
    assert char_ngrams("abcd", (2, 2)) == ["ab", "bc", "cd"] and char_ngrams("ab", (3, 3)) == []


def test_batch_tfidf_equals_sklearns_transform_on_corpus_clauses():
    from vocpipe.analyze import Models
    from vocpipe.classify.features import as_clause_frame, batch_tfidf
    from vocpipe.config import REPO_ROOT
    from vocpipe.corpus import load_clauses

    frame = as_clause_frame(load_clauses()["text"].tolist()[:5000] + ["", "😡😡"])
    featurizer = Models.load(REPO_ROOT / "models").sentiment.pipeline.named_steps["features"]
    for vectorizer, documents in ((featurizer.word_vectorizer_, frame["tokens"]),
                                  (featurizer.char_vectorizer_, featurizer._char_texts(frame))):
        expected, actual = vectorizer.transform(documents), batch_tfidf(vectorizer, documents)
        expected.sort_indices()
        assert (actual.indptr == expected.indptr).all() and (actual.indices == expected.indices).all()
        assert (actual.data == expected.data).all() and actual.dtype == expected.dtype


def test_negated_clause_marks_every_ngram():
    grams = marked_char_ngrams(NEG_MARK + "美味しくない")
    assert grams and all(g.startswith("¬") for g in grams)
    assert "¬美味し" in grams and "美味し" not in grams


def test_only_clauses_with_a_negated_token_are_marked():
    frame = pd.DataFrame({"text": ["美味しかった", "美味しくなかった"], "tokens": ["美味しい た", "美味しい_NEG た"]})
    assert char_input(frame) == ["美味しかった", NEG_MARK + "美味しくなかった"]
