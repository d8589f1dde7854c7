"""Each word's exact share of an n-gram model's logits, for the classifiers that add one (`stack_ngrams`).

`NgramLogits` reads word ids, not embeddings, so integrated gradients over the
embeddings never sees it. It is linear in each word's one-hot vector, though
(and bilinear in a pair's two), so its integrated gradients along the straight
line from the baseline's one-hot vectors to the text's are known in closed form:

- a word's own weight: w(word) - w(baseline word);
- a pair (a, b) against the baseline pair (u, u): each position gets its own
  change with the other held at the baseline, p(a, u) - p(u, u) for the first,
  p(u, b) - p(u, u) for the second, plus half of what the two change together,
  p(a, b) - p(a, u) - p(u, b) + p(u, u).

The shares add up to logits(text) - logits(baseline) exactly. Padding (id 0)
counts as no word, as the layer counts it, so with the default baseline every
pair's weight is split evenly between its two words. Occlusion takes the
layer's own drop when one word is set to the baseline. Every weight is read by
calling the layer on texts of one or two words, so the pairs' hashing stays the
layer's own.
"""
from __future__ import annotations

import numpy as np


def _logits(layer, rows: list[tuple[int, int]]) -> np.ndarray:
    return layer(np.asarray(rows, np.int32)).numpy().astype(np.float64)


def ngram_shares(layer, ids: list[int], baseline_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the layer's logits of `ids` [C], of the baseline [C], each position's share [T, C]).

    Args:
        layer: An `NgramLogits` (its scale included).
        ids: One text's word ids, no padding.
        baseline_id: The id at every position of the baseline (0: padding).

    Example:
    >>> value, baseline, shares = ngram_shares(clf.ngram_logits, [5, 7, 9], 0)
    >>> np.allclose(shares.sum(0), value - baseline)
    True
    """
    u, count = int(baseline_id), len(ids)
    pairs = list(zip(ids[:-1], ids[1:]))
    # Every weight comes from texts of two ids: L(j, k) - L(j, 0) - L(0, k) + L(0, 0) is the pair's weight (0
    # when either is padding) and L(j, 0) - L(0, 0) the word's.
    words = sorted({*ids, u})
    rows = [(0, 0)] + [(j, 0) for j in words] + [(0, j) for j in words]
    rows += [pair for a, b in pairs for pair in ((a, b), (a, u), (u, b))] + [(u, u)]
    logits = dict(zip(rows, _logits(layer, rows)))

    def word(j):
        return logits[(j, 0)] - logits[(0, 0)]

    def pair(j, k):
        return logits[(j, k)] - logits[(j, 0)] - logits[(0, k)] + logits[(0, 0)]

    shares = np.stack([word(j) - word(u) for j in ids])
    for i, (a, b) in enumerate(pairs):
        together = pair(a, b) - pair(a, u) - pair(u, b) + pair(u, u)
        shares[i] += pair(a, u) - pair(u, u) + together / 2
        shares[i + 1] += pair(u, b) - pair(u, u) + together / 2
    value, baseline = _logits(layer, [list(ids), [u] * count])
    return value, baseline, shares


def ngram_drops(layer, ids: list[int], baseline_id: int) -> np.ndarray:
    """Each position's occlusion drop [T, C]: the layer's logits of `ids` minus those with that word at the baseline.

    Args:
        layer: An `NgramLogits` (its scale included).
        ids: One text's word ids, no padding.
        baseline_id: The id that replaces each word in turn (0: padding, no word).

    Example:
    >>> ngram_drops(clf.ngram_logits, [5, 7, 9], 0).shape
    (3, 2)
    """
    occluded = [list(ids[:i]) + [int(baseline_id)] + list(ids[i + 1:]) for i in range(len(ids))]
    logits = _logits(layer, [list(ids), *occluded])
    return logits[0] - logits[1:]


def ngram_part(layer, ids: list[int], baseline_id: int, method: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(the layer's logits of `ids` [C], of the baseline [C], each position's part [T, C]) for `method`.

    The parts are `ngram_shares` for integrated gradients and `ngram_drops` for occlusion.

    Example:
    >>> value, baseline, parts = ngram_part(clf.ngram_logits, [5, 7, 9], 0, "occlusion")
    """
    if method == "integrated_gradients":
        return ngram_shares(layer, ids, baseline_id)
    value, baseline = _logits(layer, [list(ids), [int(baseline_id)] * len(ids)])
    return value, baseline, ngram_drops(layer, ids, baseline_id)
