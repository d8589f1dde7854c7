"""What `attributions` returns: per-token scores for text models, a days x features array for forecasters."""
from __future__ import annotations

import dataclasses

import numpy as np

from seqzoo.errors import InputError

UNKNOWN = "<unk>"


@dataclasses.dataclass
class TokenAttribution:
    """How much each token of one text moved the target's logit, from the baseline to the text.

    Attributes:
        tokens: The tokens as the model saw them: words (classifiers) or characters (char LMs,
            starting with "<s>"); words outside the vocabulary are "<unk>".
        words: The text's own words or characters, aligned with `tokens` (what an `<unk>` stood for).
        scores: One float per token; positive pushes towards `target`. They sum to
            `logit - baseline_logit` up to `completeness_residual`.
        target: The class label (classifiers) or the next character (char LMs; "<end>" for the end).
        probability: The target's probability on the text.
        baseline_probability: Its probability on the baseline (every token set to the baseline's).
        logit, baseline_logit: The explained quantity, the target's logit, on both.
        completeness_residual: (sum(scores) - (logit - baseline_logit)) / |logit - baseline_logit|.
        method: "integrated_gradients" or "occlusion".
        steps: Integration points used (0 for occlusion).
        ngram_scores: For a classifier with an n-gram model beside its network
            (`stack_ngrams`), the n-gram model's part of each score (already in `scores`);
            None for other models.

    Example:
    >>> result = attributions(seqzoo.load("sentiment-lstm"), "a great film")
    >>> result.tokens, result.target
    (['a', 'great', 'film'], 'positive')
    """

    tokens: list[str]
    words: list[str]
    scores: list[float]
    target: str
    probability: float
    baseline_probability: float
    logit: float
    baseline_logit: float
    completeness_residual: float
    method: str
    steps: int
    ngram_scores: list[float] | None = None

    @property
    def unknown(self) -> list[bool]:
        """For each token, whether it was outside the vocabulary."""
        return [token == UNKNOWN for token in self.tokens]

    def top_positions(self, k: int = 5) -> list[int]:
        """The positions of the `k` tokens with the largest |score|, largest first."""
        return [int(i) for i in np.argsort(-np.abs(np.asarray(self.scores)), kind="stable")[:k]]

    def top(self, k: int = 5) -> list[tuple[str, float]]:
        """The `k` tokens with the largest |score|, as (word, score), largest first."""
        return [(self.words[i], self.scores[i]) for i in self.top_positions(k)]

    def to_dict(self) -> dict:
        """The attributes as plain Python (lists, floats, strings), ready for `json.dumps`."""
        return {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}


@dataclasses.dataclass
class ForecastAttribution:
    """How much each day and input column of one window moved one forecast target.

    Attributes:
        scores: [days, features] in the target's units; they sum to `forecast - baseline_forecast`
            up to `completeness_residual`.
        days: Row labels, "t-6" .. "t-0" (t-0 is the window's last day).
        features: Column labels, the model's `input_columns`.
        target: The target column explained.
        forecast: The model's forecast of `target` for the window.
        baseline_forecast: Its forecast for the baseline window (by default each column's mean
            over the window).
        window: The window in real units, [days, features].
        completeness_residual, method, steps: As for `TokenAttribution`.

    Example:
    >>> model = seqzoo.load("weather-lstm")
    >>> result = attributions(model, model.card.extra["example_history"])
    >>> result.scores.shape, result.target
    ((7, 6), 'temp_max')
    """

    scores: np.ndarray
    days: list[str]
    features: list[str]
    target: str
    forecast: float
    baseline_forecast: float
    window: np.ndarray
    completeness_residual: float
    method: str
    steps: int

    @property
    def probability(self) -> float:
        """The issue's contract name for the explained value: here the forecast (target's units)."""
        return self.forecast

    @property
    def baseline_probability(self) -> float:
        """The contract name for the baseline's value: here `baseline_forecast`."""
        return self.baseline_forecast

    def top(self, k: int = 5) -> list[tuple[str, str, float]]:
        """The `k` (day, feature, score) cells with the largest |score|, largest first."""
        flat = np.argsort(-np.abs(self.scores).ravel(), kind="stable")[:k]
        rows, cols = np.unravel_index(flat, self.scores.shape)
        return [(self.days[r], self.features[c], float(self.scores[r, c])) for r, c in zip(rows, cols)]

    def shares(self) -> np.ndarray:
        """Each cell's share of the total |score|, [days, features], summing to 1."""
        size = np.abs(self.scores)
        return size / max(float(size.sum()), 1e-30)

    def to_dict(self) -> dict:
        """The attributes as plain Python (nested lists for the arrays), with the contract's
        `probability`/`baseline_probability` keys holding the forecast values too."""
        plain = {field.name: _plain(getattr(self, field.name)) for field in dataclasses.fields(self)}
        plain.update(probability=plain["forecast"], baseline_probability=plain["baseline_forecast"])
        return plain

    def to_frame(self):
        """The scores as a pandas DataFrame, days as rows and features as columns.

        Raises:
            InputError: pandas is not installed.
        """
        try:
            import pandas as pd
        except ImportError as error:
            raise InputError("to_frame needs pandas: pip install pandas (or use to_dict()).") from error
        return pd.DataFrame(self.scores, index=pd.Index(self.days, name="day"), columns=self.features)


def _plain(value):
    if isinstance(value, np.ndarray):
        return value.astype(np.float64).tolist()
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, np.floating | np.integer):
        return value.item()
    return value
