"""Warn when a forecaster's history lies outside the range of its training inputs.

A forecaster's card records, per feature, the 0.5% and 99.5% quantiles of
its training inputs (`card.extra["input_range"]`, written by the recipe). A
model asked about a climate it never saw (weather-lstm on a tropical city)
gives numbers anyway; this module makes it say so, once per `forecast` call,
through the `warnings` module with a `SeqzooWarning`.
"""
from __future__ import annotations

import warnings

import numpy as np

from seqzoo.errors import SeqzooWarning

MULTI_CLIMATE_PRESET = "temperature-lstm"


def out_of_range(values: np.ndarray, feature_names: list[str], ranges: dict) -> list[str]:
    """One phrase per feature whose values leave [low, high], saying by how much.

    Args:
        values: The window's rows [rows, len(feature_names)] in real units (NaN ignored).
        feature_names: The columns of `values`.
        ranges: feature -> [low, high] (features without a range are not checked).

    Example:
    >>> out_of_range(np.array([[30.0], [36.5]]), ["temp_max"], {"temp_max": [-1.0, 34.0]})
    ['temp_max reaches 36.5, 2.5 above the training range -1 .. 34']
    """
    phrases = []
    for i, name in enumerate(feature_names):
        if name not in ranges:
            continue
        column = values[:, i][np.isfinite(values[:, i])]
        if not len(column):
            continue
        low, high = (float(v) for v in ranges[name])
        above, below = float(column.max()) - high, low - float(column.min())
        if above > 0 and above >= below:
            phrases.append(f"{name} reaches {column.max():.4g}, {above:.3g} above the training range "
                           f"{low:.4g} .. {high:.4g}")
        elif below > 0:
            phrases.append(f"{name} falls to {column.min():.4g}, {below:.3g} below the training range "
                           f"{low:.4g} .. {high:.4g}")
    return phrases


def warn_if_out_of_range(card, values: np.ndarray, feature_names: list[str], *, stacklevel: int = 3) -> bool:
    """Issue one `SeqzooWarning` if `values` leave the card's training input range.

    Args:
        card: The model's `ModelCard` (or None: nothing is checked).
        values: The window the forecast reads, [rows, features] in real units.
        feature_names: The columns of `values`.
        stacklevel: Passed to `warnings.warn`, so the warning points at the caller.

    Returns:
        Whether a warning was issued.

    Example:
    >>> warn_if_out_of_range(seqzoo.info("weather-lstm"), hot_window, ["precipitation", "temp_max", ...])
    True
    """
    ranges = (card.extra or {}).get("input_range") if card is not None else None
    if not ranges:
        return False
    phrases = out_of_range(np.asarray(values, dtype=np.float64), feature_names, ranges)
    if not phrases:
        return False
    advice = "fine-tune it on a few years of your station's data (examples/forecast_finetune.py)"
    if card.name != MULTI_CLIMATE_PRESET:
        advice += f", or use `{MULTI_CLIMATE_PRESET}`, trained on several climates"
    warnings.warn(
        f"{card.name}: the history is outside the range of the model's training inputs "
        f"(0.5%-99.5% quantiles): {'; '.join(phrases)}. Its forecast may be far off; {advice}.",
        SeqzooWarning, stacklevel=stacklevel)
    return True
