"""`Split`: the items of one dataset split, with labels and provenance."""
from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import numpy as np

from seqzoo.errors import InputError


@dataclasses.dataclass(eq=False)  # Field-wise == is ambiguous for numpy arrays.
class Split:
    """One split of a dataset: inputs `x`, optional labels `y`, and `meta`.

    Args:
        x: The inputs: a list of str (one text per item), or for a time series
            a float32 array of shape [time, features] (one row per step).
        y: Integer labels aligned with `x`, or None.
        meta: Provenance and per-item extras. Always "dataset" and "split";
            built-in datasets add "source" (the pinned distribution), "sha256"
            (file -> digest of each file used) and dataset-specific keys such
            as "sex", "works", "dates", "feature_names" or "label_names".

    Example:
    >>> s = Split(x=["good", "bad"], y=np.array([1, 0]), meta={"dataset": "mine", "split": "all"})
    >>> len(s)
    2
    """

    x: Sequence[str] | np.ndarray
    y: np.ndarray | None = None
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.x)

    def __repr__(self) -> str:
        # The default repr would print every item of x.
        labels = "None" if self.y is None else f"array(shape={self.y.shape})"
        return (f"Split(dataset={self.meta.get('dataset')!r}, split={self.meta.get('split')!r}, "
                f"items={len(self)}, y={labels})")

    def to_tf_dataset(self, batch_size: int, *, shuffle: bool = True, seed: int = 0):
        """Return a batched, prefetched `tf.data.Dataset` for `keras.Model.fit`.

        Texts become string tensors of shape [batch]; a series yields its raw
        rows as float32 tensors of shape [batch, features] - forecasting models
        cut their own windows, so pass `shuffle=False` to keep time order.
        With labels each element is `(x, y)`, without them just `x`.

        Args:
            batch_size: Items per batch (the last batch may be smaller).
            shuffle: Shuffle all items, anew each epoch.
            seed: Seed of the shuffle, for repeatable runs.

        Example:
        >>> ds = Split(x=["a", "b", "c"], y=np.array([0, 1, 0])).to_tf_dataset(2, seed=1)
        >>> [tuple(b.shape) for b, _ in ds]
        [(2,), (1,)]
        """
        integer = isinstance(batch_size, (int, np.integer)) and not isinstance(batch_size, bool)
        if not integer or batch_size < 1:
            raise InputError(f"batch_size must be a positive integer, got {batch_size!r}.")
        import tensorflow as tf  # Heavy: imported only when a tf.data pipeline is asked for.

        if isinstance(self.x, np.ndarray):
            x = self.x
        else:
            x = tf.constant(list(self.x), dtype=tf.string, shape=[len(self.x)])
        ds = tf.data.Dataset.from_tensor_slices(x if self.y is None else (x, np.asarray(self.y)))
        if shuffle:
            ds = ds.shuffle(max(len(self), 1), seed=seed, reshuffle_each_iteration=True)
        return ds.batch(int(batch_size)).prefetch(tf.data.AUTOTUNE)
