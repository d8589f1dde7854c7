"""Recipe: record in a sentiment card how precisely the test split measures its calibration error.

The card's `test_calibration_error` is measured on the 1,272 test snippets of
rt-snippets, one draw of many. This recipe predicts the test split with the
shipped preset (temperature and all) and records, beside the error:

- its bootstrap standard error and 95% percentile interval
  (`calibration_error_bootstrap`, 2,000 resamples of the snippets);
- what a perfectly calibrated model with the same confidences would measure on
  these snippets (`perfectly_calibrated_error`, 2,000 draws): the mean and the
  95th percentile.

Both go into `recipe["calibration"]["test_precision"]` and into the metric's
description. Only `card.json` is rewritten (atomically); the weights, their
hashes and the measured error stay as they are. `compact_embeddings`, the last
step of a sentiment preset's recipe, ends with it; run it alone on a preset
whose weights are final.

Run:
    python -m seqzoo.recipes.calibration_precision --preset sentiment-bilstm --out saved_models/sentiment-bilstm
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import seqzoo
from seqzoo import datasets
from seqzoo._atomic import write_bytes_atomic
from seqzoo.card import CARD_FILE, ModelCard
from seqzoo.errors import SeqzooError
from seqzoo.models.calibration_noise import (
    calibration_error_bootstrap,
    perfectly_calibrated_error,
)
from seqzoo.recipes.runner import display_path

METRIC = "test_calibration_error"
CLAUSE = "; bootstrap standard error"  # Where an earlier run's precision clause starts.
RESAMPLES = 2000


def describe_precision(description: str, precision: dict) -> str:
    """The metric's `description` with its precision clause (re)written from `precision`.

    Example:
    >>> describe_precision("expected calibration error", {"bootstrap": {"standard_error": 0.008},
    ...     "perfectly_calibrated": {"mean": 0.019, "p95": 0.03, "texts": 1272}})
    'expected calibration error; bootstrap standard error 0.008; a perfectly calibrated ...'
    """
    floor = precision["perfectly_calibrated"]
    return (f"{description.split(CLAUSE)[0]}{CLAUSE} {precision['bootstrap']['standard_error']:.3f}; "
            f"a perfectly calibrated model "
            f"with these confidences measures {floor['mean']:.3f} on average on these {floor['texts']:,} "
            f"snippets (95th percentile {floor['p95']:.3f})")


def record_precision(preset_dir: str | Path) -> ModelCard:
    """Measure and record the precision of the card's test calibration error; return the new card.

    Args:
        preset_dir: A calibrated sentiment preset (its card has `test_calibration_error`).

    Example:
    >>> record_precision("saved_models/sentiment-bilstm").recipe["calibration"]["test_precision"]["bootstrap"]
    {'standard_error': 0.0082, 'low': 0.0196, 'high': 0.0521}
    """
    preset_dir = Path(preset_dir)
    card = ModelCard.read(preset_dir)
    if METRIC not in card.metrics or "calibration" not in card.recipe:
        raise SeqzooError(f"{preset_dir}: the card has no {METRIC}; run seqzoo.recipes.sentiment_calibration "
                          "on this preset first.")
    test = datasets.load("rt-snippets", "test")
    probabilities = seqzoo.load(preset_dir).predict(test.x)
    precision = {
        "bootstrap": calibration_error_bootstrap(probabilities, test.y, resamples=RESAMPLES),
        "perfectly_calibrated": perfectly_calibrated_error(probabilities, draws=RESAMPLES),
        "resamples": RESAMPLES,
        "command": (f"python -m seqzoo.recipes.calibration_precision --preset {card.name} "
                    f"--out {display_path(preset_dir)}"),
    }
    card.recipe["calibration"]["test_precision"] = precision
    card.metrics[METRIC]["description"] = describe_precision(card.metrics[METRIC]["description"], precision)
    write_bytes_atomic(preset_dir / CARD_FILE, card.to_json().encode("utf-8"))
    return card


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", required=True, help="the preset's zoo name, as its card gives it")
    parser.add_argument("--out", type=Path, required=True, help="the preset directory to record into")
    args = parser.parse_args(argv)
    try:
        found = ModelCard.read(args.out).name
        if found != args.preset:
            raise SeqzooError(f"{args.out} holds {found}, not {args.preset}; pass the preset's own name.")
        card = record_precision(args.out)
    except SeqzooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(card.metrics[METRIC]["description"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
