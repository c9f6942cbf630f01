"""Multi-label clause topics: one-vs-rest linear models plus taxonomy keyword rules.

* Topics with enough labelled clauses (``min_examples`` in training) get a logistic model over
  the shared :class:`~vocpipe.classify.features.ClauseFeaturizer` features, with a per-topic
  probability threshold tuned for F1 on the dev split.
* Topics with few or no labels (a topic a user just added to the taxonomy) are assigned by the
  taxonomy's seed keywords, so they work before anyone labels data.

The design matrix of the logistic models has these blocks:

1. the clause's TF-IDF features (shared with the sentiment model, computed once per batch);
2. the clause's mean pretrained word vector (:mod:`vocpipe.classify.wordvectors`), which lets
   unseen words count: 唐揚げ is near 料理 and 味 even if no label mentions it;
3. which topics' seed keywords occur in the clause (one 0/1 column per topic of the taxonomy
   the model was trained with, ``keyword_taxonomy``): the analyst's own vocabulary as a
   feature, so a keyword seen in few labelled clauses still counts;
4. the same blocks for the clause's whole comment (L2-normalised sum over the comment's
   clauses), weighted by ``context_weight``.  Annotators label 「開通後は快適です」 as network
   quality because the comment is about the line; the context blocks let the model see that.
   Clauses are grouped by ``groups`` (response id in the flow, comment id in training); without
   groups a clause is its own context.

Every assignment says where it came from: ``topic_sources`` holds ``model`` or ``rule`` for
each topic in ``topics``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from vocpipe.classify.features import ClauseFeaturizer, as_clause_frame, normalize_csr_rows
from vocpipe.classify.linear import sigmoid
from vocpipe.classify.modelio import load_model
from vocpipe.classify.taxonomy import Taxonomy, taxonomy_from_dict
from vocpipe.classify.wordvectors import WordVectors
from vocpipe.errors import ModelError

MODEL_NAME = "topics"


class TopicModel:
    """Trained multi-label topic model bound to the taxonomy it was trained with."""

    def __init__(self, taxonomy: Taxonomy, featurizer: ClauseFeaturizer | None, model_topics: list[str],
                 coef: np.ndarray, intercept: np.ndarray, thresholds: np.ndarray, version: str = "untracked",
                 *, vectors: WordVectors | None = None, context_weight: float = 0.0,
                 keyword_taxonomy: Taxonomy | None = None):
        self.taxonomy = taxonomy
        self.featurizer = featurizer
        self.model_topics = list(model_topics)
        self.coef = coef
        self.intercept = intercept
        self.thresholds = thresholds
        self.version = version
        self.vectors = vectors
        self.context_weight = float(context_weight)
        self.keyword_taxonomy = keyword_taxonomy

    @property
    def rule_topics(self) -> list[str]:
        return [k for k in self.taxonomy.keys if k not in self.model_topics]

    def with_taxonomy(self, taxonomy: Taxonomy) -> "TopicModel":
        """The same trained heads under an edited taxonomy: removed topics disappear, new ones
        are assigned by their keywords, renamed labels show up in reports."""
        keep = [i for i, t in enumerate(self.model_topics) if t in taxonomy.keys]
        return TopicModel(taxonomy, self.featurizer, [self.model_topics[i] for i in keep],
                          self.coef[keep], self.intercept[keep], self.thresholds[keep], self.version,
                          vectors=self.vectors, context_weight=self.context_weight,
                          keyword_taxonomy=self.keyword_taxonomy)

    # -- design matrix -----------------------------------------------------------------------
    def clause_blocks(self, frame: pd.DataFrame, features=None) -> list:
        """The clause's own feature blocks: TF-IDF (sparse) and, when the model has them, its
        mean word vector and its keyword hits (dense)."""
        features = self.featurizer.transform(frame) if features is None else features
        blocks = [sp.csr_matrix(features, dtype=np.float32)]
        if self.vectors is not None:
            blocks.append(self.vectors.mean_vectors(frame["tokens"].tolist()))
        if self.keyword_taxonomy is not None:
            blocks.append(self.keyword_taxonomy.keyword_matrix(frame["text"].tolist()))
        return blocks

    def design(self, frame: pd.DataFrame, features=None, groups=None):
        """The full training matrix: the clause blocks, then each block summed over the clause's
        comment and L2-normalised, times ``context_weight``."""
        blocks = self.clause_blocks(frame, features)
        columns = [sp.csr_matrix(b, dtype=np.float32) for b in blocks]
        if self.context_weight:
            codes = group_codes(groups, len(frame))
            columns += [self.context_weight * sp.csr_matrix(comment_sums(b, codes)[codes], dtype=np.float32) for b in blocks]
        return sp.hstack(columns, format="csr", dtype=np.float32)

    # -- training --------------------------------------------------------------------------
    @classmethod
    def fit(cls, taxonomy: Taxonomy, texts, topic_lists: Sequence[Sequence[str]], dev_texts=None,
            dev_topic_lists=None, *, groups=None, dev_groups=None, vectors: WordVectors | None = None,
            context_weight: float = 0.0, keyword_features: bool = False, class_weight: str | None = "balanced",
            C: float = 8.0, min_examples: int = 15, seed: int = 0) -> "TopicModel":
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import f1_score

        frame = as_clause_frame(texts)
        featurizer = ClauseFeaturizer().fit(frame)
        keyword_taxonomy = taxonomy if keyword_features else None
        shell = cls(taxonomy, featurizer, [], np.zeros((0, 0)), np.zeros(0), np.zeros(0),
                    vectors=vectors, context_weight=context_weight, keyword_taxonomy=keyword_taxonomy)
        features = shell.design(frame, groups=groups)
        dev_features = shell.design(as_clause_frame(dev_texts), groups=dev_groups) if dev_texts is not None else None
        model_topics, coefs, intercepts, thresholds = [], [], [], []
        for topic in taxonomy.keys:
            y = np.array([topic in ts for ts in topic_lists], dtype=int)
            if y.sum() < min_examples:
                continue
            clf = LogisticRegression(C=C, max_iter=3000, class_weight=class_weight, random_state=seed).fit(features, y)
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
        return cls(taxonomy, featurizer, model_topics,
                   np.array(coefs, dtype=np.float32).reshape(len(model_topics), features.shape[1]),
                   np.array(intercepts), np.array(thresholds), vectors=vectors, context_weight=context_weight,
                   keyword_taxonomy=keyword_taxonomy)

    # -- prediction ------------------------------------------------------------------------
    def model_proba(self, X, *, features=None, groups=None) -> np.ndarray:
        """P(topic) for each model topic (columns follow ``model_topics``).

        ``features`` are the shared clause TF-IDF features when the caller already has them;
        ``groups`` (one key per clause, e.g. the response id) say which clauses form a comment."""
        frame = as_clause_frame(X)
        if not self.model_topics:
            return np.zeros((len(frame), 0))
        # Block by block instead of building the design matrix: the context blocks are scored
        # once per comment and broadcast to its clauses, and the dense vector block never
        # becomes a sparse matrix (5-10x faster than design() @ coef on survey batches).
        blocks = self.clause_blocks(frame, features)
        coef = self.coef.astype(np.float32, copy=False)
        logits = np.tile(self.intercept.astype(np.float32), (len(frame), 1))
        start = 0
        for block in blocks:
            width = block.shape[1]
            logits += np.asarray(block @ coef[:, start : start + width].T)
            start += width
        if self.context_weight:
            codes = group_codes(groups, len(frame))
            for block in blocks:
                width = block.shape[1]
                logits += self.context_weight * np.asarray(comment_sums(block, codes) @ coef[:, start : start + width].T)[codes]
                start += width
        return sigmoid(logits)

    def predict(self, X, *, features=None, groups=None) -> pd.DataFrame:
        """Per clause: ``topics`` (list of keys), ``topic_sources`` (``model``/``rule`` each)
        and ``topic_confidence`` (the smallest distance of any model topic's probability from
        its threshold, scaled to [0, 1]; low means unsure, used to queue clauses for labelling)."""
        frame = as_clause_frame(X)
        proba = self.model_proba(frame, features=features, groups=groups)
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
                "taxonomy": self.taxonomy.to_dict(), "context_weight": self.context_weight,
                "word_vectors": None if self.vectors is None else {
                    "sha256": getattr(self.vectors, "sha256", None), "words": self.vectors.n_words, "dim": self.vectors.dim},
                "keyword_features": None if self.keyword_taxonomy is None else self.keyword_taxonomy.to_dict()}
        return meta, {**arrays, "topic_coef": self.coef, "topic_intercept": self.intercept,
                      "topic_thresholds": self.thresholds}

    @classmethod
    def load(cls, models_dir: Path, taxonomy: Taxonomy | None = None) -> "TopicModel":
        meta, arrays, card = load_model(Path(models_dir), MODEL_NAME)
        vectors = None
        if meta.get("word_vectors"):
            vectors = WordVectors.load(Path(models_dir))
            if vectors.sha256 != meta["word_vectors"]["sha256"]:
                raise ModelError(f"{models_dir}/topics は別の単語ベクトルで学習されています。"
                                 " vocpipe train topics で学習し直してください")
        model = cls(
            taxonomy_from_dict(meta["taxonomy"], "model"), ClauseFeaturizer.from_state(meta["featurizer"], arrays),
            meta["model_topics"], arrays["topic_coef"], arrays["topic_intercept"], arrays["topic_thresholds"],
            card.get("version", "unknown"), vectors=vectors, context_weight=meta.get("context_weight", 0.0),
            # The keywords the model was trained with, whatever taxonomy it is used with later.
            keyword_taxonomy=taxonomy_from_dict(meta["keyword_features"], "model") if meta.get("keyword_features") else None,
        )
        return model.with_taxonomy(taxonomy) if taxonomy is not None else model


def group_codes(groups, n: int) -> np.ndarray:
    """0..k-1 code per clause for its comment; ``groups=None``: each clause is its own comment."""
    return np.arange(n) if groups is None else pd.factorize(np.asarray(groups))[0]


def comment_sums(block, codes: np.ndarray):
    """One row per comment: the sum of its clauses' rows of ``block``, L2-normalised (so the
    TF-IDF and word-vector blocks each keep unit length)."""
    membership = sp.csr_matrix((np.ones(len(codes), dtype=np.float32), (codes, np.arange(len(codes)))),
                               shape=(int(codes.max(initial=-1)) + 1, len(codes)))
    summed = membership @ block
    return l2_normalize_rows(summed if sp.issparse(summed) else np.asarray(summed, dtype=np.float32))


def l2_normalize_rows(matrix):
    """Rows scaled to unit length, with scikit-learn's ``normalize`` arithmetic step by step (so
    scores equal those of the training, which used it): sparse rows as :func:`normalize_csr_rows`;
    dense rows use ``einsum`` norms and leave norms below 10 eps alone."""
    if sp.issparse(matrix):
        matrix = sp.csr_matrix(matrix, copy=True)
        normalize_csr_rows(matrix)
        return matrix
    matrix = np.array(matrix, copy=True)
    norms = np.sqrt(np.einsum("ij,ij->i", matrix, matrix))
    norms[norms < 10 * np.finfo(norms.dtype).eps] = 1.0
    matrix /= norms[:, None]
    return matrix


def keyword_baseline(taxonomy: Taxonomy, texts: Sequence[str]) -> list[list[str]]:
    """Topics from seed keywords alone: the baseline the trained model must beat."""
    return [taxonomy.keyword_topics(t) for t in texts]
