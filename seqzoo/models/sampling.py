"""Choosing the next token from logits: greedy, temperature, top-k and top-p, in graph."""
from __future__ import annotations

import tensorflow as tf


def sample_tokens(logits, *, temperature, top_k, top_p, seed, banned=None):
    """Sample one token per row of `logits` inside a compiled loop.

    Banned tokens are set to -inf after the division by the temperature, so
    no temperature, however high, can make them possible again.

    Args:
        logits: [batch, vocabulary] float logits.
        banned: [vocabulary] bool mask of tokens never to choose, or None.
        temperature: Scalar; 0 means greedy (argmax).
        top_k: Scalar int; keep the k most likely tokens (0 keeps all).
        top_p: Scalar float; keep the smallest set whose probability reaches
            top_p (1.0 keeps all).
        seed: [2] int32 stateless seed; the same seed gives the same sample.

    Returns:
        [batch] int32 token ids.

    Example:
    >>> sample_tokens(tf.constant([[0.0, 5.0]]), temperature=0.0, top_k=0,
    ...               top_p=1.0, seed=tf.constant([1, 2])).numpy()
    array([1], dtype=int32)
    """
    logits = tf.cast(logits, tf.float32)

    def without_banned(values):
        if banned is None:
            return values
        return tf.where(banned, tf.constant(-float("inf")), values)

    def greedy():
        return tf.argmax(without_banned(logits), axis=-1, output_type=tf.int32)

    def sample():
        scaled = without_banned(logits / tf.cast(temperature, tf.float32))
        scaled = _keep_top_k(scaled, top_k)
        scaled = _keep_top_p(scaled, top_p)
        drawn = tf.random.stateless_categorical(scaled, 1, seed=seed, dtype=tf.int32)
        return drawn[:, 0]

    return tf.cond(temperature > 0, sample, greedy)


def _keep_top_k(logits, k):
    vocabulary = tf.shape(logits)[-1]
    k = tf.where(k > 0, tf.minimum(k, vocabulary), vocabulary)
    kth = tf.math.top_k(logits, k=k).values[:, -1:]
    return tf.where(logits < kth, tf.constant(-float("inf")), logits)


def _keep_top_p(logits, p):
    sorted_logits = tf.sort(logits, axis=-1, direction="DESCENDING")
    cumulative = tf.math.cumsum(tf.nn.softmax(sorted_logits), axis=-1, exclusive=True)
    # A token stays while the more likely ones have not reached p; the first always stays.
    kept = tf.reduce_sum(tf.cast(cumulative < tf.cast(p, tf.float32), tf.int32), -1, keepdims=True)
    threshold = tf.gather(sorted_logits, tf.maximum(kept, 1) - 1, batch_dims=1)
    return tf.where(logits < threshold, tf.constant(-float("inf")), logits)
