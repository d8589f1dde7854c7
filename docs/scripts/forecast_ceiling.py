"""How much can one station's past week tell about tomorrow? Other learners on weather-lstm's inputs.

Fits, on the same 7-day windows (plus season and a few summaries), models that
are not recurrent networks: ridge regression and gradient-boosted trees
(scikit-learn), trained on 2012-2013 or 2012-2014, and measures next-day
temp_max MAE on the same 358 days of 2015 as the weather-lstm card. With
`--weather-column`, the inputs also hold the day's weather category
(drizzle, rain, sun, snow, fog), which the zoo's forecaster does not read.
If none of them gets near 0.9 x persistence, the limit is the inputs, not
the network.

Needs scikit-learn (`pip install scikit-learn`), which seqzoo itself does not use.

Run:
    python docs/scripts/forecast_ceiling.py [--weather-column]
"""
from __future__ import annotations

import argparse
import datetime

import numpy as np

from seqzoo import datasets

WINDOW = 7
TEMP_MAX = 1  # Column of temp_max among precipitation, temp_max, temp_min, wind.


def windows(split: str, weather_column: bool):
    """(inputs, tomorrow's temp_max, today's temp_max) for every window inside `split`."""
    data = datasets.load("seattle-weather", split)
    values = data.x.astype("float64")
    if weather_column:
        kinds = sorted({"drizzle", "rain", "sun", "snow", "fog"})
        values = np.hstack([values, [[w == k for k in kinds] for w in data.meta["weather"]]])
    days = [datetime.date.fromisoformat(d).timetuple().tm_yday for d in data.meta["dates"]]
    rows, targets, today = [], [], []
    for i in range(WINDOW, len(values)):
        past = values[i - WINDOW:i]
        angle = 2 * np.pi * days[i] / 365.25
        season = [np.sin(angle), np.cos(angle), np.sin(2 * angle), np.cos(2 * angle)]
        rows.append(np.concatenate([past.ravel(), season, past.mean(0), past[-1] - past[-2]]))
        targets.append(values[i, TEMP_MAX])
        today.append(values[i - 1, TEMP_MAX])
    return np.array(rows), np.array(targets), np.array(today)


def main(argv=None) -> None:
    from sklearn.ensemble import HistGradientBoostingRegressor
    from sklearn.linear_model import RidgeCV

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weather-column", action="store_true", help="also read the weather category")
    args = parser.parse_args(argv)
    splits = {s: windows(s, args.weather_column) for s in ("train", "validation", "test")}
    x_test, y_test, today = splits["test"]
    persistence = np.abs(today - y_test).mean()
    print(f"{len(y_test)} test days; persistence temp_max MAE {persistence:.3f} °C; "
          f"target 0.9 x persistence = {0.9 * persistence:.3f} °C")
    for years, parts in (("2012-2013", ["train"]), ("2012-2014", ["train", "validation"])):
        x = np.vstack([splits[p][0] for p in parts])
        change = np.concatenate([splits[p][1] - splits[p][2] for p in parts])  # Predict the change.
        learners = {
            "ridge": RidgeCV(alphas=np.logspace(-3, 3, 13)),
            "boosted trees (MAE loss, depth 3, 300 rounds)": HistGradientBoostingRegressor(
                loss="absolute_error", learning_rate=0.1, max_iter=300, max_depth=3, random_state=0),
        }
        for name, learner in learners.items():
            mae = np.abs(learner.fit(x, change).predict(x_test) + today - y_test).mean()
            print(f"  {name}, fitted on {years}: {mae:.3f} °C ({mae / persistence:.3f} x persistence)")


if __name__ == "__main__":
    main()
