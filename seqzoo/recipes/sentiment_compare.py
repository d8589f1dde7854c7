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
from seqzoo.recipes.paired import paired_difference

FOLD = re.compile(r"fold (\d+) of (\d+) of train \+ validation")


def recipe_label(result: dict) -> str:
    """A log line's recipe as the tables name it: preset, seed and settings ("sentiment-lstm seed 0 {}")."""
    return f"{result['preset']} seed {result['seed']} {json.dumps(result['overrides'], sort_keys=True)}"


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
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            result = json.loads(line)
            recipe = recipe_label(result)
            held_out = result["held_out"]
        except (json.JSONDecodeError, KeyError, TypeError) as error:
            raise SeqzooError(f"Line {number} is not a tuning result ({error}); pass a --log file of "
                              "seqzoo.recipes.sentiment_tuning.") from None
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
    logits = np.stack([np.zeros_like(positive), np.log(positive / (1 - positive))], axis=1)
    count = len(labels)
    temperature = fit_temperature(logits, np.arange(count), np.ones(count), labels)

    def under_temperature(p):
        return 1 / (1 + np.exp(-np.log(p / (1 - p)) / temperature))

    scaled = under_temperature(positive)
    headline = min(max(float(headline), 1e-6), 1 - 1e-6)
    return {"temperature": temperature,
            "error_before": expected_calibration_error(np.stack([1 - positive, positive], 1), labels),
            "error_after": expected_calibration_error(np.stack([1 - scaled, scaled], 1), labels),
            "headline_before": headline, "headline_after": float(under_temperature(headline))}


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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", type=Path, help="a JSON-lines log of seqzoo.recipes.sentiment_tuning --log")
    parser.add_argument("--headline", action="store_true",
                        help="per held-out part: the fitted temperature and the headline review under it")
    args = parser.parse_args(argv)
    try:
        if not args.log.expanduser().is_file():
            raise SeqzooError(f"{args.log} is not a file; pass the --log file of seqzoo.recipes.sentiment_tuning.")
        lines = args.log.expanduser().read_text(encoding="utf-8").splitlines()
        runs, skipped = read_runs(lines)
    except SeqzooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.headline:
        print("\n".join(headline_table(lines)))
        return 0
    rows = comparison_table(runs)
    print("\n".join(rows) if len(rows) > 2 else "No two runs were scored on the same snippets.")
    for reason in skipped:
        print(f"skipped: {reason}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
