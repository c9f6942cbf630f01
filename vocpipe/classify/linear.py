"""Small helpers shared by the linear heads: softmax/sigmoid, temperature fitting, persistence."""

from __future__ import annotations

import numpy as np
from scipy.optimize import minimize_scalar
from sklearn.linear_model import LogisticRegression


def softmax(scores: np.ndarray) -> np.ndarray:
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


def sigmoid(scores: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-scores))


def fit_temperature(scores: np.ndarray, labels: np.ndarray) -> float:
    """Temperature T minimising the log loss of softmax(scores / T) on held-out (dev) data.

    One scalar keeps the ranking of the linear model and fixes over-confidence, so a reported
    probability of 0.9 is right about 90% of the time.
    """
    if scores.ndim == 1:
        scores = np.column_stack([-scores / 2, scores / 2])

    def nll(t: float) -> float:
        proba = softmax(scores / t)
        return -np.mean(np.log(proba[np.arange(len(labels)), labels] + 1e-12))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


def linear_state(clf: LogisticRegression, prefix: str) -> dict[str, np.ndarray]:
    return {f"{prefix}_coef": clf.coef_.astype(np.float32), f"{prefix}_intercept": clf.intercept_.astype(np.float64)}


def linear_from_state(arrays: dict[str, np.ndarray], prefix: str, classes: list) -> LogisticRegression:
    """A fitted LogisticRegression rebuilt from its weights (no pickle)."""
    clf = LogisticRegression()
    clf.coef_ = arrays[f"{prefix}_coef"].astype(np.float64)
    clf.intercept_ = arrays[f"{prefix}_intercept"]
    clf.classes_ = np.array(classes)
    clf.n_features_in_ = clf.coef_.shape[1]
    return clf
