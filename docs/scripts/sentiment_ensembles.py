"""Validation figures of train-only sentiment runs alone and folded into ensembles.

Reads presets saved by the tuning recipe (train split only), for example

    for s in 0 1 2 3; do
        python -m seqzoo.recipes.sentiment_tuning --preset sentiment-lstm --seed $s \\
            --save ~/.cache/seqzoo/runs/members/sentiment-lstm-twin-seed$s
    done
    python docs/scripts/sentiment_ensembles.py ~/.cache/seqzoo/runs/members/sentiment-lstm-twin-seed{0,1,2,3}

and prints, on the validation split only (the test split is not loaded): each run's
accuracy, accuracy on the snippets with a word absent from the training text,
calibration error (no temperature) and P(positive) of the headline review; the
same for every ensemble of three and for all of them (`fold_ensemble`); how often
the runs disagree; and how confident each run is against how often it is right,
by snippet length; last, what folding costs at inference (this machine, after a warm-up).
"""
from __future__ import annotations

import itertools
import sys
import time
from pathlib import Path

import numpy as np

import seqzoo
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.models.ensemble import fold_ensemble
from seqzoo.recipes import sentiment
from seqzoo.recipes.sentiment_tuning import HEADLINE

LENGTHS = ((0, 10), (11, 16), (17, 24), (25, None))  # Words, by the model's tokenizer.


def figures(model, probabilities, validation, unseen) -> str:
    """One table row: accuracy, unseen-word accuracy, calibration error, headline review.

    `probabilities` are the model's answers for the validation split (predicted once).
    """
    accuracy = np.mean(probabilities.argmax(1) == validation.y)
    unseen_accuracy = np.mean(model.predict(unseen.x).argmax(1) == unseen.y)
    error = expected_calibration_error(probabilities, validation.y)
    return (f"{100 * accuracy:.2f}% | {100 * unseen_accuracy:.2f}% | {error:.3f} | "
            f"{model.predict([HEADLINE])[0, 1]:.2f}")


def by_length(probabilities, labels, lengths) -> str:
    """Accuracy / mean confidence per length band, as 'right% / sure%' cells."""
    right, sure = probabilities.argmax(1) == labels, probabilities.max(1)
    cells = []
    for low, high in LENGTHS:
        band = (lengths >= low) & (lengths <= (high or lengths.max()))
        cells.append(f"{100 * right[band].mean():.1f}% / {100 * sure[band].mean():.1f}%")
    return " | ".join(cells)


def seconds_per_call(model, texts, rounds: int) -> float:
    """Mean seconds of `model.predict(texts)` over `rounds` calls, after one warm-up call."""
    model.predict(texts)
    start = time.perf_counter()
    for _ in range(rounds):
        model.predict(texts)
    return (time.perf_counter() - start) / rounds


def main(paths: list[str]) -> None:
    members = [seqzoo.load(Path(p)) for p in paths]
    train, validation = sentiment.load_splits(names=("train", "validation"))
    unseen = sentiment.with_unseen_words(members[0], validation, sentiment.seen_words(members[0], train.x))
    print(f"validation: {len(validation.x)} snippets, {len(unseen.x)} with a word absent from the training text\n")
    print("| model | accuracy | with an unseen word | calibration error | headline review |")
    print("|---|---:|---:|---:|---:|")
    probabilities = [member.predict(validation.x) for member in members]
    for path, member, answered in zip(paths, members, probabilities):
        print(f"| {Path(path).name} | {figures(member, answered, validation, unseen)} |")
    groups = list(itertools.combinations(range(len(members)), 3)) if len(members) > 3 else []
    for group in groups + [tuple(range(len(members)))]:
        names = " + ".join(Path(paths[i]).name.rsplit("seed", 1)[-1] for i in group)
        folded = fold_ensemble([members[i] for i in group])
        print(f"| ensemble of seeds {names} | {figures(folded, folded.predict(validation.x), validation, unseen)} |")
    answers = np.array([p.argmax(1) for p in probabilities])
    pairs = [int(np.sum(a != b)) for a, b in itertools.combinations(answers, 2)]
    wrong = answers != np.asarray(validation.y)
    print(f"\nPairs of runs disagree on {min(pairs)}-{max(pairs)} of {len(validation.x)} snippets; "
          f"{int(wrong.all(0).sum())} are wrong in every run, {int(wrong.any(0).sum())} in at least one.")
    bands = " | ".join(f"{low}-{high or ''} words" for low, high in LENGTHS)
    print(f"\n| model (right / mean confidence) | {bands} |\n|---|" + "---:|" * len(LENGTHS))
    lengths = np.array([len(row) for row in members[0].preprocessor.tokenizer.split(validation.x).to_list()])
    for path, answered in zip(paths, probabilities):
        print(f"| {Path(path).name} | {by_length(answered, np.asarray(validation.y), lengths)} |")
    print()
    for name, model in (("one run", members[0]), ("ensemble of the first three", fold_ensemble(members[:3]))):
        one, batch = seconds_per_call(model, [HEADLINE], 50), seconds_per_call(model, list(validation.x[:64]), 10)
        print(f"{name}: one text {1000 * one:.1f} ms; a batch of 64 {1000 * batch:.0f} ms ({64 / batch:,.0f} texts/s)")


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    main(sys.argv[1:])
