"""Recipe: one validation-only run of a sentiment preset with changed hyper-parameters.

How the sentiment presets were tuned. It trains as `seqzoo.recipes.sentiment`
does, on the train split only, and scores the validation split (after the
preset's pretrained extra words are added): accuracy, accuracy on the snippets
with a word absent from the training text, expected calibration error before
any temperature, and P(positive) of the course's headline review. The test
split is never loaded. Each result is printed and appended as one JSON line to
`--log`.

Run:
    python -m seqzoo.recipes.sentiment_tuning --preset sentiment-lstm --seed 1 \\
        --set adversarial_epsilon=6 --log ~/.cache/seqzoo/runs/tuning.jsonl
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import keras
import numpy as np

from seqzoo.errors import SeqzooError
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.recipes import sentiment
from seqzoo.recipes.runner import training_session

HEADLINE = "This movie is absolutely fantastic!"


def tune(preset: str, *, seed: int = 0, overrides: dict | None = None, log: Path | None = None) -> dict:
    """Train `preset` with `overrides` on the train split; return its validation figures.

    Args:
        preset: A key of `seqzoo.recipes.sentiment.PRESETS`.
        seed: Seed of the initialisation and of the batch order.
        overrides: Hyper-parameters to change ({"dropout": 0.4}), or "adversarial_epsilon".
        log: A JSON-lines file the result is appended to.

    Example:
    >>> tune("sentiment-lstm", seed=1, overrides={"adversarial_epsilon": 6.0})["validation_accuracy"]
    0.799...
    """
    overrides = dict(overrides or {})
    keras.utils.set_random_seed(seed)
    config, run = sentiment.preset_config(preset, overrides)
    train, validation = sentiment.load_splits(run["limit"], ("train", "validation"))
    tag = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:8]
    fitted = sentiment.fit_preset(config, train, validation, seed=seed, twin=True,
                                  run_name=f"{preset}-seed{seed}-tuning-{tag}")
    model = fitted.model
    seen = sentiment.seen_words(model, fitted.train_x)
    if fitted.hparams.get("embeddings_extra_words"):
        model = sentiment.add_pretrained_words(model, fitted.architecture, fitted.hparams,
                                               fitted.hparams["embeddings_extra_words"])
    unseen = sentiment.with_unseen_words(model, validation, seen)
    probabilities = model.predict(validation.x)
    result = {
        "preset": preset, "seed": seed, "overrides": overrides, "training_seconds": round(fitted.seconds),
        "validation_accuracy_per_epoch": [round(float(v), 4) for v in fitted.history.get("val_accuracy", [])],
        "validation_accuracy": round(float(np.mean(probabilities.argmax(1) == validation.y)), 4),
        "unseen_words_validation_accuracy": round(float(np.mean(model.predict(unseen.x).argmax(1) == unseen.y)), 4),
        "unseen_words_validation_snippets": len(unseen.x),
        "validation_calibration_error": round(float(expected_calibration_error(probabilities, validation.y)), 4),
        "headline_positive": round(float(model.predict([HEADLINE])[0, 1]), 3),
    }
    if log is not None:
        log = Path(log).expanduser()
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as file:  # One line per run; an interrupted run adds none.
            file.write(json.dumps(result) + "\n")
    return result


def parse_setting(text: str) -> tuple[str, object]:
    """`key=value` -> (key, value); the value is read as JSON when it parses, else kept as text."""
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"--set takes key=value (for example dropout=0.4), got {text!r}.")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", choices=sorted(sentiment.PRESETS), default="sentiment-lstm")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", dest="settings", type=parse_setting, action="append", default=[],
                        metavar="KEY=VALUE", help="a hyper-parameter to change; repeat for several")
    parser.add_argument("--log", type=Path, default=None, help="JSON-lines file to append the result to")
    args = parser.parse_args(argv)
    try:
        with training_session(verbose=2):
            result = tune(args.preset, seed=args.seed, overrides=dict(args.settings), log=args.log)
    except SeqzooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
