"""Per-window (RevIN-style) normalisation for forecasters that must work in any climate.

`WindowNormalization` rescales each window by its own mean and standard
deviation per feature, so 14 days of Clemson summer and of Melbourne winter
look alike to the recurrent network. The window's own level (its mean, in
units of the training windows' spread of means) and log-scale are given back
as extra inputs, so the model can still learn that a hot spell at a cool
station tends to revert. `WindowResidualHead` reverses the normalisation on
the output: next value = last observed value + window std * learned change.

Features named in `missing` may be NaN (a station without that measurement);
they read as 0 with a presence flag, and a target whose window is all NaN is
forecast as NaN rather than guessed.
"""
from __future__ import annotations

import warnings

import keras
import numpy as np
from keras import ops

# The smallest window spread, in input units: a flat window would divide by ~0.
MIN_SCALE = 0.5


def window_statistics(x, eps: float = MIN_SCALE):
    """(present [B,T,F], zero-filled x, mean [B,1,F], std [B,1,F]) of windows with NaN allowed."""
    present = ops.cast(ops.isfinite(x), x.dtype)
    filled = ops.where(present > 0, x, ops.zeros_like(x))
    count = ops.maximum(ops.sum(present, axis=1, keepdims=True), 1.0)
    mean = ops.sum(filled, axis=1, keepdims=True) / count
    var = ops.sum(present * ops.square(filled - mean), axis=1, keepdims=True) / count
    return present, filled, mean, ops.sqrt(var + eps * eps)


@keras.saving.register_keras_serializable(package="seqzoo")
class WindowNormalization(keras.layers.Layer):
    """Windows in real units -> per-window normalised values + level, scale and presence inputs.

    Output columns per step: the F normalised features, then for each feature
    its window level ((mean - level_mean) / level_std), its log window std,
    and, for each column in `missing_indices`, whether the value is present.

    Args:
        num_features: F, the columns of a window.
        missing_indices: Columns that may be NaN.
        use_level: Give the window level and scale back as inputs.

    Example:
    >>> layer = WindowNormalization(2)
    >>> layer(np.ones((3, 14, 2), "float32")).shape
    (3, 14, 6)
    """

    def __init__(self, num_features: int, missing_indices=(), use_level: bool = True, **kwargs):
        super().__init__(**kwargs)
        self.num_features = int(num_features)
        self.missing_indices = [int(i) for i in missing_indices]
        self.use_level = bool(use_level)

    @property
    def output_dim(self) -> int:
        return self.num_features * (3 if self.use_level else 1) + len(self.missing_indices)

    def build(self, input_shape=None):
        # Not trained: set by `adapt`, saved with the weights.
        self.level_mean = self.add_weight(shape=(self.num_features,), initializer="zeros",
                                          trainable=False, name="level_mean")
        self.level_std = self.add_weight(shape=(self.num_features,), initializer="ones",
                                         trainable=False, name="level_std")
        self.built = True

    def adapt(self, x: np.ndarray) -> None:
        """Store the mean and spread of the training windows' means, per feature (NaN ignored)."""
        x = np.asarray(x, dtype=np.float64)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # An all-NaN column has no mean.
            means = np.nanmean(x, axis=1)
            level_mean, level_std = np.nanmean(means, axis=0), np.nanstd(means, axis=0)
        if not self.built:
            self.build()
        self.level_mean.assign(np.nan_to_num(level_mean).astype("float32"))
        self.level_std.assign(np.maximum(np.nan_to_num(level_std, nan=1.0), 1e-3).astype("float32"))

    def call(self, x):
        present, filled, mean, std = window_statistics(x)
        parts = [present * (filled - mean) / std]
        steps = ops.shape(x)[1]
        if self.use_level:
            seen = ops.cast(ops.max(present, axis=1, keepdims=True) > 0, x.dtype)
            level = seen * (mean - self.level_mean) / self.level_std
            parts += [ops.repeat(level, steps, axis=1), ops.repeat(seen * ops.log(std), steps, axis=1)]
        if self.missing_indices:
            parts.append(ops.take(present, self.missing_indices, axis=-1))
        return ops.concatenate(parts, axis=-1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.output_dim)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(num_features=self.num_features, missing_indices=self.missing_indices,
                      use_level=self.use_level)
        return config


@keras.saving.register_keras_serializable(package="seqzoo")
class WindowResidualHead(keras.layers.Layer):
    """Next value of each target = last observed value + its window std * a learned change.

    Args:
        target_indices: The window columns that are targets.

    Call arguments:
        hidden: [batch, hidden] the backbone's summary of the window.
        history: [batch, window, columns] the raw window in real units (NaN allowed).

    Example:
    >>> head = WindowResidualHead([0, 1])
    >>> head(np.zeros((2, 8), "float32"), np.ones((2, 14, 2), "float32")).shape
    (2, 2)
    """

    def __init__(self, target_indices: list[int], **kwargs):
        super().__init__(**kwargs)
        self.target_indices = [int(i) for i in target_indices]
        self.change = keras.layers.Dense(len(self.target_indices), name="change")

    def build(self, hidden_shape, history_shape=None):
        self.change.build(hidden_shape)
        self.built = True

    def call(self, hidden, history):
        targets = ops.take(history, self.target_indices, axis=-1)
        present, filled, mean, std = window_statistics(targets)
        # The last present value of each target (the window mean if the last day is missing).
        last = ops.where(present[:, -1, :] > 0, filled[:, -1, :], mean[:, 0, :])
        forecast = last + std[:, 0, :] * self.change(hidden)
        seen = ops.max(present, axis=1) > 0
        return ops.where(seen, forecast, ops.full_like(forecast, float("nan")))

    def compute_output_shape(self, hidden_shape, history_shape=None):
        return (hidden_shape[0], len(self.target_indices))

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_indices"] = self.target_indices
        return config


@keras.saving.register_keras_serializable(package="seqzoo")
def masked_mse(y_true, y_pred):
    """Mean squared error over the targets that are not NaN (a station without temp_min)."""
    present = ops.isfinite(y_true)
    error = ops.where(present, y_true - ops.where(present, y_pred, 0.0), 0.0)
    return ops.sum(ops.square(error), axis=-1) / ops.maximum(ops.sum(ops.cast(present, "float32"), axis=-1), 1.0)


@keras.saving.register_keras_serializable(package="seqzoo")
def masked_mae(y_true, y_pred):
    """Mean absolute error over the targets that are not NaN."""
    present = ops.isfinite(y_true)
    error = ops.where(present, y_true - ops.where(present, y_pred, 0.0), 0.0)
    return ops.sum(ops.abs(error), axis=-1) / ops.maximum(ops.sum(ops.cast(present, "float32"), axis=-1), 1.0)
