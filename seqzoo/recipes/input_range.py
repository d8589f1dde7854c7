"""The training input range a Forecaster's card records, for `forecast`'s out-of-range warning."""
from __future__ import annotations

import numpy as np

# The quantiles stored: wide enough that a normal day of the training climate stays inside.
LOW, HIGH = 0.005, 0.995


def input_range(windows: np.ndarray, columns: list[str]) -> dict[str, list[float]]:
    """Per input column, the 0.5% and 99.5% quantiles of the training windows' values (NaN ignored).

    Args:
        windows: Training windows [N, window, len(columns)] in real units.
        columns: The names of the last axis (the model's input columns).

    Returns:
        column -> [low, high], rounded to 4 decimals; columns that are all NaN are left out.

    Example:
    >>> input_range(np.arange(1000, dtype="float32").reshape(-1, 1, 1), ["t"])
    {'t': [4.995, 994.005]}
    """
    values = np.asarray(windows, dtype=np.float64).reshape(-1, len(columns))
    ranges = {}
    for i, column in enumerate(columns):
        present = values[np.isfinite(values[:, i]), i]
        if len(present):
            low, high = np.quantile(present, [LOW, HIGH])
            ranges[column] = [round(float(low), 4), round(float(high), 4)]
    return ranges
