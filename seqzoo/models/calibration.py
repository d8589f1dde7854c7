"""Calibrating a classifier's probabilities: a temperature on its logits, fitted on held-out data.

A classifier is calibrated when, of the texts it gives probability p, a share p
is right. Dividing the logits by a temperature T (below 1 sharpens, above 1
softens) changes no prediction, only how sure each one is; the T that
minimises the negative log-likelihood on held-out texts is the standard fix
(Guo et al., 2017, "On Calibration of Modern Neural Networks").
"""
from __future__ import annotations

import math

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError

# Log-spaced candidates for the fit: 0.05 .. 20, about 1.5% apart.
TEMPERATURES = np.exp(np.linspace(math.log(0.05), math.log(20.0), 400))


def check_temperature(temperature) -> float:
    """`temperature` as a float if it is a finite number above 0, else an `InputError`."""
    if isinstance(temperature, bool) or not isinstance(temperature, int | float | np.floating | np.integer):
        raise InputError(f"temperature must be a number above 0, got {temperature!r}.")
    if not math.isfinite(temperature) or temperature <= 0:
        raise InputError(f"temperature must be a finite number above 0, got {temperature!r}.")
    return float(temperature)


@keras.saving.register_keras_serializable(package="seqzoo")
class Temperature(keras.layers.Layer):
    """Divides logits by `temperature` at inference; training sees the logits unchanged.

    Args:
        temperature: A number above 0 (1.0 leaves the logits as they are).

    Example:
    >>> Temperature(0.5)(np.array([[1.0, -1.0]]), training=False)
    [[2.0, -2.0]]
    """

    def __init__(self, temperature: float = 1.0, **kwargs):  # pragma: no mutate block (Keras reads its signature)
        super().__init__(**kwargs)
        self.temperature = check_temperature(temperature)

    def call(self, logits, training=None):
        if training or self.temperature == 1.0:
            return logits
        return logits / self.temperature

    def get_config(self):
        return {**super().get_config(), "temperature": self.temperature}


def chunk_probabilities(logits: np.ndarray, owners: np.ndarray, sizes: np.ndarray, count: int,
                        temperature: float = 1.0) -> np.ndarray:
    """Each text's probabilities: its chunks' softmax(logits / T), averaged by chunk size.

    Args:
        logits: [chunks, classes] logits.
        owners: The text each chunk belongs to.
        sizes: Each chunk's number of words (its weight).
        count: Number of texts.
        temperature: Divides the logits.
    """
    probs = tf.nn.softmax(logits / temperature).numpy() * sizes[:, None]
    summed = np.zeros((count, logits.shape[1]), np.float64)
    np.add.at(summed, owners, probs)
    return summed / summed.sum(axis=1, keepdims=True)


def negative_log_likelihood(logits: np.ndarray, owners: np.ndarray, sizes: np.ndarray, labels: np.ndarray,
                            temperature: float = 1.0) -> float:
    """The mean negative log-likelihood of `labels` under the texts' `chunk_probabilities`."""
    rows = np.arange(len(labels))
    if len(owners) == len(labels) and np.array_equal(owners, rows):  # One chunk per text: a log-softmax.
        scaled = np.asarray(logits, np.float64) / temperature
        top = scaled.max(axis=1)
        log_partition = top + np.log(np.exp(scaled - top[:, None]).sum(axis=1))
        return float(np.mean(np.minimum(log_partition - scaled[rows, labels], -np.log(1e-12))))
    probs = chunk_probabilities(logits, owners, sizes, len(labels), temperature)
    return float(-np.mean(np.log(np.maximum(probs[rows, labels], 1e-12))))


def fit_temperature(logits: np.ndarray, owners: np.ndarray, sizes: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in `TEMPERATURES` with the lowest negative log-likelihood of `labels`."""
    return float(min(TEMPERATURES, key=lambda t: negative_log_likelihood(logits, owners, sizes, labels, t)))


def expected_calibration_error(probabilities: np.ndarray, labels: np.ndarray, bins: int = 10) -> float:
    """The share-weighted gap between confidence and accuracy over `bins` equal confidence bins.

    Args:
        probabilities: [N, classes] probabilities.
        labels: [N] true classes.
        bins: Number of bins of the top probability over [0, 1].

    Example:
    >>> expected_calibration_error(np.array([[0.9, 0.1], [0.6, 0.4]]), np.array([0, 1]))
    0.35
    """
    confidence = probabilities.max(axis=1)
    right = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    return float(binned_calibration_errors(confidence[None], right[None], bins)[0])


def binned_calibration_errors(confidence: np.ndarray, right: np.ndarray, bins: int) -> np.ndarray:
    """The expected calibration error of each row: [draws, texts] confidences and 1/0 rights -> [draws].

    A bin's share times its gap |mean confidence - accuracy| is |sum of
    confidences - sum of rights| / texts, so every row is scored at once
    (`seqzoo.models.calibration_noise` scores thousands of resamples this way).

    Example:
    >>> binned_calibration_errors(np.array([[0.9, 0.6]]), np.array([[1.0, 0.0]]), 10)
    array([0.35])
    """
    index = np.minimum((confidence * bins).astype(np.int64), bins - 1)
    error = np.zeros(confidence.shape[0])
    for b in range(bins):
        inside = index == b
        error += np.abs(np.where(inside, confidence, 0.0).sum(axis=1) - np.where(inside, right, 0.0).sum(axis=1))
    return error / confidence.shape[1]
