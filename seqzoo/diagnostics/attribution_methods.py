"""Integrated gradients (with a completeness check that refines itself) and occlusion.

Both methods explain one scalar function of one input `x` (a [1, ...] tensor: embedded
tokens, or a raw forecasting window) against a `baseline` of the same shape. They take it as
`f(batch) -> values [B]` and (integrated gradients) `f_and_grad(batch) -> (values [B], df/dbatch)`,
and return one score per element of `x`; callers sum them over the embedding axis.
"""
from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np
import tensorflow as tf

COMPLETENESS_TOLERANCE = 0.05  # |sum of scores - (f(x) - f(baseline))| / |f(x) - f(baseline)|.
MAX_STEPS = 512  # Integrated gradients doubles its steps up to here until completeness holds.
BATCH = 64  # Interpolated inputs per forward pass.
# Differences smaller than this (in logits, or the target's units) count as no difference: the
# residual is measured against it instead, so that a word that changes nothing gives no alarm.
MIN_DIFFERENCE = 1e-2


@dataclasses.dataclass
class Explained:
    """Scores (same shape as x) and the quantities they are checked against."""

    scores: np.ndarray
    value: float  # f(x)
    baseline_value: float  # f(baseline)
    residual: float  # (sum of scores - (value - baseline_value)) / max(|value - baseline_value|, MIN_DIFFERENCE)
    steps: int  # Integration points used (0 for occlusion).


def residual(scores: np.ndarray, value: float, baseline_value: float, *, exact: float = 0.0) -> float:
    """How far the scores' sum is from f(x) - f(baseline), relative to that difference.

    `exact` is a part of the explained difference whose scores are known exactly and are not
    in `scores` (an n-gram model's beside a network): the error is then relative to the whole
    difference, f(x) - f(baseline) + exact.

    Example:
    >>> residual(np.array([1.0, 0.5]), 2.0, 0.5)
    0.0
    """
    difference = value - baseline_value
    return float((np.sum(scores, dtype=np.float64) - difference) / max(abs(difference + exact), MIN_DIFFERENCE))


def _values(f: Callable, x: tf.Tensor) -> np.ndarray:
    return np.concatenate([f(x[i:i + BATCH]).numpy() for i in range(0, int(x.shape[0]), BATCH)])


def _path_gradient(f_and_grad: Callable, x: tf.Tensor, baseline: tf.Tensor, steps: int) -> np.ndarray:
    """The integral over alpha in [0, 1] of df/dx at baseline + alpha (x - baseline), by Gauss-Legendre."""
    nodes, weights = np.polynomial.legendre.leggauss(steps)
    alphas, weights = (nodes + 1.0) / 2.0, weights / 2.0  # From [-1, 1] to [0, 1].
    total = np.zeros(x.shape[1:], np.float64)
    for start in range(0, steps, BATCH):
        alpha = tf.constant(alphas[start:start + BATCH], x.dtype)
        alpha = tf.reshape(alpha, [-1] + [1] * (len(x.shape) - 1))
        points = baseline + alpha * (x - baseline)
        grads = f_and_grad(points)[1].numpy().astype(np.float64)
        w = weights[start:start + BATCH].reshape([-1] + [1] * (len(x.shape) - 1))
        total += np.sum(grads * w, axis=0)
    return total


def integrated_gradients(f: Callable, f_and_grad: Callable, x: tf.Tensor, baseline: tf.Tensor, *,
                         steps: int = 32, max_steps: int = MAX_STEPS, exact: float = 0.0) -> Explained:
    """Integrated gradients of `f` at `x` against `baseline`; steps double until completeness holds.

    Args:
        f: Maps a batch [B, ...] to one value per row [B].
        f_and_grad: Maps a batch to (f(batch), the gradient of sum(f(batch)) with respect to it).
        x: The input, [1, ...].
        baseline: The reference input, same shape.
        steps: Integration points to start with (Gauss-Legendre nodes on [0, 1]).
        max_steps: The bound: when the residual is still above 5% here, the scores are
            returned with their residual as they are.
        exact: A part of the whole explained difference that is known exactly and added by
            the caller (see `residual`); the steps double until the whole adds up.

    Returns:
        An `Explained` whose scores have the shape of `x[0]`.

    Example:
    >>> f = lambda z: tf.reduce_sum(z ** 2, axis=[1, 2])
    >>> integrated_gradients(f, lambda z: (f(z), 2 * z), tf.ones([1, 2, 3]), tf.zeros([1, 2, 3])).scores.sum()
    6.0
    """
    value, baseline_value = (float(v) for v in _values(f, tf.concat([x, baseline], axis=0)))
    while True:
        difference = x[0].numpy().astype(np.float64) - baseline[0].numpy()
        scores = difference * _path_gradient(f_and_grad, x, baseline, steps)
        error = residual(scores, value, baseline_value, exact=exact)
        if abs(error) <= COMPLETENESS_TOLERANCE or steps >= max_steps:
            return Explained(scores, value, baseline_value, error, steps)
        steps = min(2 * steps, max_steps)


def occlusion(f: Callable, x: tf.Tensor, baseline: tf.Tensor, *, groups: int) -> Explained:
    """Each group's score: f(x) minus f(x with that group set to the baseline's values).

    Args:
        f: Maps a batch [B, ...] to one value per row [B].
        x: The input, [1, ...].
        baseline: The reference input, same shape.
        groups: 1 to occlude one step (token, day) at a time along axis 1; 2 to occlude single
            cells of [1, steps, features] (a forecaster's day x feature).

    Returns:
        An `Explained`, scores [steps] or [steps, features]; the residual says how far the
        scores are from adding up (occlusion does not promise that they do).

    Example:
    >>> f = lambda z: tf.reduce_sum(z, axis=[1, 2])
    >>> occlusion(f, tf.ones([1, 2, 3]), tf.zeros([1, 2, 3]), groups=1).scores.tolist()
    [3.0, 3.0]
    """
    shape = tuple(int(d) for d in x.shape[1:1 + groups])
    masks = np.eye(int(np.prod(shape)), dtype=np.float32).reshape((-1, *shape))
    masks = masks.reshape(masks.shape + (1,) * (len(x.shape) - 1 - groups))
    occluded = x * (1.0 - masks) + baseline * masks
    values = _values(f, tf.concat([x, baseline, tf.cast(occluded, x.dtype)], axis=0))
    value, baseline_value = float(values[0]), float(values[1])
    scores = (value - values[2:].astype(np.float64)).reshape(shape)
    return Explained(scores, value, baseline_value, residual(scores, value, baseline_value), 0)
