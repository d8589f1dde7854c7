"""Simple baselines that recipes measure beside the models, on the same split."""
from __future__ import annotations

import collections
import math

START, END, UNKNOWN = "\x02", "\x03", "\x00"


class CharBigram:
    """An add-k smoothed character bigram model with start and end markers.

    Characters outside `vocabulary` count as one unknown symbol, as in the
    neural models.

    Args:
        vocabulary: The known characters.
        k: The add-k smoothing constant.

    Example:
    >>> bigram = CharBigram(set("ab"), k=0.1).fit(["ab", "ba"])
    >>> round(bigram.score(["ab"]), 3)
    0.881
    """

    def __init__(self, vocabulary, k: float = 0.5):
        self.vocabulary = set(vocabulary)
        self.k = k
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)

    def _symbols(self, text: str) -> list[str]:
        return [START] + [c if c in self.vocabulary else UNKNOWN for c in text] + [END]

    def fit(self, texts) -> "CharBigram":
        for text in texts:
            symbols = self._symbols(text)
            for prev, nxt in zip(symbols, symbols[1:]):
                self.counts[prev][nxt] += 1
        return self

    def score(self, texts) -> float:
        """Mean NLL in nats per character, counting the end marker."""
        outcomes = len(self.vocabulary) + 2  # the characters, unknown and end
        total, count = 0.0, 0
        for text in texts:
            symbols = self._symbols(text)
            for prev, nxt in zip(symbols, symbols[1:]):
                row = self.counts.get(prev, collections.Counter())
                p = (row[nxt] + self.k) / (sum(row.values()) + self.k * outcomes)
                total -= math.log(p)
                count += 1
        return total / count


def tuned_char_bigram(train, validation, vocabulary) -> CharBigram:
    """The bigram whose k scores best on `validation`."""
    best = None
    for k in (0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0):
        model = CharBigram(vocabulary, k).fit(train)
        nll = model.score(validation)
        if best is None or nll < best[0]:
            best = (nll, model)
    return best[1]
