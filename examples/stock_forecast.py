"""Forecast next month's stock prices with a small LSTM, and compare it honestly with persistence.

Uses the `stocks` dataset (monthly closing prices, 2000-2010) with its fixed
date split: train 2000-2007, validation 2008, test 2009-01 .. 2010-03. GOOG
is left out because it has no prices before its listing in August 2004, and
seqzoo fills nothing in. Each forecast reads the 6 months before it; the
validation and test months may read back into the split before them
(observed prices only, never a future one).

It prints the MAE of each LSTM beside two baselines: persistence (next month
= this month) and drift (persistence plus the mean monthly change of
2000-2007), and says plainly whether the LSTM beats the better of them. It
usually does not; docs/guides/forecasting-honesty.md explains why.

Run:
    python examples/stock_forecast.py            # under a minute
    python examples/stock_forecast.py --quick    # a few seconds, for tests
"""
from __future__ import annotations

import argparse

import keras
import numpy as np

import seqzoo
from seqzoo import datasets
from seqzoo.recipes.forecast_baselines import mae, persistence

TICKERS = ["AAPL", "AMZN", "IBM", "MSFT"]  # GOOG: no prices before 2004-08.
WINDOW = 6


def split_table(split: str) -> dict[str, list]:
    data = datasets.load("stocks", split)
    names = data.meta["feature_names"]
    return {"date": list(data.meta["dates"]), **{t: data.x[:, names.index(t)].tolist() for t in TICKERS}}


def with_context(before: dict[str, list], table: dict[str, list]) -> dict[str, list]:
    """`table` preceded by the last WINDOW rows of `before`, so its first month has a full window."""
    return {name: before[name][-WINDOW:] + table[name] for name in table}


def fit_lstm(train, validation, *, seed: int, epochs: int):
    keras.utils.set_random_seed(seed)
    model = seqzoo.build("lstm", "forecasting", feature_names=TICKERS, window=WINDOW, season=False,
                         frequency="monthly", data=train, hidden_size=16, dropout=0.1)
    model.fit(train, validation_data=validation, epochs=epochs, batch_size=16, verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(patience=20, restore_best_weights=True)])
    return model


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one seed, three epochs, for tests")
    parser.add_argument("--seeds", type=int, default=5, help="LSTMs trained with different seeds")
    args = parser.parse_args(argv)
    seeds, epochs = (1, 3) if args.quick else (args.seeds, 300)

    train, validation, test = (split_table(s) for s in ("train", "validation", "test"))
    validation = with_context(train, validation)
    test = with_context(validation, test)
    scores, model = {}, None
    for seed in range(seeds):
        model = fit_lstm(train, validation, seed=seed, epochs=epochs)
        windows, targets = model.preprocessor.pairs(test)
        scores[f"LSTM seed {seed}"] = mae(model.predict(windows), targets)
    # Two baselines: next month = this month, and that plus the mean monthly change of 2000-2007.
    last = persistence(windows, model.preprocessor.target_indices)
    train_windows, train_targets = model.preprocessor.pairs(train)
    drift = (train_targets - persistence(train_windows, model.preprocessor.target_indices)).mean(axis=0)
    scores["persistence"] = mae(last, targets)
    scores["drift"] = mae(last + drift, targets)

    print(f"Next-month MAE in dollars on the test split ({len(targets)} months, "
          f"{test['date'][WINDOW]} .. {test['date'][-1]}):")
    print(f"{'':14s}" + "".join(f"{t:>8s}" for t in TICKERS) + f"{'mean':>8s}")
    for name, values in scores.items():
        print(f"{name:14s}" + "".join(f"{v:8.2f}" for v in values) + f"{np.mean(values):8.2f}")
    per_seed = [float(np.mean(v)) for k, v in scores.items() if k.startswith("LSTM")]
    lstm = float(np.mean(per_seed))
    baseline = min(("persistence", "drift"), key=lambda k: np.mean(scores[k]))
    best = float(np.mean(scores[baseline]))
    spread = f"{lstm:.2f} $ on average over {seeds} seed(s), {min(per_seed):.2f} to {max(per_seed):.2f}"
    if lstm < best:
        print(f"The LSTM beats the better simple baseline, {baseline} ({best:.2f} $), here: {spread}. "
              f"That is {len(targets)} months only: treat it as luck until it holds on other periods.")
    else:
        print(f"The LSTM does NOT beat the better simple baseline, {baseline} ({best:.2f} $): {spread} "
              f"(persistence {float(np.mean(scores['persistence'])):.2f} $). Next month's price is best "
              "guessed as this month's plus the average drift. See docs/guides/forecasting-honesty.md.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
