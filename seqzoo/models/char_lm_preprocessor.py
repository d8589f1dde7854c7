"""Texts -> (ids, next ids, weights) for character language models."""
from __future__ import annotations

import keras
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.layers.tokenizer import END_ID, START_ID, as_string_tensor
from seqzoo.models.preprocessor import Preprocessor

PACKINGS = ("pad", "stream")
# The longest prefix or prompt that predict_next, predict and generate read (and the exported
# signatures accept): the LSTM reads one character per step, about 0.1 s per 10,000 on a CPU.
MAX_PREFIX_CHARS = 10_000


@keras.saving.register_keras_serializable(package="seqzoo")
class CharLMPreprocessor(Preprocessor):
    """Wraps each text in start/end markers and cuts it into training windows.

    Two packings:
    - "pad": one window per text (short texts such as names), padded to the
      longest text of the batch and cut at `sequence_length`.
    - "stream": all texts joined into one stream of ids and cut into windows
      of `sequence_length` (long texts such as plays).

    Args:
        tokenizer: A `CharTokenizer`.
        sequence_length: Steps per training window.
        packing: "pad" or "stream".

    Example:
    >>> pre = CharLMPreprocessor(CharTokenizer(vocabulary=list("ab")), 8)
    >>> x, y, w = pre(["ab"])
    >>> x.numpy().tolist(), y.numpy().tolist()
    ([[2, 4, 5]], [[4, 5, 3]])
    """

    def __init__(self, tokenizer, sequence_length: int = 64, packing: str = "pad", **kwargs):
        if packing not in PACKINGS:
            raise InputError(f"packing must be one of {PACKINGS}, got {packing!r}.")
        super().__init__(tokenizer, sequence_length, **kwargs)
        self.packing = packing

    def with_markers(self, texts) -> tf.RaggedTensor:
        """Texts -> ragged ids [<s>, chars..., </s>]."""
        ids = self.tokenizer.tokenize(texts)
        rows = ids.nrows()
        start = tf.fill([rows, 1], START_ID)
        end = tf.fill([rows, 1], END_ID)
        return tf.concat([start, ids, end], axis=1)

    def call(self, texts):
        """Texts -> padded (x, y, sample_weight), one row per text ("pad" packing)."""
        ids = self.with_markers(texts)[:, : self.sequence_length + 1]
        return _shift(ids.to_tensor(default_value=0))

    # === Datasets for Task.fit ===
    def make_dataset(self, texts, labels=None, *, batch_size, shuffle=False, seed=0):
        if labels is not None:
            raise InputError("A character language model learns from texts alone; pass no labels.")
        texts = as_string_tensor(texts)
        if texts.shape[0] == 0:
            raise InputError("No texts to train on: pass a non-empty list of strings.")
        if self.packing == "pad":
            ds = tf.data.Dataset.from_tensor_slices(texts)
            if shuffle:
                ds = ds.shuffle(int(texts.shape[0]), seed=seed)
            return ds.batch(batch_size).map(self.call).prefetch(tf.data.AUTOTUNE)
        flat = self.with_markers(texts).flat_values
        return self._windows(tf.data.Dataset.from_tensor_slices(flat), batch_size, shuffle, seed, len(flat))

    def map_dataset(self, dataset: tf.data.Dataset, *, batch_size):
        """A dataset of raw texts (batched or not) -> training batches."""
        if dataset.element_spec.shape.rank == 0:
            dataset = dataset.batch(batch_size)
        if self.packing == "pad":
            return dataset.map(self.call).prefetch(tf.data.AUTOTUNE)
        stream = dataset.map(lambda t: self.with_markers(t).flat_values).unbatch()
        return self._windows(stream, batch_size, False, 0, None)

    def _windows(self, stream, batch_size, shuffle, seed, length):
        windows = stream.batch(self.sequence_length + 1, drop_remainder=True)
        if shuffle and length:
            windows = windows.shuffle(max(1, length // (self.sequence_length + 1)), seed=seed)
        return windows.batch(batch_size).map(_shift).prefetch(tf.data.AUTOTUNE)

    def get_config(self) -> dict:
        config = super().get_config()
        config["packing"] = self.packing
        return config


def _shift(ids):
    x, y = ids[:, :-1], ids[:, 1:]
    return x, y, tf.cast(y != 0, tf.float32)
