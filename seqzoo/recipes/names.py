"""Recipe: next-character models of US first names (`names-lstm`, `names-rnn`).

Run:
    python -m seqzoo.recipes.names --architecture lstm --out saved_models/names-lstm
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import keras

import seqzoo
from seqzoo import datasets
from seqzoo.card import ModelCard
from seqzoo.recipes.baselines import tuned_char_bigram
from seqzoo.recipes.runner import (apply_overrides, display_path, fit_resumable, metric, recipe_main, save_with_curve,
                                   training_record)

HPARAMS = {
    "lstm": {"embedding_dim": 32, "hidden_size": 128, "num_layers": 2, "dropout": 0.2},
    "simple_rnn": {"embedding_dim": 32, "hidden_size": 128, "num_layers": 2, "dropout": 0.2},
    "gru": {"embedding_dim": 32, "hidden_size": 128, "num_layers": 2, "dropout": 0.2},
}
NAMES = {"lstm": "names-lstm", "simple_rnn": "names-rnn", "gru": "names-gru"}


def train(architecture: str, *, out: Path, epochs: int = 60, seed: int = 0, batch_size: int = 64,
          overrides: dict | None = None) -> ModelCard:
    """Train, measure on the test split, and write the preset with its card.

    `overrides` changes hyper-parameters, "batch_size", "patience" or "limit" (names per
    split) for quick experiments and tests.
    """
    keras.utils.set_random_seed(seed)
    name = NAMES[architecture]
    hparams, run = apply_overrides({**HPARAMS[architecture], "sequence_length": 24, "packing": "pad"},
                                   {"batch_size": batch_size, "patience": 6, "limit": None}, overrides)
    batch_size = run["batch_size"]
    train_split, valid_split, test_split = (
        datasets.load("names-us-census", split) for split in ("train", "validation", "test"))
    if run["limit"]:
        train_split, valid_split, test_split = (
            dataclasses.replace(s, x=list(s.x)[: run["limit"]]) for s in (train_split, valid_split, test_split))
    model = seqzoo.build(architecture, "char_lm", texts=train_split.x, **hparams)
    history, seconds = fit_resumable(
        model, train_split.x, validation=valid_split.x, run_name=f"{name}-seed{seed}",
        epochs=epochs, patience=run["patience"], fit_kwargs={"batch_size": batch_size, "seed": seed},
    )
    vocabulary = set(model.tokenizer.vocabulary)
    bigram = tuned_char_bigram(train_split.x, valid_split.x, vocabulary)
    card = ModelCard(
        name=name, task="char_lm", architecture=architecture, dataset="names-us-census",
        description=(
            f"A character-level {architecture} language model of US first names (1990 census, "
            "title case). Predicts the next letter or the end of the name; generates new names."
        ),
        headline_metric="test_nll",
        metrics={
            "test_nll": metric(model.score(test_split.x), "test", "nats/char",
                               "mean NLL per character, end marker included"),
            "validation_nll": metric(model.score(valid_split.x), "validation", "nats/char"),
            "bigram_test_nll": metric(bigram.score(test_split.x), "test", "nats/char",
                                      f"add-k smoothed character bigram (k={bigram.k}, tuned on validation)",
                                      baseline=True),
        },
        recipe={
            "command": f"python -m seqzoo.recipes.names --architecture {architecture} --out {display_path(out)}",
            "hparams": {**hparams, "epochs": epochs, "batch_size": batch_size, "optimizer": "adam 2e-3, clipnorm 1"},
            **training_record(seed, history, seconds),
        },
        limitations=(
            "Knows only the 5,163 first names of the 1990 US census, so it favours English and "
            "Hispanic names common in the US then; it has no notion of frequency (each name counts once)."
        ),
        extra={"samples": model.generate("", max_length=20, temperature=0.8, seed=0, n=5)},
    )
    return save_with_curve(model, out, card, history, f"{name}-seed{seed}")


def main(argv=None) -> int:
    return recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm",
                       epochs=60, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
