"""Fine-tune the Seattle `weather-lstm` forecaster to another place's daily weather.

THE OTHER PLACE IS SYNTHETIC. This script makes up three years of daily
weather for an invented inland city (hot summers, cold winters, so unlike
Seattle), writes it to a CSV file, and measures next-day MAE on its last year
before and after `fit` on its first two years. Replace the CSV with your own
station's data (columns date, precipitation, temp_max, temp_min, wind; °C,
mm, m/s) to do the same for a real place.

Run:
    python examples/weather_finetune.py            # about a minute
    python examples/weather_finetune.py --quick    # a few seconds, for tests
"""
from __future__ import annotations

import argparse
import csv
import datetime
import tempfile
from pathlib import Path

import keras
import numpy as np

import seqzoo
from seqzoo.recipes.forecast_baselines import mae, persistence


def write_synthetic_city(path: Path, *, start: str = "2019-01-01", days: int = 3 * 365, seed: int = 0) -> None:
    """Write made-up daily weather: a seasonal cycle, day-to-day persistence, rain cooling the day."""
    rng = np.random.default_rng(seed)
    first = datetime.date.fromisoformat(start)
    anomaly = 0.0
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["date", "precipitation", "temp_max", "temp_min", "wind"])
        for i in range(days):
            date = first + datetime.timedelta(days=i)
            season = np.sin(2 * np.pi * (date.timetuple().tm_yday - 105) / 365.25)
            anomaly = 0.6 * anomaly + rng.normal(0, 2.0)  # Weather spells last a few days.
            rain = rng.random() < 0.25
            precipitation = rng.gamma(0.8, 6.0) if rain else 0.0
            temp_max = 17 + 15 * season + anomaly - (2.5 if rain else 0.0)
            temp_min = temp_max - 11 + rng.normal(0, 1.5) + (4.0 if rain else 0.0)
            wind = rng.gamma(2.0, 1.8)
            writer.writerow([date.isoformat(), f"{precipitation:.1f}", f"{temp_max:.1f}",
                             f"{temp_min:.1f}", f"{wind:.1f}"])


def rows(table: dict[str, list], start: int, stop: int | None = None) -> dict[str, list]:
    return {name: values[start:stop] for name, values in table.items()}


def show(label: str, names: list[str], scores: np.ndarray) -> np.ndarray:
    print(f"{label:36s}" + "  ".join(f"{t} {s:5.2f} °C" for t, s in zip(names, scores)))
    return scores


def report(label: str, model, table) -> np.ndarray:
    windows, targets = model.preprocessor.pairs(table)
    return show(label, model.target_names, mae(model.predict(windows), targets))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two epochs, for tests")
    parser.add_argument("--epochs", type=int, default=40)
    parser.add_argument("--out", type=Path,
                        help="keep the CSV and the fine-tuned preset here (default: a temporary folder)")
    args = parser.parse_args(argv)
    if args.out is not None:
        args.out.mkdir(parents=True, exist_ok=True)
        return run(args.out, args)
    with tempfile.TemporaryDirectory(prefix="seqzoo-finetune-") as folder:
        return run(Path(folder), args)


def run(out: Path, args) -> int:
    keras.utils.set_random_seed(0)
    csv_path = out / "synthetic_city.csv"
    write_synthetic_city(csv_path)
    print(f"Wrote SYNTHETIC daily weather of an invented city to {csv_path}")

    model = seqzoo.load("weather-lstm")
    table = model.read_csv(csv_path)
    train, test = rows(table, 0, 2 * 365), rows(table, 2 * 365 - model.window)  # Test: the last year.
    windows, targets = model.preprocessor.pairs(test)
    print(f"Next-day MAE on the last year ({len(targets)} days):")
    naive = persistence(windows, model.preprocessor.target_indices)
    show("persistence (tomorrow = today)", model.target_names, mae(naive, targets))
    before = report("weather-lstm as trained on Seattle", model, test)

    # A smaller learning rate than from scratch: adjust the Seattle model, do not forget it.
    model.compile(optimizer=keras.optimizers.Adam(1e-3, clipnorm=1.0))
    epochs = 2 if args.quick else args.epochs
    model.fit(train, epochs=epochs, batch_size=32, verbose=0)
    after = report(f"after fit ({epochs} epochs, 2 years)", model, test)
    model.save_preset(out / "weather-lstm-synthetic-city")
    kept = f"; fine-tuned preset: {out / 'weather-lstm-synthetic-city'}" if args.out else ""
    print(f"temp_max MAE {before[0]:.2f} -> {after[0]:.2f} °C{kept}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
