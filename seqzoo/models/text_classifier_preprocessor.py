"""Texts (and labels) -> padded word ids for text classifiers, long texts in chunks."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.layers.tokenizer import as_string_tensor
from seqzoo.models.preprocessor import Preprocessor

MAX_TOKENS = 50_000  # Longer texts are cut here (about 300 KB of English).


@keras.saving.register_keras_serializable(package="seqzoo")
class TextClassifierPreprocessor(Preprocessor):
    """Word ids for classification: training cuts at `sequence_length`,
    prediction splits long texts into chunks of `sequence_length` words.

    Args:
        tokenizer: A `WordTokenizer`.
        sequence_length: Words per training example and per prediction chunk.

    Example:
    >>> pre = TextClassifierPreprocessor(WordTokenizer(vocabulary=["good"]), 4)
    >>> pre(["good good"]).numpy().tolist()
    [[4, 4]]
    """

    def __init__(self, tokenizer, sequence_length: int = 128, **kwargs):
        super().__init__(tokenizer, sequence_length, **kwargs)

    def call(self, texts):
        """Texts -> dense ids [batch, <= sequence_length]; an empty text gives one pad."""
        ids = self.tokenizer.tokenize(texts)[:, : self.sequence_length]
        dense = ids.to_tensor(default_value=0)
        # Keep at least one step so empty texts still flow through the network.
        return tf.pad(dense, [[0, 0], [0, tf.maximum(0, 1 - tf.shape(dense)[1])]])

    def chunks(self, texts) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Split each text into chunks of `sequence_length` words for prediction.

        Returns:
            (ids [chunks, sequence_length], text index of each chunk, words per chunk).
        """
        ids = self.tokenizer.tokenize(as_string_tensor(texts))[:, :MAX_TOKENS]
        rows, owners, sizes = [], [], []
        for i, row in enumerate(ids.to_list()):
            pieces = [row[s : s + self.sequence_length] for s in range(0, len(row), self.sequence_length)]
            for piece in pieces or [[]]:
                rows.append(piece + [0] * (self.sequence_length - len(piece)))
                owners.append(i)
                sizes.append(max(1, len(piece)))
        return np.asarray(rows, np.int32), np.asarray(owners), np.asarray(sizes, np.float32)

    # === Datasets for Task.fit ===
    def make_dataset(self, texts, labels, *, batch_size, shuffle=False, seed=0):
        texts = as_string_tensor(texts)
        if labels is None:
            raise InputError("A classifier learns from (texts, labels); pass the labels too.")
        ds = tf.data.Dataset.from_tensor_slices((texts, labels))
        if shuffle:
            ds = ds.shuffle(int(texts.shape[0]), seed=seed)
        return ds.batch(batch_size).map(self._map).prefetch(tf.data.AUTOTUNE)

    def map_dataset(self, dataset: tf.data.Dataset, *, batch_size):
        """A dataset of (text, label) pairs, batched or not -> training batches."""
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise InputError("Expected a tf.data.Dataset of (text, label) pairs.")
        if spec[0].shape.rank == 0:
            dataset = dataset.batch(batch_size)
        return dataset.map(self._map).prefetch(tf.data.AUTOTUNE)

    def _map(self, texts, labels):
        return self.call(texts), labels
