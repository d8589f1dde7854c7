"""Recipe: would adding an n-gram model's logits to a sentiment network's help? Measured on the folds only.

A recurrent network and a linear model over words and word pairs
(`seqzoo.models.ngram_logits.NgramLogits`) make different mistakes. This
recipe fits the n-gram model on the training part of every cross-validation
fold of `seqzoo.recipes.sentiment_tuning` (the same fixed folds), and stacks
it with every run of the tuning log: the network's logit and the n-gram
model's are weighed as `TextClassifier.stack_ngrams` weighs them (a scale of
the n-gram logits and a temperature, by the likelihood of the run's other
folds: `fit_scale_and_temperature`), and applied to the held-out fold, as a
twin's temperature is. The baseline is the network under the temperature
fitted the same way. Per run it prints the pooled accuracy of both, their
paired difference, the calibration error on subsets of the test split's size,
and the headline review's probability. The test split is never loaded.

With `--twins`, it stacks the presets' own train-only twins instead (the runs
that `sentiment_calibration` fits their temperatures with): the n-gram model on
the train split, the weights on the validation split.

Run:
    python -m seqzoo.recipes.ngram_stacking ~/.cache/seqzoo/runs/cv.jsonl --folds 3
    python -m seqzoo.recipes.ngram_stacking --twins sentiment-lstm sentiment-bilstm
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from seqzoo.errors import SeqzooError
from seqzoo.models.calibration import expected_calibration_error, fit_temperature
from seqzoo.models.calibration_noise import calibration_errors_of_subsets
from seqzoo.models.ngram_logits import MAX_PAIR_BUCKETS, fit_ngram_logits, fit_scale_and_temperature
from seqzoo.recipes.paired import paired_difference
from seqzoo.recipes.sentiment_compare import FOLD, tuning_results
from seqzoo.validation import check_float, check_int, int_flag

HEADLINE = "This movie is absolutely fantastic!"


def fold_ngram_logits(folds: int, *, l2: float = 1e-5, epochs: int = 3, pair_buckets: int = 2 ** 18, seed: int = 0,
                      vocabulary_size: int = 30_000) -> dict[int, tuple[np.ndarray, float]]:
    """Fold -> (the n-gram model's logit of "positive" minus "negative" on its held-out snippets, on the headline).

    Each fold's model is fitted on the other folds (`fit_ngram_logits`), with a
    vocabulary of the `vocabulary_size` most frequent words of those folds, as
    the sentiment presets have. `pair_buckets` 0 fits a weight per word only.

    Example:
    >>> logits, headline = fold_ngram_logits(3)[0]
    """
    from seqzoo.layers.word_tokenizer import WordTokenizer
    from seqzoo.models.text_classifier_preprocessor import TextClassifierPreprocessor
    from seqzoo.recipes import sentiment
    from seqzoo.recipes.sentiment_tuning import fold_splits

    train, validation = sentiment.load_splits(None, ("train", "validation"))
    result = {}
    for fold in range(folds):
        rest, held_out = fold_splits(train, validation, folds=folds, fold=fold)
        tokenizer = WordTokenizer(max_vocabulary_size=vocabulary_size)
        tokenizer.adapt(list(rest.x))
        preprocessor = TextClassifierPreprocessor(tokenizer, 64)
        layer = fit_ngram_logits(preprocessor, list(rest.x), rest.y, num_classes=2, l2=l2, epochs=epochs,
                                 pair_buckets=pair_buckets, seed=seed)
        logits = layer(preprocessor(list(held_out.x) + [HEADLINE])).numpy()
        difference = (logits[:, 1] - logits[:, 0]).astype(np.float64)
        result[fold] = (difference[:-1], float(difference[-1]))
    return result


def _runs(lines, folds: int) -> dict[str, dict[int, tuple]]:
    """Runs of the log held out on every one of `folds` folds: label -> fold -> (network logit, labels, headline)."""
    runs: dict[str, dict] = {}
    for _, result, label in tuning_results(lines):
        fold = FOLD.fullmatch(result["held_out"])
        if fold is None or int(fold[2]) != folds or "validation_positive_probabilities" not in result:
            continue
        positive = np.clip(np.asarray(result["validation_positive_probabilities"], np.float64), 1e-6, 1 - 1e-6)
        headline = min(max(float(result["headline_positive"]), 1e-6), 1 - 1e-6)
        runs.setdefault(label, {})[int(fold[1])] = (np.log(positive / (1 - positive)),
                                                    np.asarray(result["validation_labels"]),
                                                    np.log(headline / (1 - headline)))
    return {label: parts for label, parts in runs.items() if sorted(parts) == list(range(folds))}


def _two_class(logit: np.ndarray) -> np.ndarray:
    """Logits of (negative, positive) from the logit of positive minus negative."""
    return np.stack([np.zeros_like(logit), logit], axis=1)


def _probabilities(logit: np.ndarray) -> np.ndarray:
    positive = 1 / (1 + np.exp(-logit))
    return np.stack([1 - positive, positive], axis=1)


def stacking_table(lines, ngram: dict[int, tuple[np.ndarray, float]], *, size: int = 1272,
                   draws: int = 200) -> list[str]:
    """Markdown rows: each run under its temperature and stacked with the n-gram model, fitted on its other folds.

    Args:
        lines: Lines of a tuning log (`seqzoo.recipes.sentiment_tuning --log`).
        ngram: `fold_ngram_logits` for the same folds.
        size, draws: The calibration error is the mean over `draws` subsets of `size` snippets of each fold.

    Example:
    >>> stacking_table(Path("cv.jsonl").read_text().splitlines(), fold_ngram_logits(3))[2]
    """
    size, draws = check_int("size", size, minimum=1), check_int("draws", draws, minimum=1)
    rows = [("| run | network, temperature | stacked | difference | 95% paired interval | only stacked right "
             f"| only network right | McNemar p | calibration error on {size:,} snippets: network / stacked "
             "| headline review: network / stacked | weights (network, n-grams) |"),
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for label, parts in sorted(_runs(lines, len(ngram)).items()):
        if any(len(ngram[fold][0]) != len(parts[fold][1]) for fold in parts):
            raise SeqzooError(f"{label}: the n-gram logits do not match its folds; fit them on the same folds.")
        alone, stacked, errors, headlines, weights = [], [], ([], []), ([], []), []
        for fold, (network, labels, headline) in sorted(parts.items()):
            others = [other for other in parts if other != fold]
            fit_labels = np.concatenate([parts[o][1] for o in others])
            network_fit, ngram_fit = (np.concatenate([source[o][0] for o in others]) for source in (parts, ngram))
            count = len(fit_labels)
            alone_temperature = fit_temperature(_two_class(network_fit), np.arange(count), np.ones(count), fit_labels)
            scale, temperature = fit_scale_and_temperature(_two_class(network_fit), _two_class(ngram_fit),
                                                           np.arange(count), np.ones(count), fit_labels)
            weight = np.array([1.0, scale]) / temperature
            weights.append(weight)
            for logit, right, error, head, head_logit in (
                    (network / alone_temperature, alone, errors[0], headlines[0], headline / alone_temperature),
                    (weight[0] * network + weight[1] * ngram[fold][0], stacked, errors[1], headlines[1],
                     weight[0] * headline + weight[1] * ngram[fold][1])):
                right.append(((logit > 0) == labels).astype("int64"))
                probabilities = _probabilities(logit)
                error.append(calibration_errors_of_subsets(probabilities, labels, size=min(size, len(labels)),
                                                           draws=draws).mean()
                             if len(labels) >= size else expected_calibration_error(probabilities, labels))
                head.append(float(1 / (1 + np.exp(-head_logit))))
        pair = paired_difference(np.concatenate(stacked), np.concatenate(alone))
        low, high = pair["interval"]
        mean_weight = np.mean(weights, axis=0)
        rows.append(f"| {label} | {pair['accuracy_b']:.2%} | {pair['accuracy_a']:.2%} | {pair['difference']:+.2%} "
                    f"| {low:+.2%} to {high:+.2%} | {pair['only_a']} | {pair['only_b']} | {pair['mcnemar_p']:.3f} "
                    f"| {np.mean(errors[0]):.3f} / {np.mean(errors[1]):.3f} "
                    f"| {' '.join(f'{h:.2f}' for h in headlines[0])} / {' '.join(f'{h:.2f}' for h in headlines[1])} "
                    f"| {mean_weight[0]:.2f}, {mean_weight[1]:.2f} |")
    return rows


def twin_row(name: str, twin, train, validation, *, l2: float = 1e-5, epochs: int = 3,
             pair_buckets: int = 2 ** 18, parent=None) -> str:
    """A Markdown row: a train-only twin under its fitted temperature, then stacked (`TextClassifier.stack_ngrams`).

    Args:
        name: The row's name.
        twin: A classifier trained on `train` only; its temperature is refitted on `validation`.
        train, validation: Splits with `.x` (texts) and `.y` (labels).
        l2, epochs, pair_buckets: The n-gram model's fit.
        parent: The classifier trained on train + validation that the twin stands for, or
            None. Given, a last cell holds its headline review alone and stacked with an
            n-gram model fitted on train + validation under the twin's two weights, as
            `seqzoo.recipes.sentiment_stacked` stacks it.

    Example:
    >>> twin_row("sentiment-lstm", seqzoo.load(twin_dir("sentiment-lstm")), train, validation)
    """
    fit = {"l2": l2, "epochs": epochs, "pair_buckets": pair_buckets}
    twin.calibrate(validation.x, validation.y)
    stacked = twin.stack_ngrams(train.x, train.y, validation.x, validation.y, **fit)
    accuracy = [float(np.mean(model.predict(validation.x).argmax(1) == np.asarray(validation.y)))
                for model in (twin, stacked)]
    headline = [float(model.predict([HEADLINE])[0, 1]) for model in (twin, stacked)]
    row = (f"| {name} | 0 → {stacked.ngram_logits.scale:.2f} | {twin.temperature:.3f} → {stacked.temperature:.3f} "
           f"| {accuracy[0]:.2%} → {accuracy[1]:.2%} | {headline[0]:.3f} → {headline[1]:.3f} |")
    if parent is None:
        return row
    full = parent.stack_ngrams(list(train.x) + list(validation.x), np.concatenate([train.y, validation.y]),
                               weights=(stacked.ngram_logits.scale, stacked.temperature), **fit)
    return row + f" {parent.predict([HEADLINE])[0, 1]:.3f} → {full.predict([HEADLINE])[0, 1]:.3f} |"


def _twin_rows(presets, *, l2: float, epochs: int, pair_buckets: int) -> list[str]:
    import seqzoo
    from seqzoo import datasets
    from seqzoo.recipes.sentiment_calibration import is_twin_of, twin_dir
    from seqzoo.registry import builtin_presets_dir

    twins = {preset: twin_dir(preset) for preset in presets}
    for preset, folder in twins.items():
        if not (builtin_presets_dir() / preset / "card.json").is_file():
            raise SeqzooError(f"{preset!r} is not a shipped preset; pass sentiment-lstm or sentiment-bilstm.")
        if not is_twin_of(folder, builtin_presets_dir() / preset):
            raise SeqzooError(f"{folder} holds no train-only twin of the shipped {preset}; train it with "
                              f"python -m seqzoo.recipes.sentiment_calibration --preset {preset} --out DIR.")
    train, validation = datasets.load("rt-snippets", "train"), datasets.load("rt-snippets", "validation")
    return (["| twin | n-gram scale | temperature | validation accuracy | headline review "
             "| the shipped preset's headline review, stacked with these weights |",
             "|---|---:|---:|---:|---:|---:|"]
            + [twin_row(preset, seqzoo.load(folder), train, validation, l2=l2, epochs=epochs,
                        pair_buckets=pair_buckets, parent=seqzoo.load(preset))
               for preset, folder in twins.items()])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("log", type=Path, nargs="?", help="a JSON-lines log of seqzoo.recipes.sentiment_tuning --log")
    parser.add_argument("--twins", nargs="+", metavar="PRESET",
                        help="stack these presets' train-only twins instead (train split; weighed on validation)")
    parser.add_argument("--folds", type=int_flag(minimum=2), default=3, help="the runs' number of folds (default 3)")
    parser.add_argument("--l2", type=float, default=1e-5, help="L2 penalty of the n-gram model (default 1e-5)")
    parser.add_argument("--epochs", type=int_flag(minimum=1), default=3, help="its passes (default 3)")
    parser.add_argument("--pair-buckets", type=int_flag(minimum=0, maximum=MAX_PAIR_BUCKETS), default=2 ** 18,
                        help="hash buckets of its word pairs (default 2^18; 0: words only)")
    args = parser.parse_args(argv)
    try:
        check_float("l2", args.l2, minimum=0.0)
        if args.twins:
            print("\n".join(_twin_rows(args.twins, l2=args.l2, epochs=args.epochs,
                                        pair_buckets=args.pair_buckets)))
            return 0
        if args.log is None:
            raise SeqzooError("Pass the --log file of seqzoo.recipes.sentiment_tuning, or --twins PRESET ...")
        if not args.log.expanduser().is_file():
            raise SeqzooError(f"{args.log} is not a file; pass the --log file of seqzoo.recipes.sentiment_tuning.")
        lines = args.log.expanduser().read_text(encoding="utf-8").splitlines()
        if not _runs(lines, args.folds):
            raise SeqzooError(f"No run in {args.log} holds out all {args.folds} folds; run "
                              f"seqzoo.recipes.sentiment_tuning --folds {args.folds} --log {args.log} first.")
        ngram = fold_ngram_logits(args.folds, l2=args.l2, epochs=args.epochs, pair_buckets=args.pair_buckets)
        rows = stacking_table(lines, ngram)
    except SeqzooError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print("\n".join(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
