"""Small helpers shared by the linear heads: softmax/sigmoid, temperature fitting, and
:class:`LinearHead`, the fitted weights of a logistic regression without scikit-learn."""

from __future__ import annotations

import numpy as np


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
    from scipy.optimize import minimize_scalar

    if scores.ndim == 1:
        scores = np.column_stack([-scores / 2, scores / 2])

    def nll(t: float) -> float:
        proba = softmax(scores / t)
        return -np.mean(np.log(proba[np.arange(len(labels)), labels] + 1e-12))

    return float(minimize_scalar(nll, bounds=(0.05, 20.0), method="bounded").x)


class LinearHead:
    """Weights and classes of a fitted (binary or multinomial) logistic regression.

    ``decision_function`` is scikit-learn's (``X @ coef.T + intercept``, one column for two
    classes), so a model trained with scikit-learn scores the same without importing it."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: list):
        self.coef_ = np.asarray(coef, dtype=np.float64)
        self.intercept_ = np.asarray(intercept, dtype=np.float64)
        self.classes_ = np.array(classes)

    @classmethod
    def from_estimator(cls, clf) -> "LinearHead":
        return cls(clf.coef_, clf.intercept_, list(clf.classes_))

    def decision_function(self, X) -> np.ndarray:
        scores = np.asarray(X @ self.coef_.T) + self.intercept_
        return scores.ravel() if scores.shape[1] == 1 else scores

    def state(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_coef": self.coef_.astype(np.float32), f"{prefix}_intercept": self.intercept_.astype(np.float64)}

    @classmethod
    def from_state(cls, arrays: dict[str, np.ndarray], prefix: str, classes: list) -> "LinearHead":
        return cls(arrays[f"{prefix}_coef"], arrays[f"{prefix}_intercept"], classes)
