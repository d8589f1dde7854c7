"""Time-series forecasters: a window of past rows in real units -> the next row's targets."""
from __future__ import annotations

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.models import fast_path
from seqzoo.models.backbone import RecurrentBackbone
from seqzoo.models.forecaster_preprocessor import ForecasterPreprocessor, column_names
from seqzoo.models.history_table import as_table, format_table, next_date, read_history_csv
from seqzoo.models.input_range_warning import warn_if_out_of_range
from seqzoo.models.residual_head import ResidualHead
from seqzoo.models.task import Task
from seqzoo.validation import check_int

MAX_HORIZON = 10_000  # Steps one `forecast` call may take, each fed by the one before.
from seqzoo.models.window_normalization import WindowNormalization, WindowResidualHead, masked_mae, masked_mse

NORMALIZATIONS = ("dataset", "window")


@keras.saving.register_keras_serializable(package="seqzoo")
class Forecaster(Task):
    """Forecasts the next `target_names` values from the last `window` rows.

    Users pass values in their real units (°C, mm, dollars). Inside the model
    a `Normalization` layer, adapted on the training data, scales the inputs,
    and a `ResidualHead` predicts each target as its last observed value plus
    a change, de-normalised to real units. So `predict` returns real units too.

    `fit`, `evaluate` and `predict` take either a table of dated rows (a pandas
    DataFrame, a list of dicts or a dict of columns) or arrays of windows
    `[N, window, len(input_columns)]` with targets `[N, len(target_names)]`.
    The first `fit` adapts the normalisation to its data unless `create` (or
    `adapt`) already did; a loaded or fine-tuned model keeps its statistics.

    Args:
        backbone: A `RecurrentBackbone` of features, `return_sequences=False`.
        preprocessor: A `ForecasterPreprocessor`.
        adapted: Whether the normalisation statistics are already set.
        normalization: "dataset" (statistics of the training data, as above) or
            "window": each window scaled by its own mean and std, reversed on the
            output (`WindowNormalization`, `WindowResidualHead`), so the model
            reads every climate alike.

    Example:
    >>> model = seqzoo.load("weather-lstm")
    >>> history = model.card.extra["example_history"]  # 2014-12-25 .. 2014-12-31
    >>> model.forecast(history, horizon=3)  # A DataFrame when pandas is installed.
    [{'date': '2015-01-01', 'temp_max': 4.09..., 'temp_min': -1.88...}, ...]
    >>> model.predict(np.zeros((1, 7, 6), "float32")).shape  # Windows of input_columns.
    (1, 2)
    """

    task_name = "forecasting"

    def __init__(self, backbone, preprocessor, adapted: bool = False, normalization: str = "dataset", **kwargs):
        if backbone.return_sequences or backbone.vocabulary_size is not None:
            raise InputError("A forecaster needs a feature backbone with return_sequences=False.")
        if normalization not in NORMALIZATIONS:
            raise InputError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}.")
        # === Layers ===
        if normalization == "window":
            missing = [preprocessor.input_columns.index(c) for c in preprocessor.missing]
            self.normalizer = WindowNormalization(len(preprocessor.input_columns), missing, name="normalizer")
            self.head = WindowResidualHead(preprocessor.target_indices, name="residual_head")
            width = self.normalizer.output_dim
        else:
            self.normalizer = keras.layers.Normalization(axis=-1, name="normalizer")
            self.head = ResidualHead(preprocessor.target_indices, name="residual_head")
            width = len(preprocessor.input_columns)
        if backbone.feature_dim != width:
            raise InputError(
                f"The backbone reads {backbone.feature_dim} features but the preprocessor and "
                f"{normalization} normalisation make {width} ({preprocessor.input_columns})."
            )
        self.backbone = backbone
        self.preprocessor = preprocessor
        # === Functional Model ===
        inputs = keras.Input(shape=(preprocessor.window, len(preprocessor.input_columns)), name="history")
        outputs = self.head(backbone(self.normalizer(inputs)), inputs)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.adapted = bool(adapted)
        self.normalization = normalization

    @classmethod
    def create(cls, architecture: str, *, feature_names=None, target_names=None, window: int = 7,
               season: bool = True, frequency: str = "daily", date_column: str = "date", data=None,
               hidden_size: int = 32, num_layers: int = 1, bidirectional: bool = False,
               dropout: float = 0.0, normalization: str = "dataset", missing=(), **unknown) -> "Forecaster":
        """An untrained forecaster.

        Args:
            architecture: "simple_rnn", "lstm" or "gru".
            feature_names, target_names, window, season, frequency, date_column:
                See `ForecasterPreprocessor`.
            data: Training data to adapt the normalisation to now (a table);
                otherwise the first `fit` does.
            hidden_size, num_layers, bidirectional, dropout: See `RecurrentBackbone`.
            normalization: "dataset" or "window"; see the class docstring.
            missing: Feature columns that may hold NaN (only with "window").
        """
        if unknown:
            raise InputError(f"Unknown hyper-parameters {sorted(unknown)} for this task.")
        feature_names = [] if feature_names is None else column_names("feature_names", feature_names)
        if not feature_names:
            raise InputError("A forecaster needs feature_names: the numeric columns it reads.")
        if missing and normalization != "window":
            raise InputError("missing columns need normalization='window', which reads NaN as absent.")
        preprocessor = ForecasterPreprocessor(feature_names, target_names, window=window, season=season,
                                              frequency=frequency, date_column=date_column, missing=missing)
        columns = len(preprocessor.input_columns)
        width = (WindowNormalization(columns, [preprocessor.input_columns.index(c) for c in preprocessor.missing])
                 .output_dim if normalization == "window" else columns)
        backbone = RecurrentBackbone(
            architecture, feature_dim=width, hidden_size=hidden_size,
            num_layers=num_layers, bidirectional=bidirectional, dropout=dropout, return_sequences=False,
        )
        model = cls(backbone, preprocessor, normalization=normalization)
        if data is not None:
            model.adapt(data)
        return model

    def default_compile_arguments(self) -> dict:
        # Squared error in real units trained best on weather (lower validation MAE than
        # an MAE loss); MAE is what model cards report, so it is tracked too.
        if self.preprocessor is not None and self.preprocessor.missing:  # NaN targets are skipped.
            return {"optimizer": keras.optimizers.Adam(3e-3, clipnorm=1.0), "loss": masked_mse,
                    "metrics": [keras.metrics.MeanMetricWrapper(masked_mae, name="mae")]}
        return {"optimizer": keras.optimizers.Adam(3e-3, clipnorm=1.0),
                "loss": keras.losses.MeanSquaredError(), "metrics": [keras.metrics.MeanAbsoluteError(name="mae")]}

    @property
    def reader(self) -> ForecasterPreprocessor:
        """The preprocessor, which knows the columns and reads tables."""
        if self.preprocessor is None:
            raise InputError("This model has no preprocessor, so it reads only arrays of windows.")
        return self.preprocessor

    @property
    def feature_names(self) -> list[str]:
        return self.reader.feature_names

    @property
    def target_names(self) -> list[str]:
        return self.reader.target_names

    @property
    def window(self) -> int:
        return self.reader.window

    @property
    def input_columns(self) -> list[str]:
        """The last axis of the windows that `predict` and `fit` take as arrays."""
        return self.reader.input_columns

    # === Normalisation ===
    def adapt(self, x, y=None) -> None:
        """Set the input normalisation and the scale of predicted changes from training data.

        Args:
            x: A table of dated rows, or windows [N, window, input columns].
            y: Targets [N, targets] when `x` holds windows.
        """
        if self.preprocessor is not None:
            x, y = self.preprocessor.training_arrays(x, y)
        x, y = np.asarray(x, dtype=np.float32), np.asarray(y, dtype=np.float32)
        self.normalizer.adapt(x)
        if self.normalization == "dataset":  # The window head scales by each window's own spread.
            self.head.adapt(y - x[:, -1, self.head.target_indices])
        self.adapted = True

    def fit(self, x=None, y=None, **kwargs):
        """Train on a table of dated rows, or on windows and targets; see the class docstring."""
        if not self.adapted and not isinstance(x, tf.data.Dataset):
            self.adapt(x, y)
        return super().fit(x, y, **kwargs)

    # === Forecasts ===
    def predict(self, x, batch_size: int | None = None, **kwargs) -> np.ndarray:
        """Next-step targets in real units, [N, len(target_names)].

        Args:
            x: Windows [N, window, input columns], or a table: then one
                forecast per window of `window` consecutive rows, the last
                one being the step after the table's last row.
        """
        kwargs.setdefault("verbose", 0)
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1, allow_none=True)
        if isinstance(x, tf.data.Dataset) or self.preprocessor is None:
            return super().predict(x, batch_size=batch_size, **kwargs)
        if isinstance(x, np.ndarray | tf.Tensor):
            x, _ = self.preprocessor.check_windows(x)
            if len(x) == 0:  # No windows, no forecasts (Keras fails on an empty batch).
                return np.zeros((0, len(self.target_names)), np.float32)
        else:
            x = self.preprocessor.windows(x)
        fast = fast_path.forecaster_predict(self, x, kwargs)  # Small inputs: one graph call.
        if fast is not None:
            return fast
        return super().predict(x, batch_size=batch_size or 256, **kwargs)

    def forecast(self, history, horizon: int = 1):
        """Forecast the targets of the `horizon` steps after the last row of `history`.

        Step 2 onward is forecast from the model's own earlier forecasts. The
        features it does not predict (for weather-lstm: precipitation and
        wind) are held at their mean over the last `window` observed rows.

        Args:
            history: At least `window` consecutive rows with a date and every
                column of `feature_names`: a pandas DataFrame, a list of dicts
                or a dict of columns. Only the last `window` rows are used.
            horizon: How many steps to forecast.

        Returns:
            One row per future step with "date" (ISO string) and each target:
            a pandas DataFrame when pandas is installed, else a list of dicts.

        Raises:
            InputError: Missing columns, too few rows, NaN or infinite values,
                unreadable or non-consecutive dates, or non-numeric values.

        Warns:
            SeqzooWarning: Once per call, when the last `window` rows leave the
                training input range recorded in the card (`extra["input_range"]`),
                naming the feature, how far out it is and what to do.

        Example:
        >>> model = seqzoo.load("weather-lstm")
        >>> model.forecast({"date": ["2015-06-0%d" % d for d in range(1, 8)],
        ...                 "precipitation": [0.0] * 7, "temp_max": [22.0] * 7,
        ...                 "temp_min": [12.0] * 7, "wind": [3.0] * 7}, horizon=2)
        """
        return as_table(self._forecast_rows(history, horizon))

    def _forecast_rows(self, history, horizon: int) -> list[dict]:
        horizon = check_int("horizon", horizon, minimum=1, maximum=MAX_HORIZON)
        reader = self.reader
        dates, values = reader.read(history, min_rows=reader.window)
        dates, values = dates[-reader.window :], values[-reader.window :]
        # Once per call: the observed window only, not the model's own later forecasts.
        warn_if_out_of_range(self.card, values, reader.feature_names, stacklevel=4)
        held = _column_means(values)  # What unpredicted features are assumed to be later on.
        rows = []
        for _ in range(int(horizon)):
            window = reader.model_inputs(dates, values)[None]
            predicted = fast_path.fast_path(self).forecast(window).numpy()[0]  # One graph call.
            date = next_date(dates[-1], reader.frequency)
            rows.append({"date": date.isoformat(),
                         **{t: float(v) for t, v in zip(reader.target_names, predicted)}})
            row = held.copy()
            row[reader.target_indices] = predicted
            dates, values = dates[1:] + [date], np.concatenate([values[1:], row[None]], axis=0)
        return rows

    def read_csv(self, path) -> dict[str, list]:
        """The date and feature columns of a CSV file (header row; other columns ignored).

        Example:
        >>> model.forecast(model.read_csv("history.csv"), horizon=3)
        """
        return read_history_csv(path, self.feature_names, date_column=self.reader.date_column)

    def demo(self, horizon: int = 3) -> str:
        """A forecast from the example history stored in the model card, as text; works offline."""
        example = (self.card.extra if self.card is not None else {}).get("example_history")
        if not example:
            return "  (no example history in this model's card)"
        last = example[-1]
        seen = ", ".join(f"{t} {last[t]:.1f}" for t in self.target_names)
        table = format_table(self._forecast_rows(example, horizon))
        return (f"  last observed {last[self.reader.date_column]}: {seen}\n  forecast:\n"
                + "\n".join("    " + line for line in table.splitlines()))

    def get_config(self) -> dict:
        config = super().get_config()
        config["adapted"] = self.adapted
        if self.normalization != "dataset":  # Older configs have no key and mean "dataset".
            config["normalization"] = self.normalization
        return config


def _column_means(values: np.ndarray) -> np.ndarray:
    """Mean of each column over the rows; NaN only where a column (an allowed missing one) is all NaN."""
    present = np.isfinite(values)
    total = np.where(present, values, 0.0).sum(axis=0)
    count = present.sum(axis=0)
    return np.where(count > 0, total / np.maximum(count, 1), np.nan).astype(values.dtype)
