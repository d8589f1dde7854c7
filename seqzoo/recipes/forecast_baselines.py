"""Forecasting baselines that recipes measure on the same windows as the models."""
from __future__ import annotations

import numpy as np


def persistence(windows: np.ndarray, target_indices: list[int]) -> np.ndarray:
    """Tomorrow = today: the last row of each window's target columns, [N, targets].

    Example:
    >>> persistence(np.arange(12.0).reshape(1, 3, 4), [1, 2]).tolist()
    [[9.0, 10.0]]
    """
    return windows[:, -1, target_indices]


class LinearWindowModel:
    """Least squares from a whole flattened window (plus a bias) to the next targets.

    Fitted with `numpy.linalg.lstsq`, so nearly collinear inputs (such as the
    season of consecutive days) do not blow up the solution.

    Example:
    >>> linear = LinearWindowModel().fit(x_train, y_train)
    >>> linear.predict(x_test).shape
    (358, 2)
    """

    def __init__(self):
        self.weights = None

    @staticmethod
    def _design(windows: np.ndarray) -> np.ndarray:
        flat = windows.reshape(len(windows), -1).astype(np.float64)
        return np.concatenate([flat, np.ones((len(flat), 1))], axis=1)

    def fit(self, windows: np.ndarray, targets: np.ndarray) -> "LinearWindowModel":
        self.weights, *_ = np.linalg.lstsq(self._design(windows), targets.astype(np.float64), rcond=None)
        return self

    def predict(self, windows: np.ndarray) -> np.ndarray:
        return self._design(windows) @ self.weights


def mae(predicted: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Mean absolute error of each target column, [targets]."""
    return np.abs(np.asarray(predicted, np.float64) - np.asarray(targets, np.float64)).mean(axis=0)
