"""Recipe: `temperature-lstm`, next-day temp_max/temp_min in any climate from 14 days of temperatures.

Trains one model on every training station at once: Seattle (seattle-weather),
Clemson SC (temps-clemson, its train years 1981-2010), Melbourne (temps-melbourne, temp_max only) and New
York's EWR, JFK and LGA (weather-nyc-2013), each on its own fixed train split,
stopping early on the pooled validation splits. Each window is normalised by
its own mean and spread (`normalization="window"`), with its level given back
as an input; there is no calendar input. Melbourne has no temp_min: the model
reads temp_min as a missing input there (NaN -> absent, with a flag) and its
temp_min target is left out of the loss.

The card gets next-day temp_max MAE beside persistence (tomorrow = today) on
each station's test split, and a leave-one-station-out table: the same recipe
trained without one station (New York's three airports count as one), tested
on that station's test split.

Run:
    python -m seqzoo.recipes.temperature --architecture lstm --out saved_models/temperature-lstm
"""
from __future__ import annotations

import sys
from pathlib import Path

import keras
import numpy as np

import seqzoo
from seqzoo import datasets
from seqzoo.card import ModelCard
from seqzoo.recipes.forecast_baselines import mae
from seqzoo.recipes.input_range import input_range
from seqzoo.recipes.runner import (
    display_path,
    fit_resumable,
    metric,
    recipe_main,
    save_with_curve,
    training_record,
)

FEATURES = ["temp_max", "temp_min"]
WINDOW = 14
HPARAMS = {"lstm": {"hidden_size": 32, "num_layers": 1, "dropout": 0.1}}
# Station -> (dataset id, the dataset's station name). New York's airports share one climate,
# so leave-one-out leaves the three out together (group "New York").
STATIONS = {
    "Seattle": ("seattle-weather", None),
    "Clemson": ("temps-clemson", "Clemson"),
    "Melbourne": ("temps-melbourne", "Melbourne"),
    "NYC-EWR": ("weather-nyc-2013", "EWR"),
    "NYC-JFK": ("weather-nyc-2013", "JFK"),
    "NYC-LGA": ("weather-nyc-2013", "LGA"),
}
GROUPS = {"Seattle": ["Seattle"], "Clemson": ["Clemson"], "Melbourne": ["Melbourne"],
          "New York": ["NYC-EWR", "NYC-JFK", "NYC-LGA"]}
# The share of training windows whose temp_min is hidden (see `drop_temp_min`).
DROP_TEMP_MIN = 0.1
# Training windows are repeated so that no station drowns the others. Clemson's train split
# has 81 years; only its last 30 (1981-2010) are used, which halves the training time.
REPEATS = {"Seattle": 6, "Clemson": 1, "Melbourne": 1, "NYC-EWR": 3, "NYC-JFK": 3, "NYC-LGA": 3}
CLEMSON_TRAIN_FROM = "1981-01-01"
# The leave-one-station-out models get a shorter budget than the shipped one.
LOSO_EPOCHS, PATIENCE, LOSO_PATIENCE = 12, 5, 4


def station_series(station: str, split: str) -> tuple[list[str], np.ndarray]:
    """(ISO dates, [days, 2] temp_max/temp_min in deg C, NaN where missing) of one station's split.

    Example:
    >>> dates, values = station_series("Melbourne", "test")
    >>> dates[0], np.isnan(values[:, 1]).all()
    ('1989-01-01', True)
    """
    dataset, name = STATIONS[station]
    data = datasets.load(dataset, split)
    keep = [i for i, s in enumerate(data.meta.get("station", [name] * len(data.x))) if s == name]
    values = np.full((len(keep), len(FEATURES)), np.nan, dtype=np.float32)
    for j, feature in enumerate(FEATURES):
        if feature in data.meta["feature_names"]:
            values[:, j] = data.x[keep, data.meta["feature_names"].index(feature)]
    return [data.meta["dates"][i] for i in keep], values


def station_windows(dates: list[str], values: np.ndarray, window: int = WINDOW) -> tuple[np.ndarray, np.ndarray]:
    """Every run of `window` consecutive days with the next day: x [N, window, 2], y [N, 2].

    A window is kept only if its days and the next are consecutive and every
    value is present, except in a column the station never measures (kept as NaN).

    Example:
    >>> x, y = station_windows(["2015-01-0%d" % d for d in range(1, 5)], np.ones((4, 2), "float32"), window=2)
    >>> x.shape, y.shape
    ((2, 2, 2), (2, 2))
    """
    import datetime

    ordinal = np.array([datetime.date.fromisoformat(d).toordinal() for d in dates])
    never = np.isnan(values).all(axis=0)
    ok_row = (np.isfinite(values) | never).all(axis=1)
    xs, ys = [], []
    for end in range(window, len(dates)):
        start = end - window
        if ordinal[end] - ordinal[start] == window and ok_row[start : end + 1].all():
            xs.append(values[start:end])
            ys.append(values[end])
    empty = (np.zeros((0, window, values.shape[1]), np.float32), np.zeros((0, values.shape[1]), np.float32))
    return (np.stack(xs), np.stack(ys)) if xs else empty


def split_windows(split: str, stations) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Station -> (windows, targets) of `split` (Clemson's train split from 1981 only)."""
    windows = {}
    for station in stations:
        dates, values = station_series(station, split)
        if station == "Clemson" and split == "train":
            keep = [i for i, d in enumerate(dates) if d >= CLEMSON_TRAIN_FROM]
            dates, values = [dates[i] for i in keep], values[keep]
        windows[station] = station_windows(dates, values)
    return windows


def pooled(windows: dict, repeats: dict | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Concatenate the stations' windows, each repeated `repeats[station]` times."""
    xs = [np.repeat(x, (repeats or {}).get(s, 1), axis=0) for s, (x, _) in windows.items()]
    ys = [np.repeat(y, (repeats or {}).get(s, 1), axis=0) for s, (_, y) in windows.items()]
    return np.concatenate(xs), np.concatenate(ys)


def temp_max_scores(model, windows: dict) -> dict[str, dict[str, float]]:
    """Station -> next-day temp_max MAE of the model and of persistence, and their ratio."""
    scores = {}
    for station, (x, y) in windows.items():
        model_mae = float(mae(model.predict(x)[:, :1], y[:, :1])[0])
        persistence_mae = float(mae(x[:, -1, :1], y[:, :1])[0])
        scores[station] = {"model": model_mae, "persistence": persistence_mae,
                           "ratio": model_mae / persistence_mae, "days": len(y)}
    return scores


def drop_temp_min(x: np.ndarray, y: np.ndarray, fraction: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A copy where `fraction` of the windows that have temp_min lose it (input and target -> NaN).

    So the model also learns to forecast temp_max for a station without temp_min
    (Melbourne) even when no such station is in its training data.
    """
    x, y = x.copy(), y.copy()
    rng = np.random.default_rng(seed)
    has_min = np.isfinite(x[:, :, 1]).all(axis=1)
    drop = has_min & (rng.random(len(x)) < fraction)
    x[drop, :, 1] = np.nan
    y[drop, 1] = np.nan
    return x, y


def fit_model(architecture: str, train: dict, valid: dict, *, run_name: str, epochs: int, seed: int,
              batch_size: int, patience: int = PATIENCE):
    """A fresh window-normalised forecaster trained on the pooled stations of `train`."""
    keras.utils.set_random_seed(seed)
    hparams = {**HPARAMS[architecture], "feature_names": FEATURES, "target_names": FEATURES,
               "window": WINDOW, "season": False, "normalization": "window", "missing": ["temp_min"]}
    model = seqzoo.build(architecture, "forecasting", **hparams)
    x, y = drop_temp_min(*pooled(train, REPEATS), DROP_TEMP_MIN, seed)
    model.adapt(*pooled(train))  # Level statistics of each station's windows once.
    history, seconds = fit_resumable(
        model, (x, y), validation=pooled(valid), run_name=run_name, epochs=epochs, patience=patience,
        fit_kwargs={"batch_size": batch_size, "seed": seed})
    return model, hparams, history, seconds


def _key(station: str) -> str:
    return station.lower().replace("-", "_").replace(" ", "_")


def weather_lstm_same_days() -> dict[str, float]:
    """weather-lstm's and persistence's Seattle 2015 temp_max MAE on the days temperature-lstm forecasts.

    temperature-lstm reads 14 days, so its first 2015 forecast is for 2015-01-15;
    weather-lstm (7 days) starts on 2015-01-08. The first 7 of its windows are dropped.
    """
    from seqzoo.recipes.weather import split_table

    reference = seqzoo.load("weather-lstm")
    x, y = reference.preprocessor.pairs(split_table("test"))
    x, y = x[WINDOW - reference.window :], y[WINDOW - reference.window :]
    return {"model": float(mae(reference.predict(x)[:, :1], y[:, :1])[0]), "days": len(y)}


def leave_one_out(architecture: str, train: dict, valid: dict, test: dict, *, epochs: int, seed: int,
                  batch_size: int) -> dict[str, dict[str, float]]:
    """Group -> temp_max scores on its test split of a model trained on the other groups only."""
    table = {}
    for group, members in GROUPS.items():
        others = {s: w for s, w in train.items() if s not in members}
        others_valid = {s: w for s, w in valid.items() if s not in members}
        model, *_ = fit_model(architecture, others, others_valid, epochs=min(epochs, LOSO_EPOCHS), seed=seed,
                              batch_size=batch_size, patience=LOSO_PATIENCE, run_name=f"temperature-{architecture}-without-{_key(group)}-seed{seed}")
        x = np.concatenate([test[s][0] for s in members])
        y = np.concatenate([test[s][1] for s in members])
        table[group] = temp_max_scores(model, {group: (x, y)})[group]
    return table


def train(architecture: str, *, out: Path, epochs: int = 25, seed: int = 0, batch_size: int = 256) -> ModelCard:
    """Train on every station, measure each test split and leave-one-station-out, and write the preset."""
    name = f"temperature-{architecture}"
    train_w, valid_w, test_w = (split_windows(s, STATIONS) for s in ("train", "validation", "test"))
    run_name = f"{name}-seed{seed}"
    model, hparams, history, seconds = fit_model(architecture, train_w, valid_w, run_name=run_name,
                                                 epochs=epochs, seed=seed, batch_size=batch_size)
    scores = temp_max_scores(model, test_w)
    loso = leave_one_out(architecture, train_w, valid_w, test_w, epochs=epochs, seed=seed, batch_size=batch_size)
    reference = weather_lstm_same_days()
    seattle_days = f"the {scores['Seattle']['days']} days 2015-01-15 .. 2015-12-31, each from the 14 days before it"
    metrics = {
        "test_mae_temp_max": metric(scores["Seattle"]["model"], "test", "°C",
                                    f"Seattle next-day temp_max MAE on {seattle_days}"),
        "persistence_test_mae_temp_max": metric(scores["Seattle"]["persistence"], "test", "°C",
                                                "Seattle, tomorrow = today, same days", baseline=True),
        "weather_lstm_test_mae_temp_max": metric(
            reference["model"], "test", "°C", f"weather-lstm (7 days of 4 features and the season) on {seattle_days}",
            baseline=True),
        "test_mae_temp_max_vs_persistence_mean": metric(
            float(np.mean([v["ratio"] for v in scores.values()])), "test", "ratio",
            "mean over the six stations of model MAE / persistence MAE (temp_max)"),
    }
    for station, score in scores.items():
        key = _key(station)
        x, y = test_w[station]
        metrics[f"test_mae_temp_max_{key}"] = metric(score["model"], "test", "°C",
                                                     f"{station}, {score['days']} test days")
        metrics[f"persistence_test_mae_temp_max_{key}"] = metric(score["persistence"], "test", "°C",
                                                                 f"{station}, tomorrow = today", baseline=True)
        metrics[f"test_mae_temp_max_vs_persistence_{key}"] = metric(score["ratio"], "test", "ratio",
                                                                    f"{station}: model / persistence")
        if np.isfinite(y[:, 1]).all():
            metrics[f"test_mae_temp_min_{key}"] = metric(float(mae(model.predict(x)[:, 1:], y[:, 1:])[0]),
                                                         "test", "°C", f"{station}, next-day temp_min")
    for group, score in loso.items():
        metrics[f"loso_test_mae_temp_max_vs_persistence_{_key(group)}"] = metric(
            score["ratio"], "test", "ratio",
            f"trained without {group}, tested on its test split: model / persistence ({score['days']} days)")
    seattle_valid = station_series("Seattle", "validation")
    card = ModelCard(
        name=name, task="forecasting", architecture=architecture, dataset="temps-clemson",
        description=(
            "Forecasts tomorrow's maximum and minimum temperature (°C) anywhere, from the past 14 days of "
            "temp_max and temp_min only. Trained on four climates at once (Seattle, Clemson SC, Melbourne, "
            "New York's three airports). Each window is scaled by its own mean and spread and the forecast "
            "scaled back (RevIN-style), with the window's level given back as an input; there is no "
            "calendar input, so the hemisphere does not matter. temp_min may be missing (NaN): the model "
            "then forecasts temp_max from temp_max alone and returns NaN for temp_min."
        ),
        headline_metric="test_mae_temp_max",
        metrics=metrics,
        recipe={
            "command": f"python -m seqzoo.recipes.temperature --architecture {architecture} --out {display_path(out)}",
            "datasets": sorted({d for d, _ in STATIONS.values()}),
            "hparams": {**hparams, "epochs": epochs, "batch_size": batch_size, "loss": "mse (NaN targets skipped)",
                        "optimizer": "adam 3e-3, clipnorm 1", "early_stopping": f"pooled val_loss, patience {PATIENCE}",
                        "clemson_train_from": CLEMSON_TRAIN_FROM,
                        "leave_one_out": f"same recipe, at most {LOSO_EPOCHS} epochs, patience {LOSO_PATIENCE}",
                        "repeats": REPEATS, "drop_temp_min": DROP_TEMP_MIN},
            **training_record(seed, history, seconds),
        },
        limitations=(
            "Six stations, four climates, all mid-latitude (no tropics, deserts or mountains); New York "
            "has one year only and 46 test days per airport. It reads temperatures alone, so a front or a "
            "sea breeze arriving overnight surprises it as much as persistence; it beats persistence by "
            "5-20%, not more. Melbourne has no temp_min, so its temp_min forecasts are never measured. "
            "Beyond one day it feeds its own forecasts back, so errors grow with the horizon."
        ),
        extra={
            "example_history": [
                {"date": d, "temp_max": round(float(v[0]), 4), "temp_min": round(float(v[1]), 4)}
                for d, v in list(zip(*seattle_valid))[-WINDOW:]
            ],
            "input_range": input_range(pooled(train_w)[0], FEATURES),
            "stations": {s: {"dataset": STATIONS[s][0], **{k: round(v, 5) for k, v in scores[s].items()}}
                         for s in STATIONS},
            "leave_one_station_out": {g: {k: round(v, 5) for k, v in loso[g].items()} for g in GROUPS},
            "missing_inputs": "temp_min may be NaN (Melbourne): read as absent with a presence flag; "
                              "10% of training windows hide it so the model learns that case",
        },
    )
    return save_with_curve(model, out, card, history, run_name)


def main(argv=None) -> int:
    return recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm", epochs=25, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
