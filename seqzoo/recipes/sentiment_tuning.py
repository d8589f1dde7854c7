"""Recipe: one validation-only run of a sentiment preset with changed hyper-parameters.

How the sentiment presets were tuned. It trains as `seqzoo.recipes.sentiment`
does, on the train split only, and scores the validation split (after the
preset's pretrained extra words are added): accuracy, accuracy on the snippets
with a word absent from the training text, expected calibration error before
any temperature, and P(positive) of the course's headline review. The test
split is never loaded. Each result is printed and appended as one JSON line to
`--log`.

The validation split (1,241 snippets) measures accuracy to within about two
points, too coarsely to choose between recipes half a point apart. With
`--folds K` the recipe cross-validates instead: train + validation (11,480
snippets) is cut into K fixed parts (the same for every recipe and seed), each
run trains on K - 1 of them and scores the part left out, and the figures of all
K parts are pooled, so every training snippet is scored once. The keys keep
their "validation_" names; "held_out" says what was scored.

Run:
    python -m seqzoo.recipes.sentiment_tuning --preset sentiment-lstm --seed 1 \\
        --set adversarial_epsilon=6 --log ~/.cache/seqzoo/runs/tuning.jsonl
    python -m seqzoo.recipes.sentiment_tuning --preset sentiment-lstm --folds 5   # all 5 folds, pooled
    python -m seqzoo.recipes.sentiment_tuning --preset sentiment-lstm --folds 5 --fold 2   # one of them
"""
from __future__ import annotations

import argparse
import dataclasses
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
from seqzoo.validation import check_int

HEADLINE = "This movie is absolutely fantastic!"
FOLD_SEED = 0  # Fixed, so that every recipe and seed is scored on the same folds.


def fold_splits(train, validation, *, folds: int, fold: int):
    """Train + validation cut into `folds` fixed parts: (the other parts, part `fold`), as two splits.

    Args:
        train, validation: rt-snippets splits (`seqzoo.recipes.sentiment.load_splits`).
        folds: How many parts (at least 2).
        fold: Which part is held out, from 0 to folds - 1.

    Example:
    >>> rest, held_out = fold_splits(train, validation, folds=5, fold=0)
    >>> len(rest.x), len(held_out.x)
    (9184, 2296)
    """
    folds = check_int("folds", folds, minimum=2)
    fold = check_int("fold", fold, minimum=0, maximum=folds - 1)
    x = list(train.x) + list(validation.x)
    y = np.concatenate([np.asarray(train.y), np.asarray(validation.y)])
    if folds > len(x):
        raise SeqzooError(f"folds={folds} is more than the {len(x)} snippets; use at most {len(x)} folds.")
    parts = np.array_split(np.random.default_rng(FOLD_SEED).permutation(len(x)), folds)
    held = np.sort(parts[fold])
    rest = np.sort(np.concatenate([part for i, part in enumerate(parts) if i != fold]))
    pick = lambda split, rows: dataclasses.replace(split, x=[x[i] for i in rows], y=y[rows])  # noqa: E731
    return pick(train, rest), pick(validation, held)


def tune(preset: str, *, seed: int = 0, overrides: dict | None = None, log: Path | None = None,
         folds: int | None = None, fold: int = 0, save: Path | None = None) -> dict:
    """Train `preset` with `overrides` on the train split; return its validation figures.

    Args:
        preset: A key of `seqzoo.recipes.sentiment.PRESETS`.
        seed: Seed of the initialisation and of the batch order.
        overrides: Hyper-parameters to change ({"dropout": 0.4}), or "adversarial_epsilon".
        log: A JSON-lines file the result is appended to.
        folds: Cross-validate: train on the other parts of train + validation cut into
            this many (`fold_splits`) and score part `fold`, instead of the validation split.
        fold: The part held out when `folds` is set.
        save: Also save the trained model (with its extra words) as a preset here,
            for example to merge train-only runs into an ensemble's twin.

    Example:
    >>> tune("sentiment-lstm", seed=1, overrides={"adversarial_epsilon": 6.0})["validation_accuracy"]
    0.799...
    """
    overrides = dict(overrides or {})
    keras.utils.set_random_seed(seed)
    config, run = sentiment.preset_config(preset, overrides)
    train, validation = sentiment.load_splits(run["limit"], ("train", "validation"))
    held_out = "validation split"
    if folds is not None:
        train, validation = fold_splits(train, validation, folds=folds, fold=fold)
        held_out = f"fold {fold} of {folds} of train + validation"
    tag = hashlib.sha256(json.dumps(overrides, sort_keys=True).encode()).hexdigest()[:8]
    fold_tag = f"-fold{fold}of{folds}" if folds is not None else ""
    model, runs = sentiment.fit_members(config, train, validation, seed=seed, twin=True,
                                        run_name=f"{preset}-seed{seed}-tuning-{tag}{fold_tag}")
    seen = sentiment.seen_words(model, runs[0].train_x)
    unseen = sentiment.with_unseen_words(model, validation, seen)
    probabilities = model.predict(validation.x)
    result = {
        "preset": preset, "seed": seed, "overrides": overrides,
        "training_seconds": round(sum(r.seconds for r in runs)),
        "held_out": held_out, "validation_snippets": len(validation.x),
        "validation_accuracy_per_epoch": [  # Of the first member, when there are several.
            round(float(v), 4) for v in runs[0].history.get("val_accuracy", [])],
        "validation_accuracy": round(float(np.mean(probabilities.argmax(1) == validation.y)), 4),
        "unseen_words_validation_accuracy": round(float(np.mean(model.predict(unseen.x).argmax(1) == unseen.y)), 4),
        "unseen_words_validation_snippets": len(unseen.x),
        "validation_calibration_error": round(float(expected_calibration_error(probabilities, validation.y)), 4),
        "headline_positive": round(float(model.predict([HEADLINE])[0, 1]), 3),
        # Per snippet, in the held-out split's order: runs scored on the same snippets can be
        # compared snippet by snippet (paired: seqzoo.recipes.sentiment_compare), not only by
        # their accuracies.
        "validation_positive_probabilities": [round(float(p), 6) for p in probabilities[:, 1]],
        "validation_labels": [int(y) for y in validation.y],
    }
    if save is not None:
        model.save_preset(Path(save).expanduser())
    if log is not None:
        log = Path(log).expanduser()
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf-8") as file:  # One line per run; an interrupted run adds none.
            file.write(json.dumps(result) + "\n")
    return result


def pooled(results: list[dict]) -> dict:
    """The figures of several folds' results pooled over their snippets (each fold weighted by its size).

    Example:
    >>> pooled([tune("sentiment-lstm", folds=5, fold=i) for i in range(5)])["validation_accuracy"]
    0.80...
    """
    sizes = np.array([r["validation_snippets"] for r in results], dtype="float64")
    unseen = np.array([r["unseen_words_validation_snippets"] for r in results], dtype="float64")
    mean = lambda key, weights: round(float(np.sum([r[key] for r in results] * weights) / np.sum(weights)), 4)  # noqa: E731
    return {
        "preset": results[0]["preset"], "seed": results[0]["seed"], "overrides": results[0]["overrides"],
        "held_out": f"all {len(results)} folds of train + validation", "validation_snippets": int(sizes.sum()),
        "validation_accuracy": mean("validation_accuracy", sizes),
        "validation_accuracy_per_fold": [r["validation_accuracy"] for r in results],
        "unseen_words_validation_accuracy": mean("unseen_words_validation_accuracy", unseen),
        "unseen_words_validation_snippets": int(unseen.sum()),
        "validation_calibration_error": mean("validation_calibration_error", sizes),
        "training_seconds": int(sum(r["training_seconds"] for r in results)),
    }


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
    parser.add_argument("--folds", type=int, default=None,
                        help="cross-validate over this many parts of train + validation instead")
    parser.add_argument("--save", type=Path, default=None, help="save the trained model as a preset here")
    parser.add_argument("--fold", type=int, default=None, help="with --folds: run this part only (default: all)")
    args = parser.parse_args(argv)
    try:
        if args.fold is not None and args.folds is None:
            raise SeqzooError("--fold needs --folds (for example --folds 5 --fold 2).")
        if args.save is not None and args.folds is not None:
            raise SeqzooError("--save keeps the model of one run; drop --folds to save it.")
        run = dict(overrides=dict(args.settings), seed=args.seed, log=args.log)
        with training_session(verbose=2):
            if args.folds is None:
                result = tune(args.preset, **run, save=args.save)
            else:
                check_int("--folds", args.folds, minimum=2)
                chosen = range(args.folds) if args.fold is None else [args.fold]
                results = [tune(args.preset, **run, folds=args.folds, fold=i) for i in chosen]
                result = pooled(results) if args.fold is None else results[0]
    except SeqzooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
