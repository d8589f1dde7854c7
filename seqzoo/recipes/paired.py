"""Paired comparisons of two classifiers scored on the same held-out examples.

Two accuracies measured on the same 1,241 snippets are not independent: most
snippets both models get right, or both wrong, and only the snippets where they
differ say which is better. These are the statistics of the sentiment
confidence guide and of `seqzoo.recipes.sentiment_compare`.

Example:
>>> paired_difference(right_a, right_b)["mcnemar_p"]
0.187
"""
from __future__ import annotations

import math

import numpy as np

from seqzoo.errors import SeqzooError


def bootstrap_interval(right, *, resamples: int = 2000, seed: int = 0) -> tuple[float, float]:
    """95% percentile-bootstrap interval of the mean of `right` (of the sum of the rows' means).

    Every row is resampled with the same example indices, so the interval of
    `np.stack([right_a, -right_b])` is a paired interval of the difference a - b.

    Args:
        right: 1 where a model is right, 0 where not: shape [examples] or [models, examples].
        resamples: How many bootstrap samples.
        seed: The generator's seed, so the interval is reproducible.

    Example:
    >>> bootstrap_interval(np.array([1, 1, 1, 0] * 300))
    (0.7242, 0.7733)
    """
    right = np.atleast_2d(np.asarray(right, dtype="float64"))
    indices = np.random.default_rng(seed).integers(0, right.shape[1], size=(resamples, right.shape[1]))
    means = right[:, indices].mean(axis=2).sum(axis=0)
    low, high = np.percentile(means, [2.5, 97.5])
    return round(float(low), 4), round(float(high), 4)


def mcnemar_p(only_a: int, only_b: int) -> float:
    """Exact two-sided McNemar p-value: how likely a split this uneven is if both models are equally good.

    Args:
        only_a: Examples only the first model gets right.
        only_b: Examples only the second model gets right.

    Example:
    >>> round(mcnemar_p(30, 15), 4)
    0.0357
    """
    n, k = only_a + only_b, min(only_a, only_b)
    tail = sum(math.comb(n, i) for i in range(k + 1)) / 2 ** n
    return min(1.0, 2 * tail)


def paired_difference(right_a, right_b) -> dict:
    """Accuracy difference a - b, its paired 95% interval, the examples only one gets right, McNemar's p.

    Args:
        right_a, right_b: 1 where each model is right, 0 where not, over the same examples in
            the same order.

    Example:
    >>> paired_difference([1, 1, 0, 1], [1, 0, 0, 1])["only_a"]
    1
    """
    right_a, right_b = np.asarray(right_a, "int64"), np.asarray(right_b, "int64")
    if right_a.shape != right_b.shape or right_a.ndim != 1 or not len(right_a):
        raise SeqzooError(f"Compare two models on the same examples: got {right_a.shape} and {right_b.shape} answers.")
    only_a, only_b = int(np.sum(right_a > right_b)), int(np.sum(right_b > right_a))
    return {"examples": len(right_a), "accuracy_a": float(right_a.mean()), "accuracy_b": float(right_b.mean()),
            "difference": float(right_a.mean() - right_b.mean()),
            "interval": bootstrap_interval(np.stack([right_a, -right_b])),
            "only_a": only_a, "only_b": only_b, "mcnemar_p": mcnemar_p(only_a, only_b)}
