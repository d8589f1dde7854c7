"""Recipe: next-day temperature forecasters of Seattle weather (`weather-lstm`, `weather-gru`).

Trains on 2012-2013, stops early on 2014 and measures next-day MAE on 2015,
beside persistence (tomorrow = today) and a least-squares linear model that
reads the same 7-day windows.

Run:
    python -m seqzoo.recipes.weather --architecture lstm --out saved_models/weather-lstm

The card also records the training input range per feature (0.5% and 99.5%
quantiles of the 2012-2013 windows), from which `forecast` warns about
histories outside it. Presets trained before that was recorded get it, and
the one-station description, without retraining (weights and figures stay;
the card is re-signed with `seqzoo.presets.rehash`):
    python -m seqzoo.recipes.weather --add-input-range saved_models/weather-lstm
"""
from __future__ import annotations

import sys
from pathlib import Path

import keras

import seqzoo
from seqzoo import datasets
from seqzoo._atomic import write_bytes_atomic
from seqzoo.card import ModelCard
from seqzoo.models.forecaster_preprocessor import ForecasterPreprocessor
from seqzoo.presets import rehash
from seqzoo.recipes.forecast_baselines import LinearWindowModel, mae, persistence
from seqzoo.recipes.input_range import input_range
from seqzoo.recipes.runner import (
    display_path,
    fit_resumable,
    metric,
    recipe_main,
    save_with_curve,
    training_record,
)

FEATURES = ["precipitation", "temp_max", "temp_min", "wind"]
TARGETS = ["temp_max", "temp_min"]
WINDOW = 7
HPARAMS = {
    "lstm": {"hidden_size": 32, "num_layers": 1, "dropout": 0.2},
    "gru": {"hidden_size": 32, "num_layers": 1, "dropout": 0.2},
}
NAMES = {"lstm": "weather-lstm", "gru": "weather-gru"}
TEST_DAYS = "the 358 days 2015-01-08 .. 2015-12-31, each forecast from the 7 days before it"


def split_table(split: str) -> dict[str, list]:
    """One split of seattle-weather as a dict of columns: "date" and the four features.

    Example:
    >>> split_table("test")["date"][:2]
    ['2015-01-01', '2015-01-02']
    """
    data = datasets.load("seattle-weather", split)
    names = data.meta["feature_names"]
    return {"date": list(data.meta["dates"]), **{n: data.x[:, i].tolist() for i, n in enumerate(names)}}


def describe(architecture: str, hidden_size: int) -> str:
    """The card's description: what the model reads, and that it knows one station only."""
    return (
        f"A one-station model: it learned Seattle's climate (2012-2013) and nothing else. "
        f"Forecasts tomorrow's maximum and minimum temperature (°C) in Seattle from the past "
        f"{WINDOW} days of precipitation, temperatures and wind, with the season (day of the year, "
        f"northern hemisphere). A {hidden_size}-unit {architecture} predicts the change from today; "
        "normalisation is inside the model, so it takes and returns real units. Elsewhere it can "
        "be worse than persistence and warns when the history leaves its training range: use "
        "`temperature-lstm` (several climates) or fine-tune it on your station."
    )


def training_input_range(train_table: dict[str, list]) -> dict[str, list[float]]:
    """Per feature, the 0.5% and 99.5% quantiles of the values in the training windows."""
    pre = ForecasterPreprocessor(FEATURES, TARGETS, window=WINDOW, season=False)
    return input_range(pre.pairs(train_table)[0], FEATURES)


def add_input_range(preset: Path) -> ModelCard:
    """Record the training input range and the one-station description in an existing card.

    Computed from the seattle-weather train split (what the preset was trained
    on); the weights and measured figures are untouched, and the card is
    re-signed through `seqzoo.presets.rehash`.
    """
    card = ModelCard.read(preset)
    card.extra["input_range"] = training_input_range(split_table("train"))
    card.description = describe(card.architecture, card.recipe["hparams"]["hidden_size"])
    write_bytes_atomic(Path(preset) / "card.json", card.to_json().encode("utf-8"))
    return rehash(preset)


def measure(model, table: dict[str, list]) -> dict[str, float]:
    """Next-day MAE in °C of each target over every 7-day window of `table`."""
    x, y = model.preprocessor.pairs(table)
    return dict(zip(model.target_names, mae(model.predict(x), y).tolist()))


def train(architecture: str, *, out: Path, epochs: int = 300, seed: int = 0, batch_size: int = 32) -> ModelCard:
    """Train, measure on 2015 beside the baselines, and write the preset with its card."""
    keras.utils.set_random_seed(seed)
    name = NAMES[architecture]
    train_table, valid_table, test_table = (split_table(s) for s in ("train", "validation", "test"))
    hparams = {**HPARAMS[architecture], "feature_names": FEATURES, "target_names": TARGETS,
               "window": WINDOW, "season": True}
    model = seqzoo.build(architecture, "forecasting", data=train_table, **hparams)
    history, seconds = fit_resumable(
        model, train_table, validation=valid_table, run_name=f"{name}-seed{seed}", epochs=epochs,
        patience=20, fit_kwargs={"batch_size": batch_size, "seed": seed},
    )
    pre = model.preprocessor
    x_train, y_train = pre.pairs(train_table)
    x_test, y_test = pre.pairs(test_table)
    scores = {
        "test": measure(model, test_table),
        "validation": measure(model, valid_table),
        "persistence": dict(zip(TARGETS, mae(persistence(x_test, pre.target_indices), y_test).tolist())),
        "linear": dict(zip(TARGETS, mae(LinearWindowModel().fit(x_train, y_train).predict(x_test),
                                        y_test).tolist())),
    }
    metrics = {}
    for target in TARGETS:
        metrics[f"test_mae_{target}"] = metric(scores["test"][target], "test", "°C",
                                               f"next-day MAE on {TEST_DAYS}")
    for target in TARGETS:
        metrics[f"test_mae_{target}_vs_persistence"] = metric(
            scores["test"][target] / scores["persistence"][target], "test", "ratio",
            "model MAE / persistence MAE on the same days (below 1 beats persistence)")
        metrics[f"validation_mae_{target}"] = metric(scores["validation"][target], "validation", "°C")
        metrics[f"persistence_test_mae_{target}"] = metric(
            scores["persistence"][target], "test", "°C", "tomorrow = today, same days", baseline=True)
        metrics[f"linear_test_mae_{target}"] = metric(
            scores["linear"][target], "test", "°C",
            "least squares (numpy) on the same 7-day windows and season inputs, fitted on 2012-2013",
            baseline=True)
    card = ModelCard(
        name=name, task="forecasting", architecture=architecture, dataset="seattle-weather",
        description=describe(architecture, hparams["hidden_size"]),
        headline_metric="test_mae_temp_max",
        metrics=metrics,
        recipe={
            "command": f"python -m seqzoo.recipes.weather --architecture {architecture} --out {display_path(out)}",
            "hparams": {**hparams, "epochs": epochs, "batch_size": batch_size, "loss": "mse",
                        "optimizer": "adam 3e-3, clipnorm 1", "early_stopping": "val_loss, patience 20"},
            **training_record(seed, history, seconds),
        },
        limitations=(
            "One weather station (Seattle, 2012-2015) and only 731 training days: it knows one mild, "
            "maritime climate and can only learn the season from two years. It sees no weather maps, "
            "so fronts arriving overnight surprise it as much as persistence; it beats persistence by "
            "a few percent, not by much. Beyond one day it feeds its own forecasts back and holds "
            "precipitation and wind at their 7-day mean, so errors grow quickly with the horizon. "
            "Fine-tune it (`fit`) on a few years of another place before using it there."
        ),
        extra={
            "example_history": [
                {"date": d, **{f: round(valid_table[f][i], 4) for f in FEATURES}}
                for i, d in enumerate(valid_table["date"]) if i >= len(valid_table["date"]) - WINDOW
            ],
            "rolling_forecast": "beyond one step, precipitation and wind are held at their mean over the window",
            "input_range": training_input_range(train_table),
        },
    )
    return save_with_curve(model, out, card, history, f"{name}-seed{seed}")


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else list(argv)
    if args[:1] == ["--add-input-range"]:
        for preset in args[1:]:
            print(f"{preset}: input_range {add_input_range(Path(preset)).extra['input_range']}")
        return 0
    return recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm",
                       epochs=300, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
