"""The forecasting head: hidden state -> next values, as a change from the last observed values."""
from __future__ import annotations

import keras
import numpy as np
from keras import ops

from seqzoo.errors import InputError


@keras.saving.register_keras_serializable(package="seqzoo")
class ResidualHead(keras.layers.Layer):
    """Predicts the next value of each target as last observed value + a learned change.

    The dense layer predicts the change in standard units; `adapt` stores the
    mean and standard deviation of the changes seen in training, so the output
    is in the targets' real units. A change is much easier to learn from a
    few hundred rows than a level, and an untrained head is already close to
    persistence (tomorrow = today).

    Args:
        target_indices: The columns of the raw history that are targets.

    Call arguments:
        hidden: [batch, hidden] the backbone's summary of the window.
        history: [batch, window, columns] the raw, un-normalised window.

    Example:
    >>> head = ResidualHead([1, 2])
    >>> head(np.zeros((2, 8), "float32"), np.ones((2, 7, 4), "float32")).shape
    (2, 2)
    """

    def __init__(self, target_indices: list[int], **kwargs):  # pragma: no mutate block (Keras reads its signature)
        super().__init__(**kwargs)
        self.target_indices = [int(i) for i in target_indices]
        self.change = keras.layers.Dense(len(self.target_indices), name="change")

    def build(self, hidden_shape, history_shape=None):
        self.change.build(hidden_shape)
        size = len(self.target_indices)
        # Not trained: set by `adapt` from the training data, saved with the weights.
        self.change_mean = self.add_weight(shape=(size,), initializer="zeros", trainable=False,
                                           name="change_mean")
        self.change_std = self.add_weight(shape=(size,), initializer="ones", trainable=False,
                                          name="change_std")
        self.built = True

    def adapt(self, changes: np.ndarray) -> None:
        """Store the mean and standard deviation of next-step changes [N, targets]."""
        changes = np.asarray(changes, dtype=np.float32)
        if changes.ndim != 2 or changes.shape[1] != len(self.target_indices) or len(changes) == 0:
            raise InputError(f"Expected changes of shape [N, {len(self.target_indices)}], got {changes.shape}.")
        self.change_mean.assign(changes.mean(axis=0))
        self.change_std.assign(np.maximum(changes.std(axis=0), 1e-3))  # A constant target would divide by 0.

    def call(self, hidden, history):
        last = ops.take(history[:, -1, :], self.target_indices, axis=-1)
        return last + self.change_mean + self.change_std * self.change(hidden)

    def compute_output_shape(self, hidden_shape, history_shape=None):
        return (hidden_shape[0], len(self.target_indices))

    def get_config(self) -> dict:
        config = super().get_config()
        config["target_indices"] = self.target_indices
        return config
