"""The serving signature of a `Forecaster`: windows of raw feature values (and dates) -> forecasts."""
from __future__ import annotations

import math

import tensorflow as tf

# Days before each month in a common year; a leap year adds one from March.
_DAYS_BEFORE_MONTH = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
_ISO_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}.*"


def day_of_year(dates):
    """ISO dates "YYYY-MM-DD..." (string tensor) -> the day of the year, 0 for 1 January (int32).

    Example:
    >>> day_of_year(tf.constant(["2016-03-01"])).numpy()
    array([60], dtype=int32)
    """
    tf.debugging.Assert(tf.reduce_all(tf.strings.regex_full_match(dates, _ISO_DATE)),
                        ["dates must be ISO dates YYYY-MM-DD"])
    year = tf.strings.to_number(tf.strings.substr(dates, 0, 4), tf.int32)
    month = tf.strings.to_number(tf.strings.substr(dates, 5, 2), tf.int32)
    day = tf.strings.to_number(tf.strings.substr(dates, 8, 2), tf.int32)
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    before = tf.gather(tf.constant(_DAYS_BEFORE_MONTH), tf.clip_by_value(month - 1, 0, 11))
    return before + day - 1 + tf.cast(leap & (month > 2), tf.int32)


class ForecasterServing(tf.Module):
    """A `tf.Module` holding a forecaster, with a `serving_default` signature.

    `serving_default(features: float32 [N, window, features], dates: string
    [N, window])` -> `forecast` float32 [N, targets], in real units. `features`
    holds the columns `feature_names` in order; `dates` (ISO, only when the
    model reads the season) date each row. The season columns are computed
    in the graph as `ForecasterPreprocessor.model_inputs` computes them.

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
        features = tf.TensorSpec([None, self.window, self.num_features], tf.float32, name="features")
        if self.season:
            dates = tf.TensorSpec([None, self.window], tf.string, name="dates")
            self.serving_default = tf.function(self._forecast_with_dates, input_signature=[features, dates])
        else:
            self.serving_default = tf.function(self._forecast, input_signature=[features])

    def signatures(self) -> dict:
        """Signature name -> concrete function, for `tf.saved_model.save`."""
        return {"serving_default": self.serving_default.get_concrete_function()}

    def _forecast(self, features):
        tf.debugging.assert_all_finite(features, "features hold NaN or infinite values")
        return {"forecast": self.model(features, training=False)}

    def _forecast_with_dates(self, features, dates):
        tf.debugging.assert_all_finite(features, "features hold NaN or infinite values")
        angle = 2 * math.pi * tf.cast(day_of_year(dates), tf.float64) / 365.25
        season = tf.cast(tf.stack([tf.sin(angle), tf.cos(angle)], axis=-1), tf.float32)
        return {"forecast": self.model(tf.concat([features, season], axis=-1), training=False)}
