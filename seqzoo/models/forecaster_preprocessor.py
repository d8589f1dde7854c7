"""Dated rows -> windows of model inputs (features + season) and next-step targets."""
from __future__ import annotations

import datetime

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.models.history_table import FREQUENCIES, read_history
from seqzoo.validation import check_bool, check_int, check_str

MAX_WINDOW = 10_000  # Rows per input window; the zoo's forecasters read 7 to 14.

SEASON_COLUMNS = ["season_sin", "season_cos"]


@keras.saving.register_keras_serializable(package="seqzoo")
class ForecasterPreprocessor(keras.layers.Layer):
    """Cuts a table of dated rows into windows of `window` rows for a `Forecaster`.

    Each window holds the feature columns in real units and, with `season`,
    the sine and cosine of the day of the year of each row, so the model
    knows where in the year it is. The training target of a window is the
    next row's target columns. Normalisation happens inside the model.

    Args:
        feature_names: The numeric columns the model reads, in order.
        target_names: The columns it predicts (a subset of `feature_names`).
        window: How many past rows the model reads.
        season: Add the day-of-year columns `season_sin`, `season_cos`.
        frequency: "daily" or "monthly": rows are consecutive steps.
        date_column: The name of the date column.
        missing: Feature columns that may hold NaN (a station that does not
            measure them); only a window-normalised forecaster reads them.

    Example:
    >>> pre = ForecasterPreprocessor(["t", "rain"], ["t"], window=2)
    >>> x, y = pre.pairs({"date": ["2015-01-01", "2015-01-02", "2015-01-03"],
    ...                   "t": [1.0, 2.0, 3.0], "rain": [0.0, 0.0, 1.0]})
    >>> x.shape, y.tolist()
    ((1, 2, 4), [[3.0]])
    """

    def __init__(self, feature_names: list[str], target_names: list[str] | None = None, window: int = 7,
                 season: bool = True, frequency: str = "daily", date_column: str = "date", missing=(),
                 **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        feature_names = column_names("feature_names", feature_names)
        target_names = list(feature_names if target_names is None else column_names("target_names", target_names))
        unknown = [t for t in target_names if t not in feature_names]
        if not feature_names or not target_names or unknown:
            raise InputError(
                f"target_names must be a non-empty subset of feature_names {feature_names}; got {target_names}."
            )
        if frequency not in FREQUENCIES:
            raise InputError(f"frequency must be one of {FREQUENCIES}, got {frequency!r}.")
        self.feature_names = feature_names
        self.target_names = target_names
        self.window = check_int("window", window, minimum=1, maximum=MAX_WINDOW)
        self.season = check_bool("season", season)
        self.frequency = frequency
        self.date_column = check_str("date_column", date_column, allow_empty=False)
        self.missing = column_names("missing", missing)
        if any(c not in feature_names for c in self.missing):
            raise InputError(f"missing must name columns of feature_names {feature_names}; got {self.missing}.")
        self.built = True  # No weights.

    @property
    def input_columns(self) -> list[str]:
        """The columns of one model input row: the features, then the season columns."""
        return self.feature_names + (SEASON_COLUMNS if self.season else [])

    @property
    def target_indices(self) -> list[int]:
        return [self.feature_names.index(t) for t in self.target_names]

    # === Tables -> arrays ===
    def read(self, data, min_rows: int) -> tuple[list[datetime.date], np.ndarray]:
        """Checked (dates, feature values [rows, features]); see `read_history`."""
        return read_history(data, self.feature_names, date_column=self.date_column,
                            frequency=self.frequency, min_rows=min_rows, missing=self.missing)

    def model_inputs(self, dates: list[datetime.date], values: np.ndarray) -> np.ndarray:
        """Feature rows [rows, features] + their dates -> model input rows [rows, input columns]."""
        if not self.season:
            return values.astype(np.float32)
        day = np.array([d.timetuple().tm_yday - 1 for d in dates], dtype=np.float64)
        angle = 2 * np.pi * day / 365.25
        return np.concatenate([values, np.sin(angle)[:, None], np.cos(angle)[:, None]], axis=1).astype(np.float32)

    def windows(self, data) -> np.ndarray:
        """Every window of `window` consecutive rows: [rows - window + 1, window, input columns]."""
        dates, values = self.read(data, min_rows=self.window)
        rows = self.model_inputs(dates, values)
        return np.lib.stride_tricks.sliding_window_view(rows, self.window, axis=0).transpose(0, 2, 1).copy()

    def pairs(self, data) -> tuple[np.ndarray, np.ndarray]:
        """Training pairs: each window and the targets of the row after it."""
        dates, values = self.read(data, min_rows=self.window + 1)
        rows = self.model_inputs(dates, values)
        x = np.lib.stride_tricks.sliding_window_view(rows[:-1], self.window, axis=0).transpose(0, 2, 1)
        return x.copy(), values[self.window :, self.target_indices]

    def check_windows(self, x, y=None) -> tuple[np.ndarray, np.ndarray | None]:
        """Arrays of windows [N, window, input columns] (and targets [N, targets]), checked."""
        shape = f"[N, {self.window}, {len(self.input_columns)}] (columns {self.input_columns})"
        try:
            x = np.asarray(x, dtype=np.float32)
        except (TypeError, ValueError):
            raise InputError(f"Windows must be a float array of shape {shape}.") from None
        if x.ndim != 3 or x.shape[1:] != (self.window, len(self.input_columns)):
            raise InputError(f"Windows must have the shape {shape}, got {list(x.shape)}.")
        allowed = np.zeros(x.shape[-1], dtype=bool)
        allowed[[self.input_columns.index(c) for c in self.missing]] = True
        if not (np.isfinite(x) | (np.isnan(x) & allowed)).all():
            raise InputError("The windows hold NaN or infinite values; seqzoo fills in nothing.")
        if y is not None:
            try:
                y = np.asarray(y, dtype=np.float32)
            except (TypeError, ValueError):
                raise InputError(f"Targets must be a float array of shape [N, {len(self.target_names)}].") from None
            if y.shape != (len(x), len(self.target_names)):
                raise InputError(
                    f"Targets must have the shape [{len(x)}, {len(self.target_names)}] "
                    f"(columns {self.target_names}), got {list(y.shape)}."
                )
            allowed = np.array([t in self.missing for t in self.target_names])
            if not (np.isfinite(y) | (np.isnan(y) & allowed)).all():
                raise InputError("The targets hold NaN or infinite values; seqzoo fills in nothing.")
        return x, y

    def training_arrays(self, x, y=None) -> tuple[np.ndarray, np.ndarray]:
        """(windows, targets) from a table, or from arrays of windows and targets."""
        if isinstance(x, np.ndarray | tf.Tensor):
            if y is None:
                raise InputError(f"Arrays of windows need targets y of shape [N, {len(self.target_names)}].")
            return self.check_windows(x, y)
        if y is not None:
            raise InputError("A table holds its own targets (the next row); pass no y.")
        return self.pairs(x)

    # === Datasets for Task.fit ===
    def make_dataset(self, x, y=None, *, batch_size, shuffle=False, seed=0):
        x, y = self.training_arrays(x, y)
        ds = tf.data.Dataset.from_tensor_slices((x, y))
        if shuffle:
            ds = ds.shuffle(len(x), seed=seed)
        return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)

    def map_dataset(self, dataset: tf.data.Dataset, *, batch_size):
        """A dataset of (window, targets) pairs, batched or not -> training batches."""
        spec = dataset.element_spec
        if not isinstance(spec, tuple) or len(spec) != 2:
            raise InputError("A forecasting dataset must yield (windows, targets) pairs.")
        if spec[0].shape.rank == 2:
            dataset = dataset.batch(batch_size)
        return dataset.prefetch(tf.data.AUTOTUNE)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(
            feature_names=self.feature_names, target_names=self.target_names, window=self.window,
            season=self.season, frequency=self.frequency, date_column=self.date_column,
        )
        if self.missing:  # Older configs have no key and mean none.
            config["missing"] = self.missing
        return config


def column_names(name: str, value) -> list[str]:
    """`value` (a list, tuple, array or pandas Index) as a list of distinct, non-empty column names.

    A lone string is refused rather than split into letters, and a set for having no order.
    """
    if isinstance(value, str | bytes | dict | set | frozenset) or not hasattr(value, "__iter__"):
        raise InputError(f"{name} must be a list of column names such as ['temp_max', 'temp_min']; "
                         f"got {value!r:.60}.")
    names = [str(check_str(f"{name}[{i}]", column, allow_empty=False)) for i, column in enumerate(value)]
    repeated = sorted({column for column in names if names.count(column) > 1})
    if repeated:
        raise InputError(f"{name} names {repeated} more than once; give each column once.")
    return names
