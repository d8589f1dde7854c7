"""A linear model over a text's words and word pairs, as a Keras layer beside a recurrent classifier.

A recurrent network and a bag of n-grams make different mistakes: the network
reads order and context, the n-grams weigh every word and pair directly, rare
ones included. Adding a fitted n-gram model's logits to the network's
("wide and deep") corrects some of the network's mistakes. The pairs are hashed
into a fixed number of buckets, so the layer needs no vocabulary of its own: it
reads the word ids that the classifier's tokenizer already made.
"""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.models.calibration import TEMPERATURES, negative_log_likelihood
from seqzoo.validation import check_float, check_int

PAIR_MULTIPLIER = 1_000_003  # A prime: (first * PAIR_MULTIPLIER + second) mod buckets spreads the pairs.
MAX_PAIR_BUCKETS = 2 ** 24  # 16.8M buckets x classes float32 weights: 128 MiB for two classes.


@keras.saving.register_keras_serializable(package="seqzoo")
class NgramLogits(keras.layers.Layer):
    """Word ids [B, T] (0 = padding) -> class logits [B, C]: a weight per word and per hashed word pair, summed.

    Args:
        vocabulary_size: Word ids run from 0 to this - 1.
        num_classes: Logits per text.
        pair_buckets: Buckets the word pairs are hashed into (0: words only).
        scale: Multiplies the logits (the weight of this model beside another's).
        l2: L2 penalty on the weights while training (0: none).

    Example:
    >>> layer = NgramLogits(vocabulary_size=100, num_classes=2)
    >>> layer(np.array([[5, 7, 0]])).shape
    (1, 2)
    """

    def __init__(self, vocabulary_size: int, num_classes: int, pair_buckets: int = 2 ** 18, scale: float = 1.0,
                 l2: float = 0.0, **kwargs):  # pragma: no mutate block (Keras reads its signature)
        super().__init__(**kwargs)
        self.vocabulary_size = check_int("vocabulary_size", vocabulary_size, minimum=1)
        self.num_classes = check_int("num_classes", num_classes, minimum=2)
        self.pair_buckets = check_int("pair_buckets", pair_buckets, minimum=0, maximum=MAX_PAIR_BUCKETS)
        self.scale = check_float("scale", scale)
        self.l2 = check_float("l2", l2, minimum=0.0)

    def build(self, input_shape=None):
        penalty = keras.regularizers.L2(self.l2) if self.l2 else None
        self.word_weights = self.add_weight(shape=(self.vocabulary_size, self.num_classes), initializer="zeros",
                                            regularizer=penalty, name="word_weights")
        self.pair_weights = (self.add_weight(shape=(self.pair_buckets, self.num_classes), initializer="zeros",
                                             regularizer=penalty, name="pair_weights") if self.pair_buckets else None)
        self.bias = self.add_weight(shape=(self.num_classes,), initializer="zeros", name="bias")

    def call(self, ids):
        ids = tf.cast(ids, "int32")
        real = tf.cast(ids != 0, self.compute_dtype)[:, :, None]
        logits = tf.reduce_sum(tf.gather(self.word_weights, ids) * real, axis=1)
        if self.pair_weights is not None:
            first, second = tf.cast(ids[:, :-1], "int64"), tf.cast(ids[:, 1:], "int64")
            pairs = tf.math.floormod(first * PAIR_MULTIPLIER + second, self.pair_buckets)
            both = real[:, :-1] * real[:, 1:]
            logits += tf.reduce_sum(tf.gather(self.pair_weights, pairs) * both, axis=1)
        return self.scale * (logits + self.bias)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.num_classes)

    def get_config(self):
        return {**super().get_config(), "vocabulary_size": self.vocabulary_size, "num_classes": self.num_classes,
                "pair_buckets": self.pair_buckets, "scale": self.scale, "l2": self.l2}


def fit_ngram_logits(preprocessor, texts, labels, *, num_classes: int, l2: float, epochs: int,
                     vocabulary_size: int | None = None, pair_buckets: int = 2 ** 18, batch_size: int = 256,
                     learning_rate: float = 1e-2,
                     seed: int = 0) -> NgramLogits:
    """An `NgramLogits` fitted alone (logistic regression) on `texts` read by a classifier's `preprocessor`.

    Args:
        preprocessor: The classifier's preprocessor (its word ids are the layer's input).
        texts, labels: Training texts and int labels.
        num_classes: Logits per text.
        vocabulary_size: Word ids the layer takes (default: the tokenizer's).
        l2, epochs, pair_buckets: The fit's L2 penalty, passes over the texts and hash buckets.
        batch_size, learning_rate, seed: Adam's batches, step size, and the batch order's seed.

    Example:
    >>> layer = fit_ngram_logits(clf.preprocessor, texts, labels, num_classes=2, l2=1e-5, epochs=5)
    """
    epochs = check_int("epochs", epochs, minimum=1, maximum=10_000)
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1)
    learning_rate = check_float("learning_rate", learning_rate, minimum=0.0, exclusive_minimum=True)
    keras.utils.set_random_seed(check_int("seed", seed, minimum=0))
    ids = preprocessor(texts)
    labels = np.asarray(labels)
    if labels.shape != (int(ids.shape[0]),):
        raise InputError(f"Got {int(ids.shape[0])} texts but labels of shape {labels.shape}; give one int label "
                         "per text.")
    vocabulary_size = preprocessor.tokenizer.vocabulary_size if vocabulary_size is None else vocabulary_size
    layer = NgramLogits(vocabulary_size, num_classes, pair_buckets=pair_buckets, l2=l2,
                        name="ngram_logits")
    inputs = keras.Input((None,), dtype="int32")
    model = keras.Model(inputs, layer(inputs))
    model.compile(keras.optimizers.Adam(learning_rate),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ids, tf.convert_to_tensor(labels, "int32"), epochs=epochs, batch_size=batch_size, verbose=0)
    return layer


SCALES = np.linspace(0.0, 4.0, 321)  # The n-gram logits' weight: 0 to 4 in steps of 0.0125.


def fit_scale_and_temperature(logits: np.ndarray, ngram_logits: np.ndarray, owners: np.ndarray, sizes: np.ndarray,
                              labels: np.ndarray) -> tuple[float, float]:
    """(scale, temperature) that make softmax((logits + scale * ngram_logits) / temperature) fit `labels` best.

    Both are fitted by the negative log-likelihood of held-out texts, as a
    temperature alone is (`seqzoo.models.calibration.fit_temperature`), on the
    grids `SCALES` and `TEMPERATURES`. Each is searched by thirds: for texts of
    one chunk the likelihood is convex in the scale and in 1 / temperature, so
    the search finds the grid's best point with about 30 evaluations, not all.

    Args:
        logits: [chunks, classes] a network's logits (before any temperature).
        ngram_logits: [chunks, classes] an n-gram model's logits of the same chunks.
        owners, sizes: The text each chunk belongs to and its words (`TextClassifierPreprocessor.chunks`).
        labels: [texts] int labels.

    Example:
    >>> scale, temperature = fit_scale_and_temperature(network, ngrams, np.arange(n), np.ones(n), labels)
    """
    def best_temperature(scale: float) -> tuple[float, float]:
        combined = logits + scale * ngram_logits
        return grid_minimum(lambda t: negative_log_likelihood(combined, owners, sizes, labels, t), TEMPERATURES)

    scale, (temperature, _) = grid_minimum(best_temperature, SCALES, key=lambda found: found[1])
    return float(scale), float(temperature)


def grid_minimum(objective, grid, *, key=lambda value: value):
    """(point, objective(point)) at the best point of a sorted `grid`, searched by thirds (for a unimodal objective).

    Example:
    >>> grid_minimum(lambda x: (x - 0.3) ** 2, np.linspace(0, 1, 11))
    (0.3, 0.0)
    """
    values: dict[int, object] = {}

    def at(i: int):
        if i not in values:
            values[i] = objective(float(grid[i]))
        return values[i]

    low, high = 0, len(grid) - 1
    while high - low > 2:
        left, right = low + (high - low) // 3, high - (high - low) // 3
        if key(at(left)) <= key(at(right)):
            high = right
        else:
            low = left
    best = min(range(low, high + 1), key=lambda i: key(at(i)))
    return float(grid[best]), at(best)
