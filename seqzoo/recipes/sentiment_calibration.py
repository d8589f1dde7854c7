"""Recipe: calibrate a sentiment preset's probabilities with a temperature fitted on held-out data.

The shipped `sentiment-lstm` and `sentiment-bilstm` are trained on train +
validation, so no split is left to fit their temperature on. This recipe
trains a twin with the same recipe on the train split only, fits the
temperature that minimises the twin's negative log-likelihood on the
validation split (`TextClassifier.calibrate`), sets it on the preset, and adds
the test split's expected calibration error, before and after, to the card.
A preset trained on the train split only (`sentiment-rnn`) is its own twin.
Predictions keep their class: the test accuracy does not move.

Run (after `python -m seqzoo.recipes.sentiment --preset sentiment-lstm --out DIR`):
    python -m seqzoo.recipes.sentiment_calibration --preset sentiment-lstm --out DIR

A twin already trained for this seed and these hyper-parameters (for example by
`sentiment.train(preset, out=twin_dir(preset), twin=True)`
in parallel with the preset) is used as it is.

Like the training recipe, it rewrites the preset without its golden outputs;
record them again with `python -m seqzoo.export.golden --write NAME`.
"""
from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

import seqzoo
from seqzoo import datasets
from seqzoo.card import ModelCard
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.recipes import sentiment
from seqzoo.recipes.runner import display_path, metric, recipe_main, run_dir

CURVE = "training_curve.png"


def twin_dir(preset: str, seed: int = 0) -> Path:
    """Where the train-only twin of `preset` (recipe seed `seed`) is kept: a preset folder in its run.

    Example:
    >>> twin_dir("sentiment-lstm")
    PosixPath('/root/.cache/seqzoo/runs/sentiment-lstm-seed0-twin/preset')
    """
    return run_dir(f"{preset}-seed{seed}-twin") / "preset"


def is_twin_of(twin_folder: Path, preset_dir: Path) -> bool:
    """Whether `twin_folder` holds a finished train-only twin of the preset in `preset_dir`.

    True when both cards record the same seed and the same hyper-parameters but the
    training data, so a twin trained beforehand (in parallel with the preset, say)
    is used rather than trained again.

    Example:
    >>> is_twin_of(twin_dir("sentiment-lstm"), Path("saved_models/sentiment-lstm"))
    True
    """
    if not (twin_folder / "card.json").is_file():
        return False
    twin, model = ModelCard.read(twin_folder), ModelCard.read(preset_dir)
    strip = lambda card: {k: v for k, v in card.recipe.get("hparams", {}).items() if k != "training_data"}  # noqa: E731
    return (twin.recipe.get("seed") == model.recipe.get("seed") and strip(twin) == strip(model)
            and twin.recipe.get("hparams", {}).get("training_data") == "train split")


def calibrate(preset: str, *, out: Path, epochs: int | None = None, seed: int = 0) -> ModelCard:
    """Fit the temperature of the preset in `out` with a train-only twin; rewrite the preset and card."""
    start = time.perf_counter()
    validation, test = datasets.load("rt-snippets", "validation"), datasets.load("rt-snippets", "test")
    if sentiment.PRESETS[preset].get("train_on_validation"):
        twin_folder = twin_dir(preset, seed)
        if not is_twin_of(twin_folder, Path(out)):
            sentiment.train(preset, out=twin_folder, epochs=epochs, seed=seed, twin=True)
        fitted_on = "validation split: NLL of a twin trained by the same recipe on the train split only"
    else:  # The preset itself never trained on the validation split.
        twin_folder = Path(out)
        fitted_on = "validation split: NLL of the preset itself (trained on the train split only)"
    twin = seqzoo.load(twin_folder)
    temperature = twin.calibrate(validation.x, validation.y)
    twin_accuracy = float(np.mean(twin.predict(validation.x).argmax(1) == validation.y))

    model = seqzoo.load(out)
    model.temperature = 1.0
    before = expected_calibration_error(model.predict(test.x), test.y)
    model.temperature = temperature
    after = expected_calibration_error(model.predict(test.x), test.y)
    card = model.card
    metrics = {**card.metrics, "test_calibration_error": metric(
        after, "test", "", f"expected calibration error (10 confidence bins) with temperature {temperature:.3f}; "
                           f"{before:.4f} without")}
    recipe = {**card.recipe, "calibration": {
        "command": f"python -m seqzoo.recipes.sentiment_calibration --preset {preset} --out {display_path(out)}",
        "temperature": round(temperature, 5),
        "fitted_on": fitted_on,
        "twin_validation_accuracy": round(twin_accuracy, 5),
        "test_calibration_error_before": round(before, 5),
        "seconds": round(time.perf_counter() - start, 1),
    }}
    card = dataclasses.replace(card, metrics=metrics, recipe=recipe)
    with tempfile.TemporaryDirectory() as scratch:  # The preset directory is replaced as a whole.
        extra = {}
        if (Path(out) / CURVE).is_file():
            extra[CURVE] = Path(shutil.copy(Path(out) / CURVE, Path(scratch) / CURVE))
        model.save_preset(out, card=card, extra_files=extra)
    return card


def main(argv=None) -> int:
    return recipe_main(calibrate, __doc__, flag="preset", choices=sentiment.PRESETS, default="sentiment-lstm",
                       epochs=None, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
