"""Clause sentiment (positive / neutral / negative) and request (要望) flags.

:class:`~vocpipe.classify.features.ClauseFeaturizer` features and a multinomial logistic
regression (trained with scikit-learn, applied as a
:class:`~vocpipe.classify.linear.LinearHead`); probabilities are calibrated with one
temperature fitted on the dev split.  A second logistic head on the same features flags requests
(「〜してほしい」「〜を希望します」).

Per clause the model gives ``sentiment``, the three probabilities, ``sentiment_score`` =
P(positive) - P(negative) in [-1, 1], ``confidence`` (the top probability) and ``request``.

Comment-level sentiment (see :func:`comment_sentiment`) averages its clauses' probabilities,
weighted by clause length, and takes the most probable label; it is ``mixed`` when one clause is
clearly positive and another clearly negative (both >= 0.6).  Its score is P(pos) - P(neg) of
that average.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from vocpipe.classify.features import ClauseFeaturizer, as_clause_frame
from vocpipe.classify.linear import LinearHead, fit_temperature, sigmoid, softmax
from vocpipe.classify.modelio import load_model

LABELS = ("negative", "neutral", "positive")
MODEL_NAME = "sentiment"


def make_classifier(C: float = 4.0, seed: int = 0):
    """The untrained sentiment head: multinomial logistic regression with balanced classes."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=seed)


class SentimentModel:
    """Trained sentiment + request model with calibrated probabilities."""

    def __init__(self, featurizer: ClauseFeaturizer, clf: LinearHead, request_clf: LinearHead, temperature: float = 1.0,
                 request_threshold: float = 0.5, version: str = "untracked", C: float | None = None):
        self.featurizer = featurizer
        self.clf = clf
        self.request_clf = request_clf
        self.temperature = temperature
        self.request_threshold = request_threshold
        self.version = version
        self.C = C

    # -- training --------------------------------------------------------------------------
    @classmethod
    def fit(cls, texts: Sequence[str] | pd.DataFrame, sentiments: Sequence[str], requests: Sequence[int],
            dev_texts=None, dev_sentiments=None, C: float = 4.0, seed: int = 0) -> "SentimentModel":
        frame = as_clause_frame(texts)
        featurizer = ClauseFeaturizer().fit(frame)
        features = featurizer.transform(frame)
        clf = LinearHead.from_estimator(make_classifier(C=C, seed=seed).fit(features, list(sentiments)))
        request_labels = np.asarray(requests, dtype=int)
        if len(set(request_labels)) > 1:
            request_clf = LinearHead.from_estimator(make_classifier(C=C, seed=seed).fit(features, request_labels))
        else:  # no request labels in the data: a head that never fires (and says so in the card)
            request_clf = LinearHead(np.zeros((1, features.shape[1])), np.array([-20.0]), [0, 1])
        model = cls(featurizer, clf, request_clf, C=C)
        if dev_texts is not None and len(dev_texts):
            scores = clf.decision_function(featurizer.transform(as_clause_frame(dev_texts)))
            index = {label: i for i, label in enumerate(clf.classes_)}
            model.temperature = fit_temperature(scores, np.array([index[s] for s in dev_sentiments]))
        return model

    # -- prediction ------------------------------------------------------------------------
    @property
    def classes_(self) -> np.ndarray:
        return self.clf.classes_

    def features(self, X):
        return self.featurizer.transform(as_clause_frame(X))

    def predict_proba(self, X, *, features=None) -> np.ndarray:
        features = self.features(X) if features is None else features
        scores = self.clf.decision_function(features)
        return softmax(scores / self.temperature)

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    def request_proba(self, X, *, features=None) -> np.ndarray:
        features = self.features(X) if features is None else features
        return sigmoid(self.request_clf.decision_function(features))

    def analyse(self, X, *, features=None) -> pd.DataFrame:
        """Per clause: ``sentiment``, ``p_negative``/``p_neutral``/``p_positive``,
        ``sentiment_score``, ``confidence``, ``request`` (bool), ``request_proba``.

        ``features`` may be passed when they were already computed by an identical featurizer."""
        frame = as_clause_frame(X)
        if len(frame) == 0:
            return pd.DataFrame(columns=["sentiment", "p_negative", "p_neutral", "p_positive",
                                         "sentiment_score", "confidence", "request", "request_proba"])
        features = self.features(frame) if features is None else features
        proba = self.predict_proba(None, features=features)
        classes = list(self.classes_)
        out = pd.DataFrame({f"p_{c}": proba[:, i] for i, c in enumerate(classes)})
        out.insert(0, "sentiment", np.array(classes, dtype=object)[proba.argmax(axis=1)])
        out["sentiment_score"] = out["p_positive"] - out["p_negative"]
        out["confidence"] = proba.max(axis=1)
        request_proba = self.request_proba(None, features=features)
        out["request"] = request_proba >= self.request_threshold
        out["request_proba"] = request_proba
        # Text with no word at all (emoji only, blank) keeps what the character features say;
        # an empty string is neutral by definition.
        empty = frame["text"].str.strip().eq("").to_numpy()
        if empty.any():
            out.loc[empty, ["sentiment", "sentiment_score", "request"]] = ["neutral", 0.0, False]
        return out

    # -- persistence -----------------------------------------------------------------------
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta, arrays = self.featurizer.to_state()
        meta = {"kind": "sentiment", "featurizer": meta, "classes": list(self.classes_),
                "temperature": self.temperature, "request_threshold": self.request_threshold, "C": self.C}
        return meta, {**arrays, **self.clf.state("sentiment"), **self.request_clf.state("request")}

    @classmethod
    def load(cls, models_dir: Path) -> "SentimentModel":
        meta, arrays, card = load_model(Path(models_dir), MODEL_NAME)
        return cls(ClauseFeaturizer.from_state(meta["featurizer"], arrays),
                   LinearHead.from_state(arrays, "sentiment", meta["classes"]), LinearHead.from_state(arrays, "request", [0, 1]),
                   meta["temperature"], meta["request_threshold"], card.get("version", "unknown"), C=meta.get("C"))


def comment_sentiment(clause_proba: np.ndarray, clause_lengths: Sequence[int]) -> tuple[str, float]:
    """Aggregate clause probabilities (columns negative, neutral, positive) into a comment label
    and score; the rule is in the module docstring."""
    proba = np.asarray(clause_proba, dtype=float).reshape(-1, 3)
    if len(proba) == 0:
        return "neutral", 0.0
    weights = np.maximum(np.asarray(clause_lengths, dtype=float), 1.0)
    mean = np.average(proba, axis=0, weights=weights)
    score = float(mean[2] - mean[0])
    if proba[:, 2].max() >= 0.6 and proba[:, 0].max() >= 0.6 and proba[:, 2].argmax() != proba[:, 0].argmax():
        return "mixed", score
    return LABELS[int(mean.argmax())], score
