"""The serving signature of a `Forecaster`: windows of raw feature values (and dates) -> forecasts."""
from __future__ import annotations

import math

import tensorflow as tf

from seqzoo.models import fast_path

# Days before each month in a common year; a leap year adds one from March.
_DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
_DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
# An ISO date, optionally followed by a time ("2015-06-01", "2015-06-01T12:00"), as Python reads them.
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ].*)?"


def _calendar_date(dates):
    """ISO date strings -> (year, month, day) int32, failing in the graph on anything not a real date."""
    well_formed = tf.strings.regex_full_match(dates, _ISO_DATE)
    first_bad = tf.concat([tf.boolean_mask(dates, ~well_formed), [""]], axis=0)[0]
    with tf.control_dependencies([tf.debugging.Assert(
            tf.reduce_all(well_formed), ["dates must be ISO dates YYYY-MM-DD; got", first_bad], summarize=1)]):
        dates = tf.identity(dates)
    year = tf.strings.to_number(tf.strings.substr(dates, 0, 4), tf.int32)
    month = tf.strings.to_number(tf.strings.substr(dates, 5, 2), tf.int32)
    day = tf.strings.to_number(tf.strings.substr(dates, 8, 2), tf.int32)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    in_month = tf.gather(tf.constant(_DAYS_IN_MONTH), tf.clip_by_value(month - 1, 0, 11))
    in_month += tf.cast(leap & (month == 2), tf.int32)
    real = (year >= 1) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= in_month)
    first_impossible = tf.concat([tf.boolean_mask(dates, ~real), [""]], axis=0)[0]
    with tf.control_dependencies([tf.debugging.Assert(
            tf.reduce_all(real), ["dates must be real calendar dates; got", first_impossible], summarize=1)]):
        return tf.identity(year), tf.identity(month), tf.identity(day), leap


def day_of_year(dates):
    """ISO dates "YYYY-MM-DD..." (string tensor) -> the day of the year, 0 for 1 January (int32).

    Impossible dates (month 13, 31 February, 29 February of a common year)
    fail with an InvalidArgumentError instead of being clipped.

    Example:
    >>> day_of_year(tf.constant(["2016-03-01"])).numpy()
    array([60], dtype=int32)
    """
    _, month, day, leap = _calendar_date(dates)
    before = tf.gather(tf.constant(_DAYS_BEFORE_MONTH), month - 1)
    return before + day - 1 + tf.cast(leap & (month > 2), tf.int32)


class ForecasterServing(tf.Module):
    """A `tf.Module` holding a forecaster, with a `serving_default` signature.

    `serving_default(features: float32 [N, window, features], dates: string
    [N, window])` -> `forecast` float32 [N, targets], in real units. `features`
    holds the columns `feature_names` in order; `dates` (ISO, only when the
    model reads the season) date each row. The season columns are computed
    in the graph as `ForecasterPreprocessor.model_inputs` computes them.
    The graph refuses (InvalidArgumentError) windows of another length than
    `window` (whatever a client's shape says), NaN or infinite values, and
    dates that are not real calendar dates (2015-13-45, 2015-02-31); an
    empty batch gives an empty forecast.

    Args:
        model: A `Forecaster` with a preprocessor.

    Example:
    >>> module = ForecasterServing(seqzoo.load("weather-lstm"))
    >>> module.serving_default(features=tf.zeros([1, 7, 4]), dates=tf.fill([1, 7], "2015-06-01"))
    """

    def __init__(self, model):
        super().__init__(name="forecaster_serving")
        self.model = model
        reader = model.reader
        self.season = reader.season
        self.window = reader.window
        self.num_features = len(reader.feature_names)
        self.feature_names = list(reader.feature_names)
        features = tf.TensorSpec([None, self.window, self.num_features], tf.float32, name="features")
        if self.season:
            dates = tf.TensorSpec([None, self.window], tf.string, name="dates")
            self.serving_default = tf.function(self._forecast_with_dates, input_signature=[features, dates])
        else:
            self.serving_default = tf.function(self._forecast, input_signature=[features])

    def signatures(self) -> dict:
        """Signature name -> concrete function, for `tf.saved_model.save`."""
        return {"serving_default": self.serving_default.get_concrete_function()}

    def _checked(self, features):
        """`features`, once its windows are known to be `window` rows of finite values."""
        shape = tf.shape(features)
        checks = [
            tf.debugging.assert_equal(
                shape[1], self.window,
                message=f"features must hold windows of exactly {self.window} rows (the model's window)"),
            tf.debugging.assert_equal(
                shape[2], self.num_features,
                message=f"features must have {self.num_features} columns: {', '.join(self.feature_names)}"),
        ]
        with tf.control_dependencies(checks):
            return tf.debugging.assert_all_finite(features, "features hold NaN or infinite values")

    def _forecast(self, features):
        features = self._checked(features)
        return {"forecast": fast_path.forecast_windows(self.model, features)}

    def _forecast_with_dates(self, features, dates):
        features = self._checked(features)
        same = tf.debugging.assert_equal(
            tf.shape(dates), tf.shape(features)[:2],
            message=f"dates must be [N, {self.window}]: one date per row of features")
        with tf.control_dependencies([same]):
            angle = 2 * math.pi * tf.cast(day_of_year(dates), tf.float64) / 365.25
        season = tf.cast(tf.stack([tf.sin(angle), tf.cos(angle)], axis=-1), tf.float32)
        return {"forecast": fast_path.forecast_windows(self.model, tf.concat([features, season], axis=-1))}
