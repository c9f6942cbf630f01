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
    import numpy as np

    from vocpipe.analyze import Models
    from vocpipe.classify.features import as_clause_frame, batch_tfidf
    from vocpipe.config import REPO_ROOT
    from vocpipe.corpus import load_clauses

    frame = as_clause_frame(load_clauses()["text"].tolist()[:5000] + ["", "😡😡"])
    featurizer = Models.load(REPO_ROOT / "models").sentiment.featurizer
    for fitted, documents in ((featurizer.word_vectorizer_, frame["tokens"]),
                              (featurizer.char_vectorizer_, featurizer._char_texts(frame))):
        reference = TfidfVectorizer(analyzer=fitted.analyzer, sublinear_tf=True, vocabulary=fitted.vocabulary_, dtype=np.float32)
        reference.idf_ = fitted.idf_
        expected, actual = reference.transform(documents), batch_tfidf(fitted, documents)
        expected.sort_indices()
        assert (actual.indptr == expected.indptr).all() and (actual.indices == expected.indices).all()
        assert (actual.data == expected.data).all() and actual.dtype == expected.dtype


def test_linear_head_scores_exactly_like_sklearns_logistic_regression():
    import numpy as np
    import scipy.sparse as sp
    from sklearn.linear_model import LogisticRegression

    from vocpipe.classify.linear import LinearHead

    rng = np.random.default_rng(0)
    X = sp.random(300, 40, density=0.2, format="csr", dtype=np.float32, random_state=1)
    for labels in (rng.integers(0, 2, 300), np.array(["negative", "neutral", "positive"])[rng.integers(0, 3, 300)]):
        clf = LogisticRegression(max_iter=500).fit(X, labels)
        clf.coef_ = clf.coef_.astype(np.float64)  # a loaded model's weights are float64
        head = LinearHead.from_state(LinearHead.from_estimator(clf).state("h"), "h", list(clf.classes_))
        clf.coef_ = head.coef_
        assert np.array_equal(head.decision_function(X), clf.decision_function(X))


def test_l2_normalize_rows_equals_sklearns_normalize_for_sparse_and_dense_rows():
    import numpy as np
    import scipy.sparse as sp
    from sklearn.preprocessing import normalize

    from vocpipe.classify.topics import l2_normalize_rows

    rng = np.random.default_rng(3)
    values = (rng.random((50, 30)) * (rng.random((50, 30)) < 0.3)).astype(np.float32)
    values[3] = 0.0  # an empty row stays empty
    sparse = sp.csr_matrix(values)
    dense = rng.normal(size=(50, 30)).astype(np.float32)
    dense[7] = 0.0
    assert (l2_normalize_rows(sparse) != normalize(sparse)).nnz == 0
    assert np.array_equal(l2_normalize_rows(dense), normalize(dense))


def test_analysing_comments_does_not_import_scikit_learn():
    """Each analysis process stays ~80 MB smaller: scikit-learn is for training only."""
    import subprocess
    import sys

    from vocpipe.config import REPO_ROOT

    code = ("import sys, pandas as pd; from vocpipe.analyze import Models, analyse_comments; "
            f"m = Models.load(__import__('pathlib').Path({str(REPO_ROOT / 'models')!r})); "
            "out = analyse_comments(pd.DataFrame({'response_id': ['A1'], 'comment': ['店員さんは親切でしたが、待ち時間が長すぎます。']}), m); "
            "print(len(out), 'sklearn' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    assert result.stdout.split() == ["2", "False"]


def test_negated_clause_marks_every_ngram():
    grams = marked_char_ngrams(NEG_MARK + "美味しくない")
    assert grams and all(g.startswith("¬") for g in grams)
    assert "¬美味し" in grams and "美味し" not in grams


def test_only_clauses_with_a_negated_token_are_marked():
    frame = pd.DataFrame({"text": ["美味しかった", "美味しくなかった"], "tokens": ["美味しい た", "美味しい_NEG た"]})
    assert char_input(frame) == ["美味しかった", NEG_MARK + "美味しくなかった"]
