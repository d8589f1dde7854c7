"""Recipe: paired comparisons of the sentiment tuning runs in a log, snippet by snippet.

Reads the JSON lines `seqzoo.recipes.sentiment_tuning --log` wrote. A run is one
recipe (preset, seed and settings) scored on one held-out set: the validation
split, or all K folds of a cross-validation pooled (every snippet of train +
validation once). For every two runs scored on the same snippets it prints the
accuracy difference, its paired 95% bootstrap interval, the snippets only one of
them gets right and the exact McNemar p-value (`seqzoo.recipes.paired`). Lines
written before the log held per-snippet answers, and cross-validations with a
fold missing, are listed as skipped.

Run:
    python -m seqzoo.recipes.sentiment_compare ~/.cache/seqzoo/runs/tuning.jsonl
    python -m seqzoo.recipes.sentiment_compare cv.jsonl --headline                    # temperature, headline review
    python -m seqzoo.recipes.sentiment_compare cv.jsonl --calibration-at-size 1272    # what a test split may measure
    python -m seqzoo.recipes.sentiment_compare cv.jsonl --calibration-at-size 1272 --calibration-map power
"""
from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
from pathlib import Path

import numpy as np

from seqzoo.errors import SeqzooError
from seqzoo.models.calibration import expected_calibration_error, fit_temperature
from seqzoo.models.calibration_noise import calibration_errors_of_subsets, perfectly_calibrated_error
from seqzoo.recipes.calibration_maps import MAPS, fit_calibration_map, mapped_logits
from seqzoo.recipes.paired import paired_difference
from seqzoo.validation import int_flag

FOLD = re.compile(r"fold (\d+) of (\d+) of train \+ validation")


def recipe_label(result: dict, *, seed: bool = True) -> str:
    """A log line's recipe as the tables name it: preset, seed and settings ("sentiment-lstm seed 0 {}").

    With `seed=False` the seed is left out, so the runs of every seed of one recipe share the label.
    """
    seed_part = f" seed {result['seed']}" if seed else ""
    return f"{result['preset']}{seed_part} {json.dumps(result['overrides'], sort_keys=True)}"


def tuning_results(lines):
    """(line number, result, recipe label) of every result in a tuning log's `lines`; a SeqzooError on any other line.

    Example:
    >>> [label for _, _, label in tuning_results(Path("tuning.jsonl").read_text().splitlines())]
    ['sentiment-lstm seed 0 {}']
    """
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            result = json.loads(line)
            label = recipe_label(result)
            result["held_out"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise SeqzooError(f"Line {number} is not a tuning result ({error}); pass a --log file of "
                              "seqzoo.recipes.sentiment_tuning.") from None
        yield number, result, label


def read_runs(lines) -> tuple[dict[tuple[str, str], np.ndarray], list[str]]:
    """Runs of the log's `lines` -> ((recipe, held-out set) -> [snippets] 1 where right, why lines were skipped).

    A later line for the same recipe and held-out part replaces an earlier one (a rerun).

    Example:
    >>> runs, skipped = read_runs(Path("tuning.jsonl").read_text().splitlines())
    >>> sorted(runs)[0]
    ('sentiment-lstm seed 0 {}', 'on 3 folds')
    """
    parts: dict[tuple, dict] = {}
    skipped = []
    for number, result, recipe in tuning_results(lines):
        held_out = result["held_out"]
        if "validation_labels" not in result or "validation_positive_probabilities" not in result:
            skipped.append(f"line {number} ({recipe}, {held_out}): no per-snippet answers (an older line)")
            continue
        fold = FOLD.fullmatch(held_out)
        scheme, index = (f"on {fold[2]} folds", int(fold[1])) if fold else (f"on the {held_out}", 0)
        right = (np.asarray(result["validation_positive_probabilities"]) > 0.5) == np.asarray(
            result["validation_labels"])
        parts.setdefault((recipe, scheme, int(fold[2]) if fold else 1), {})[index] = right.astype("int64")
    runs = {}
    for (recipe, scheme, count), found in parts.items():
        if sorted(found) != list(range(count)):
            skipped.append(f"{recipe} {scheme}: folds {sorted(found)} of {count}, not all")
            continue
        runs[recipe, scheme] = np.concatenate([found[i] for i in range(count)])
    return runs, skipped


def comparison_table(runs: dict[tuple[str, str], np.ndarray]) -> list[str]:
    """Markdown rows comparing every two runs (`read_runs`) scored on the same held-out snippets."""
    rows = [("| run A | run B | snippets | A | B | A - B | 95% paired interval | only A right | only B right "
             "| McNemar p |"), "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for a, b in itertools.combinations(sorted(runs), 2):
        if a[1] != b[1]:
            continue  # Scored on other snippets: no pairing.
        pair = paired_difference(runs[a], runs[b])
        low, high = pair["interval"]
        rows.append(f"| {' '.join(a)} | {' '.join(b)} | {pair['examples']:,} | {pair['accuracy_a']:.2%} | {pair['accuracy_b']:.2%} | "
                    f"{pair['difference']:+.2%} | {low:+.2%} to {high:+.2%} | {pair['only_a']} | "
                    f"{pair['only_b']} | {pair['mcnemar_p']:.3f} |")
    return rows


def _log_odds(positive: np.ndarray) -> np.ndarray:
    return np.log(positive / (1 - positive))


def _sigmoid(log_odds: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-log_odds))


def _logits(positive: np.ndarray) -> np.ndarray:
    """Two-class logits whose softmax is (1 - positive, positive)."""
    return np.stack([np.zeros_like(positive), _log_odds(positive)], axis=1)


def _under_temperature(positive: np.ndarray, temperature: float) -> np.ndarray:
    return _sigmoid(_log_odds(positive) / temperature)


def calibrated_headline(positive, labels, headline: float) -> dict:
    """What the temperature that fits (`positive`, `labels`) best makes of them and of the `headline` probability.

    Args:
        positive: P(positive) of each held-out snippet, from one run.
        labels: Their labels (0 negative, 1 positive).
        headline: The run's P(positive) for the headline review.

    Example:
    >>> calibrated_headline([0.99, 0.01, 0.8, 0.3], [1, 0, 0, 1], headline=0.9)["temperature"] > 1
    True
    """
    positive = np.clip(np.asarray(positive, np.float64), 1e-6, 1 - 1e-6)
    labels = np.asarray(labels, np.int64)
    count = len(labels)
    temperature = fit_temperature(_logits(positive), np.arange(count), np.ones(count), labels)
    scaled = _under_temperature(positive, temperature)
    headline = min(max(float(headline), 1e-6), 1 - 1e-6)
    return {"temperature": temperature,
            "error_before": expected_calibration_error(np.stack([1 - positive, positive], 1), labels),
            "error_after": expected_calibration_error(np.stack([1 - scaled, scaled], 1), labels),
            "headline_before": headline, "headline_after": float(_under_temperature(headline, temperature))}


def headline_table(lines) -> list[str]:
    """Markdown rows: each log line's held-out part under its own fitted temperature (`calibrated_headline`)."""
    rows = [("| run | held out | snippets | accuracy | temperature | calibration error (before, after) "
             "| headline review (before, after) |"), "|---|---|---:|---:|---:|---:|---:|"]
    for line in lines:
        if not line.strip():
            continue
        result = json.loads(line)
        if "validation_labels" not in result or "headline_positive" not in result:
            continue
        fitted = calibrated_headline(result["validation_positive_probabilities"], result["validation_labels"],
                                     result["headline_positive"])
        rows.append(f"| {recipe_label(result)} | {result['held_out']} | {len(result['validation_labels']):,} | "
                    f"{result['validation_accuracy']:.2%} | {fitted['temperature']:.3f} | "
                    f"{fitted['error_before']:.3f}, {fitted['error_after']:.3f} | "
                    f"{fitted['headline_before']:.3f}, {fitted['headline_after']:.3f} |")
    return rows


def _fold_parts(lines) -> dict[str, dict[tuple[int, int, int], tuple[np.ndarray, np.ndarray]]]:
    """Cross-validation parts of the log, by recipe without its seed: (seed, folds, fold) -> (P(positive), labels).

    The number of folds is part of the key: fold 0 of 3 and fold 0 of 5 hold out other snippets.
    """
    groups: dict[str, dict] = {}
    for _, result, _ in tuning_results(lines):
        fold = FOLD.fullmatch(result["held_out"])
        if fold is None or "validation_labels" not in result or "validation_positive_probabilities" not in result:
            continue
        recipe = recipe_label(result, seed=False)
        positive = np.clip(np.asarray(result["validation_positive_probabilities"], np.float64), 1e-6, 1 - 1e-6)
        labels = np.asarray(result["validation_labels"])
        groups.setdefault(recipe, {})[result["seed"], int(fold[2]), int(fold[1])] = (positive, labels)
    return groups


def calibration_at_size(lines, *, size: int = 1272, bound: float = 0.03, draws: int = 200,
                        calibration_map: str = "temperature") -> list[str]:
    """Markdown rows: the calibration error each recipe's twin-fitted temperature leaves on `size` held-out snippets.

    The shipped presets take their temperature from a twin trained on other
    data. Each cross-validation fold plays the twin of every other fold of the
    same recipe and seed: its fitted temperature is applied to the other
    fold's snippets, and the error is measured on the whole fold and on
    `draws` random subsets of `size` snippets (the size of the test split). The
    last column is what a perfectly calibrated model with the same confidences
    measures at that size. Folds smaller than `size` are left out. The test
    split is never loaded. With `calibration_map` "bias" or "power", a richer
    map (`seqzoo.recipes.calibration_maps`) is fitted and applied in place of
    the temperature, and the recipe's name says which.

    Example:
    >>> calibration_at_size(Path("cv.jsonl").read_text().splitlines())[2]
    '| sentiment-bilstm {"adversarial_epsilon": 6, "batch_size": 16} | 10 | 0.014 | 0.021 ± 0.007 | 12% | 0.019 |'
    """
    rows = [(f"| recipe | fold pairs | error on the whole fold | error on {size:,} snippets (mean ± sd) "
             f"| share above {bound} | perfectly calibrated, {size:,} snippets |"),
            "|---|---:|---:|---:|---:|---:|"]
    for recipe, parts in sorted(_fold_parts(lines).items()):
        parts = {key: part for key, part in parts.items() if len(part[1]) >= size}  # Too small to score.
        whole, subsets, floors = [], [], []
        for a, b in itertools.permutations(sorted(parts), 2):
            if a[:2] != b[:2]:
                continue  # Another seed, or folds of another cut of the snippets.
            (fit_on, fit_labels), (positive, labels) = parts[a], parts[b]
            params = fit_calibration_map(calibration_map, _log_odds(fit_on), fit_labels)
            scaled = _sigmoid(mapped_logits(calibration_map, params, _log_odds(positive)))
            probabilities = np.stack([1 - scaled, scaled], axis=1)
            whole.append(expected_calibration_error(probabilities, labels))
            subsets.append(calibration_errors_of_subsets(probabilities, labels, size=size, draws=draws))
            floors.append(perfectly_calibrated_error(probabilities[:size], draws=draws)["mean"])
        if not whole:
            continue
        errors = np.concatenate(subsets)
        recipe += "" if calibration_map == "temperature" else f" ({calibration_map})"
        rows.append(f"| {recipe} | {len(whole)} | {np.mean(whole):.3f} | {errors.mean():.3f} ± {errors.std():.3f} "
                    f"| {np.mean(errors > bound):.0%} | {np.mean(floors):.3f} |")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", type=Path, help="a JSON-lines log of seqzoo.recipes.sentiment_tuning --log")
    parser.add_argument("--headline", action="store_true",
                        help="per held-out part: the fitted temperature and the headline review under it")
    parser.add_argument("--calibration-at-size", type=int_flag(minimum=1), metavar="SNIPPETS",
                        help="per recipe: the calibration error a twin's temperature leaves on this many "
                             "held-out snippets (1272: the test split's size), from the cross-validation folds")
    parser.add_argument("--calibration-map", choices=MAPS, default="temperature",
                        help="with --calibration-at-size: fit this map in place of the temperature "
                             "(bias: T and a bias; power: T and a power of the logit's size)")
    args = parser.parse_args(argv)
    try:
        if not args.log.expanduser().is_file():
            raise SeqzooError(f"{args.log} is not a file; pass the --log file of seqzoo.recipes.sentiment_tuning.")
        lines = args.log.expanduser().read_text(encoding="utf-8").splitlines()
        runs, skipped = read_runs(lines)
    except SeqzooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.calibration_map != "temperature" and not args.calibration_at_size:
        parser.error("--calibration-map needs --calibration-at-size SNIPPETS")
    if args.headline:
        print("\n".join(headline_table(lines)))
        return 0
    if args.calibration_at_size:
        print("\n".join(calibration_at_size(lines, size=args.calibration_at_size,
                                             calibration_map=args.calibration_map)))
        return 0
    rows = comparison_table(runs)
    print("\n".join(rows) if len(rows) > 2 else "No two runs were scored on the same snippets.")
    for reason in skipped:
        print(f"skipped: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
