"""Multi-label clause topics: one-vs-rest linear models plus taxonomy keyword rules.

* Topics with enough labelled clauses (``min_examples`` in training) get a logistic model over
  the shared :class:`~vocpipe.classify.features.ClauseFeaturizer` features, with a per-topic
  probability threshold tuned for F1 on the dev split.
* Topics with few or no labels (a topic a user just added to the taxonomy) are assigned by the
  taxonomy's seed keywords, so they work before anyone labels data.

Every assignment says where it came from: ``topic_sources`` holds ``model`` or ``rule`` for
each topic in ``topics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score

from vocpipe.classify.features import ClauseFeaturizer, as_clause_frame
from vocpipe.classify.linear import sigmoid
from vocpipe.classify.modelio import load_model
from vocpipe.classify.taxonomy import Taxonomy, taxonomy_from_dict

MODEL_NAME = "topics"


class TopicModel:
    """Trained multi-label topic model bound to the taxonomy it was trained with."""

    def __init__(self, taxonomy: Taxonomy, featurizer: ClauseFeaturizer | None, model_topics: list[str],
                 coef: np.ndarray, intercept: np.ndarray, thresholds: np.ndarray, version: str = "untracked"):
        self.taxonomy = taxonomy
        self.featurizer = featurizer
        self.model_topics = list(model_topics)
        self.coef = coef
        self.intercept = intercept
        self.thresholds = thresholds
        self.version = version

    @property
    def rule_topics(self) -> list[str]:
        return [k for k in self.taxonomy.keys if k not in self.model_topics]

    def with_taxonomy(self, taxonomy: Taxonomy) -> "TopicModel":
        """The same trained heads under an edited taxonomy: removed topics disappear, new ones
        are assigned by their keywords, renamed labels show up in reports."""
        keep = [i for i, t in enumerate(self.model_topics) if t in taxonomy.keys]
        return TopicModel(taxonomy, self.featurizer, [self.model_topics[i] for i in keep],
                          self.coef[keep], self.intercept[keep], self.thresholds[keep], self.version)

    # -- training --------------------------------------------------------------------------
    @classmethod
    def fit(cls, taxonomy: Taxonomy, texts, topic_lists: Sequence[Sequence[str]], dev_texts=None,
            dev_topic_lists=None, *, C: float = 8.0, min_examples: int = 15, seed: int = 0) -> "TopicModel":
        frame = as_clause_frame(texts)
        featurizer = ClauseFeaturizer().fit(frame)
        features = featurizer.transform(frame)
        dev_features = featurizer.transform(as_clause_frame(dev_texts)) if dev_texts is not None else None
        model_topics, coefs, intercepts, thresholds = [], [], [], []
        for topic in taxonomy.keys:
            y = np.array([topic in ts for ts in topic_lists], dtype=int)
            if y.sum() < min_examples:
                continue
            clf = LogisticRegression(C=C, max_iter=2000, class_weight="balanced", random_state=seed).fit(features, y)
            threshold = 0.5
            if dev_features is not None:
                y_dev = np.array([topic in ts for ts in dev_topic_lists], dtype=int)
                if y_dev.sum() > 0:
                    proba = sigmoid(clf.decision_function(dev_features))
                    grid = np.arange(0.2, 0.91, 0.05)
                    threshold = float(max(grid, key=lambda t: (f1_score(y_dev, proba >= t, zero_division=0), -abs(t - 0.5))))
            model_topics.append(topic)
            coefs.append(clf.coef_[0])
            intercepts.append(clf.intercept_[0])
            thresholds.append(threshold)
        n_features = featurizer.n_features_out_
        return cls(taxonomy, featurizer, model_topics,
                   np.array(coefs, dtype=np.float32).reshape(len(model_topics), n_features),
                   np.array(intercepts), np.array(thresholds))

    # -- prediction ------------------------------------------------------------------------
    def model_proba(self, X, *, features=None) -> np.ndarray:
        """P(topic) for each model topic (columns follow ``model_topics``)."""
        if not self.model_topics:
            return np.zeros((len(as_clause_frame(X)) if features is None else features.shape[0], 0))
        features = self.featurizer.transform(as_clause_frame(X)) if features is None else features
        return sigmoid(features @ self.coef.T.astype(np.float32) + self.intercept)

    def predict(self, X, *, features=None) -> pd.DataFrame:
        """Per clause: ``topics`` (list of keys), ``topic_sources`` (``model``/``rule`` each)
        and ``topic_confidence`` (the smallest distance of any model topic's probability from
        its threshold, scaled to [0, 1]; low means unsure, used to queue clauses for labelling)."""
        frame = as_clause_frame(X) if features is None or isinstance(X, pd.DataFrame) else pd.DataFrame({"text": list(X)})
        proba = self.model_proba(frame, features=features)
        hits = proba >= self.thresholds
        rule_topics = set(self.rule_topics)
        topics_out, sources_out = [], []
        names = np.array(self.model_topics, dtype=object)
        for i, text in enumerate(frame["text"]):
            topics = list(names[hits[i]])
            sources = ["model"] * len(topics)
            if rule_topics:
                for topic in self.taxonomy.keyword_topics(text):
                    if topic in rule_topics:
                        topics.append(topic)
                        sources.append("rule")
            topics_out.append(topics)
            sources_out.append(sources)
        if proba.shape[1]:
            margin = np.abs(proba - self.thresholds) / np.maximum(self.thresholds, 1 - self.thresholds)
            confidence = margin.min(axis=1)
        else:
            confidence = np.ones(len(frame))
        return pd.DataFrame({"topics": topics_out, "topic_sources": sources_out, "topic_confidence": confidence})

    # -- persistence -----------------------------------------------------------------------
    def to_state(self) -> tuple[dict, dict[str, np.ndarray]]:
        meta, arrays = self.featurizer.to_state()
        meta = {"kind": "topics", "featurizer": meta, "model_topics": self.model_topics,
                "taxonomy": self.taxonomy.to_dict()}
        return meta, {**arrays, "topic_coef": self.coef, "topic_intercept": self.intercept,
                      "topic_thresholds": self.thresholds}

    @classmethod
    def load(cls, models_dir: Path, taxonomy: Taxonomy | None = None) -> "TopicModel":
        meta, arrays, card = load_model(Path(models_dir), MODEL_NAME)
        model = cls(
            taxonomy_from_dict(meta["taxonomy"], "model"), ClauseFeaturizer.from_state(meta["featurizer"], arrays),
            meta["model_topics"], arrays["topic_coef"], arrays["topic_intercept"], arrays["topic_thresholds"],
            card.get("version", "unknown"),
        )
        return model.with_taxonomy(taxonomy) if taxonomy is not None else model


def keyword_baseline(taxonomy: Taxonomy, texts: Sequence[str]) -> list[list[str]]:
    """Topics from seed keywords alone: the baseline the trained model must beat."""
    return [taxonomy.keyword_topics(t) for t in texts]
