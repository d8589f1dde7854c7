"""Fine-tune a zoo forecaster on your own station's daily temperatures, and check it beats persistence.

This is what the out-of-range warning of `forecast` points to. Give a CSV of
your station (a `date` column and the model's feature columns: for
`temperature-lstm` temp_max and temp_min in °C; for `weather-lstm` also
precipitation in mm and wind in m/s). The first 80% of its rows fine-tune the
model, the last 20% measure next-day MAE before and after, beside persistence
(tomorrow = today). Without --data it uses a SYNTHETIC inland city written by
examples/weather_finetune.py, so the script runs anywhere.

Run:
    python examples/forecast_finetune.py --model temperature-lstm --data my_station.csv --out my-model
    python examples/forecast_finetune.py --quick     # synthetic city, two epochs, for tests
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import keras
import numpy as np

import seqzoo
from seqzoo.recipes.forecast_baselines import mae, persistence

sys.path.insert(0, str(Path(__file__).resolve().parent))
from weather_finetune import write_synthetic_city


def split_rows(table: dict[str, list], fraction: float, window: int) -> tuple[dict, dict]:
    """The first `fraction` of the rows, and the rest (with the `window` rows before it)."""
    cut = int(len(table["date"]) * fraction)
    return ({k: v[:cut] for k, v in table.items()}, {k: v[cut - window:] for k, v in table.items()})


def scores(model, table) -> np.ndarray:
    windows, targets = model.preprocessor.pairs(table)
    return mae(model.predict(windows), targets)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="weather-lstm", help="a zoo forecaster (default weather-lstm)")
    parser.add_argument("--data", type=Path, help="your station's CSV (default: a synthetic city)")
    parser.add_argument("--epochs", type=int, default=30)
    parser.add_argument("--quick", action="store_true", help="two epochs, for tests")
    parser.add_argument("--out", type=Path, help="save the fine-tuned preset here")
    args = parser.parse_args(argv)
    keras.utils.set_random_seed(0)
    model = seqzoo.load(args.model)
    with tempfile.TemporaryDirectory(prefix="seqzoo-forecast-") as folder:
        path = args.data
        if path is None:
            path = Path(folder) / "synthetic_city.csv"
            write_synthetic_city(path)
            print(f"No --data: using SYNTHETIC daily weather of an invented city ({path.name})")
        table = model.read_csv(path)
    train, test = split_rows(table, 0.8, model.window)
    windows, targets = model.preprocessor.pairs(test)
    names = model.target_names
    naive = mae(persistence(windows, model.preprocessor.target_indices), targets)
    before = scores(model, test)
    model.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0))  # Adjust, do not forget.
    epochs = 2 if args.quick else args.epochs
    model.fit(train, epochs=epochs, batch_size=32, verbose=0)
    after = scores(model, test)
    print(f"Next-day MAE on the last {len(targets)} days:")
    for label, values in (("persistence", naive), (f"{args.model} as shipped", before),
                          (f"after fit ({epochs} epochs)", after)):
        print(f"  {label:32s}" + "  ".join(f"{t} {v:5.2f} °C" for t, v in zip(names, values)))
    if args.out is not None:
        model.save_preset(args.out)
        print(f"Saved the fine-tuned preset to {args.out}; load it with seqzoo.load({str(args.out)!r}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
