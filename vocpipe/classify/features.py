"""Clause features shared by the sentiment and topic models.

``ClauseFeaturizer`` (``fit``/``transform``, learned state ending in ``_``) turns clauses into
one sparse matrix of

* TF-IDF over lemma unigrams + bigrams from :mod:`vocpipe.text.tokenize` (negation folded, so
  ``美味しい`` and ``美味しい_NEG`` are different features), and
* TF-IDF over character 1-3-grams of the normalised text, which catches typos, slang, emoji and
  words the dictionary splits oddly (ｺｽﾊﾟ, 神対応, 😡).  In a clause whose tokens carry a
  negation (``_NEG``) every character n-gram is marked ``¬`` (``negation_marked_chars``): without
  that, the n-grams of 美味しく in 「美味しくなかった」 vote exactly as in 「美味しかった」 and outvote
  the one ``美味しい_NEG`` token.

Input ``X`` is either a sequence of clause texts or a DataFrame with ``text`` and ``tokens``
(space-joined token strings) columns; the flow passes the DataFrame so each clause is
tokenised once for all models.

Its fitted state is plain arrays and strings (:meth:`to_state`/:meth:`from_state`), so model
files never need pickle.  Fitting uses scikit-learn's ``TfidfVectorizer``; a fitted or loaded
featurizer keeps only :class:`FittedTfidf` vocabularies and weights, so analysing text never
imports scikit-learn (~80 MB in each analysis process).
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Sequence
from itertools import chain, repeat

import numpy as np
import pandas as pd
import scipy.sparse as sp

from vocpipe.text.tokenize import NEG_SUFFIX, tokenize_joined


def token_unigrams_bigrams(text: str) -> list[str]:
    """Analyzer for space-joined token strings: each token plus each adjacent pair.

    Module level (not a lambda) so estimators stay cloneable.  Bigrams keep local context such
    as ``配送 遅い`` and ``二度と 使う_NEG``.
    """
    tokens = text.split()
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


NEG_MARK = "\x00"  # first character of a clause text handed to the char analyzer: negated clause


_WHITE_SPACES = re.compile(r"\s\s+")


def char_ngrams(text: str, ngram_range=(1, 3)) -> list[str]:
    """Exactly scikit-learn's ``analyzer="char"`` n-grams, in its order: lowercased, runs of
    whitespace folded to one space, then every n-gram for n = min..max.  Each n-gram is the
    (n-1)-gram plus the next character, one C-level ``map(operator.add)`` per n instead of
    scikit-learn's Python loop per n-gram (~25% less time on the ~40 n-grams of every clause)."""
    chars = list(_WHITE_SPACES.sub(" ", text.lower()))
    min_n, max_n = ngram_range
    grams: list[str] = list(chars) if min_n <= 1 else []
    level = chars
    for n in range(2, min(max_n, len(chars)) + 1):
        level = list(map(operator.add, level, chars[n - 1 :]))
        if n >= min_n:
            grams += level
    return grams


def marked_char_ngrams(text: str, ngram_range=(1, 3)) -> list[str]:
    """Character n-grams exactly as scikit-learn's ``analyzer="char"``, each prefixed with ``¬``
    when the text starts with :data:`NEG_MARK`."""
    if text.startswith(NEG_MARK):
        return list(map("¬".__add__, char_ngrams(text[1:], tuple(ngram_range))))
    return char_ngrams(text, tuple(ngram_range))


def char_input(frame: pd.DataFrame) -> list[str]:
    """Clause texts for the char analyzer, negated clauses marked with :data:`NEG_MARK`."""
    return [NEG_MARK + text if NEG_SUFFIX in tokens else text for text, tokens in zip(frame["text"], frame["tokens"])]


def as_clause_frame(X: Sequence[str] | pd.DataFrame) -> pd.DataFrame:
    """A DataFrame with ``text`` and ``tokens``; tokenises when only texts are given."""
    if isinstance(X, pd.DataFrame) and "tokens" in X.columns:
        return X
    texts = list(X["text"]) if isinstance(X, pd.DataFrame) else [str(x) for x in X]
    return pd.DataFrame({"text": texts, "tokens": tokenize_joined(texts)})


class FittedTfidf:
    """A fitted sublinear-tf, L2-normed TF-IDF vocabulary: what :func:`batch_tfidf` needs of a
    scikit-learn ``TfidfVectorizer`` (``build_analyzer``, ``vocabulary_``, ``idf_``, ``dtype``)."""

    def __init__(self, analyzer, vocabulary: dict[str, int], idf: np.ndarray, dtype=np.float32):
        self.analyzer = analyzer
        self.vocabulary_ = vocabulary
        self.idf_ = idf
        self.dtype = dtype

    def build_analyzer(self):
        return self.analyzer

    def transform(self, documents) -> sp.csr_matrix:
        return batch_tfidf(self, documents)

    def ordered_vocabulary(self) -> list[str]:
        ordered = [""] * len(self.vocabulary_)
        for term, index in self.vocabulary_.items():
            ordered[index] = term
        return ordered


class ClauseFeaturizer:
    """Word (lemma n-gram) + character n-gram TF-IDF features for clauses."""

    def __init__(self, char_ngram_range=(1, 3), min_df=2, max_char_features=60000, negation_marked_chars=True):
        self.char_ngram_range = char_ngram_range
        self.min_df = min_df
        self.max_char_features = max_char_features
        self.negation_marked_chars = negation_marked_chars

    def _char_analyzer(self):
        """The char analyzer as a callable: scikit-learn's ``analyzer="char"`` (lower-cased,
        whitespace folded) is exactly :func:`char_ngrams`."""
        function = marked_char_ngrams if self.negation_marked_chars else char_ngrams
        return functools.partial(function, ngram_range=tuple(self.char_ngram_range))

    def fit(self, X, y=None):
        from sklearn.feature_extraction.text import TfidfVectorizer

        frame = as_clause_frame(X)
        words = TfidfVectorizer(analyzer=token_unigrams_bigrams, min_df=self.min_df, sublinear_tf=True,
                                lowercase=False, dtype=np.float32).fit(frame["tokens"])
        chars = TfidfVectorizer(analyzer=self._char_analyzer(), min_df=self.min_df, max_features=self.max_char_features,
                                sublinear_tf=True, dtype=np.float32).fit(self._char_texts(frame))
        self.word_vectorizer_ = FittedTfidf(token_unigrams_bigrams, words.vocabulary_, words.idf_, words.dtype)
        self.char_vectorizer_ = FittedTfidf(self._char_analyzer(), chars.vocabulary_, chars.idf_, chars.dtype)
        self.n_features_out_ = len(self.word_vectorizer_.vocabulary_) + len(self.char_vectorizer_.vocabulary_)
        return self

    def transform(self, X):
        frame = as_clause_frame(X)
        words = self.word_vectorizer_.transform(frame["tokens"])
        chars = self.char_vectorizer_.transform(self._char_texts(frame))
        return sp.hstack([words, chars], format="csr")

    def _char_texts(self, frame: pd.DataFrame) -> list[str]:
        return char_input(frame) if self.negation_marked_chars else list(frame["text"])

    def get_feature_names_out(self, input_features=None):
        words = ["w:" + w for w in self.word_vectorizer_.ordered_vocabulary()]
        chars = ["c:" + c for c in self.char_vectorizer_.ordered_vocabulary()]
        return np.array(words + chars, dtype=object)

    # -- safe persistence: vocabularies and idf weights only -------------------------------
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta = {
            "params": {
                "char_ngram_range": list(self.char_ngram_range),
                "min_df": self.min_df, "max_char_features": self.max_char_features,
                "negation_marked_chars": self.negation_marked_chars,
            },
            "word_vocabulary": self.word_vectorizer_.ordered_vocabulary(),
            "char_vocabulary": self.char_vectorizer_.ordered_vocabulary(),
        }
        arrays = {"word_idf": self.word_vectorizer_.idf_, "char_idf": self.char_vectorizer_.idf_}
        return meta, arrays

    def fingerprint(self) -> str:
        """Hash of the fitted state: two featurizers with the same fingerprint produce identical
        matrices, so the flow computes features once for both models."""
        import hashlib

        meta, arrays = self.to_state()
        digest = hashlib.sha256(repr((meta["params"], meta["word_vocabulary"], meta["char_vocabulary"])).encode())
        for key in sorted(arrays):
            digest.update(np.ascontiguousarray(arrays[key], dtype=np.float64).tobytes())
        return digest.hexdigest()

    @classmethod
    def from_state(cls, meta: dict, arrays: dict[str, np.ndarray]) -> "ClauseFeaturizer":
        params = meta["params"]
        featurizer = cls(
            char_ngram_range=tuple(params["char_ngram_range"]),
            min_df=params["min_df"], max_char_features=params["max_char_features"],
            # Models saved before the option existed were trained on unmarked n-grams.
            negation_marked_chars=params.get("negation_marked_chars", False),
        )
        featurizer.word_vectorizer_ = FittedTfidf(token_unigrams_bigrams, {t: i for i, t in enumerate(meta["word_vocabulary"])},
                                                  arrays["word_idf"])
        featurizer.char_vectorizer_ = FittedTfidf(featurizer._char_analyzer(), {t: i for i, t in enumerate(meta["char_vocabulary"])},
                                                  arrays["char_idf"])
        featurizer.n_features_out_ = len(meta["word_vocabulary"]) + len(meta["char_vocabulary"])
        return featurizer


def batch_tfidf(vectorizer, documents) -> sp.csr_matrix:
    """``vectorizer.transform(documents)`` for a fitted sublinear-tf, L2-normed TfidfVectorizer
    (or :class:`FittedTfidf`),
    with the vocabulary lookups done for the whole batch at once.

    Why: scikit-learn counts each document's features in a Python loop with a dict per
    document, which was a third of the classification stage on survey batches; here every
    n-gram of the batch goes through one ``dict.get`` map and SciPy sums the duplicates.  The
    arithmetic is scikit-learn's, step by step (counts, ``1 + log``, times idf in the vectorizer's
    dtype, each row divided by the root of its float64 sum of squares), so the matrices are
    equal (checked on every corpus clause in tests/test_features.py)."""
    analyze = vectorizer.build_analyzer()
    grams = [analyze(document) for document in documents]
    lengths = np.fromiter(map(len, grams), dtype=np.int64, count=len(grams))
    columns = np.fromiter(map(vectorizer.vocabulary_.get, chain.from_iterable(grams), repeat(-1)),
                          dtype=np.int64, count=int(lengths.sum()))
    rows = np.repeat(np.arange(len(grams)), lengths)
    known = columns >= 0
    dtype = vectorizer.dtype
    matrix = sp.csr_matrix((np.ones(int(known.sum()), dtype=dtype), (rows[known], columns[known])),
                           shape=(len(grams), len(vectorizer.vocabulary_)), dtype=dtype)
    matrix.sum_duplicates()
    data = matrix.data
    np.log(data, out=data)
    data += 1.0
    data *= vectorizer.idf_[matrix.indices]
    normalize_csr_rows(matrix)
    return matrix


def normalize_csr_rows(matrix: sp.csr_matrix) -> None:
    """Scale each row of ``matrix`` to unit L2 length in place, with scikit-learn's arithmetic
    (``normalize``): squares in the matrix's dtype summed in float64 in storage order, each value
    divided by its float64 norm, all-zero rows left alone."""
    data = matrix.data
    owner = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
    norms = np.sqrt(np.bincount(owner, weights=data * data, minlength=matrix.shape[0]))
    norms[norms == 0.0] = 1.0
    matrix.data = (data / norms[owner]).astype(data.dtype, copy=False)
