"""Recipe: character-level Shakespeare models (`shakespeare-lstm`, -gru, -rnn).

Trains on the 37 training works, stops early on the 2 validation works and
measures NLL on the 3 test works (hamlet, tempest, sonnets), never seen in training.

Run:
    python -m seqzoo.recipes.shakespeare --architecture lstm --out saved_models/shakespeare-lstm
"""
from __future__ import annotations

import math
import sys
from pathlib import Path

import keras

import seqzoo
from seqzoo import datasets
from seqzoo.card import ModelCard
from seqzoo.recipes.runner import display_path, fit_resumable, metric, recipe_main, save_with_curve, training_record

HPARAMS = {
    "lstm": {"embedding_dim": 64, "hidden_size": 512, "num_layers": 2, "dropout": 0.2},
    "gru": {"embedding_dim": 64, "hidden_size": 512, "num_layers": 2, "dropout": 0.2},
    "simple_rnn": {"embedding_dim": 64, "hidden_size": 512, "num_layers": 2, "dropout": 0.1},
}
NAMES = {"lstm": "shakespeare-lstm", "gru": "shakespeare-gru", "simple_rnn": "shakespeare-rnn"}


def train(architecture: str, *, out: Path, epochs: int = 20, seed: int = 0, batch_size: int = 128,
          sequence_length: int = 100) -> ModelCard:
    """Train, measure on the test works, and write the preset with its card."""
    keras.utils.set_random_seed(seed)
    name = NAMES[architecture]
    train_split = datasets.load("shakespeare", "train")
    valid_split = datasets.load("shakespeare", "validation")
    test_split = datasets.load("shakespeare", "test")
    hparams = {**HPARAMS[architecture], "sequence_length": sequence_length, "packing": "stream"}
    model = seqzoo.build(architecture, "char_lm", texts=train_split.x, **hparams)
    model.compile(optimizer=keras.optimizers.Adam(2e-3, clipnorm=5.0))
    run_name = f"{name}-seed{seed}"
    history, seconds = fit_resumable(
        model, train_split.x, validation=valid_split.x, run_name=run_name, epochs=epochs,
        patience=3, save_freq=100, fit_kwargs={"batch_size": batch_size, "seed": seed},
        extra_callbacks=[keras.callbacks.ReduceLROnPlateau(factor=0.5, patience=1, min_lr=1e-4)],
    )
    test_nll = model.score(test_split.x, batch_size=3)
    per_work = {w: model.score([t]) for w, t in zip(test_split.meta["works"], test_split.x)}
    card = ModelCard(
        name=name, task="char_lm", architecture=architecture, dataset="shakespeare",
        description=(
            f"A character-level {hparams['num_layers']} x {hparams['hidden_size']} {architecture} "
            "language model of Shakespeare's plays and poems (Project Gutenberg texts); "
            "continues a prompt in Shakespeare's style."
        ),
        headline_metric="test_nll",
        metrics={
            "test_nll": metric(test_nll, "test", "nats/char",
                               "mean NLL per character on hamlet, tempest and sonnets"),
            "test_bpc": metric(test_nll / math.log(2), "test", "bits/char"),
            "validation_nll": metric(model.score(valid_split.x, batch_size=2), "validation", "nats/char"),
            **{f"test_nll_{w}": metric(v, "test", "nats/char") for w, v in per_work.items()},
        },
        recipe={
            "command": (f"python -m seqzoo.recipes.shakespeare --architecture {architecture} "
                        f"--out {display_path(out)} --epochs {epochs}"),
            "hparams": {**hparams, "epochs": epochs, "batch_size": batch_size,
                        "optimizer": "adam 2e-3, clipnorm 5, halved on plateau"},
            **training_record(seed, history, seconds),
        },
        limitations=(
            "Writes text that looks like early-modern English verse and prose but has no plan or "
            "meaning beyond a few words; knows only the 84 characters of the Gutenberg texts "
            "(others map to <unk>); trained on one author, so it imitates his spelling and themes."
        ),
        extra={
            "demo_prompt": "To be", "demo_length": 120,
            "samples": {str(t): model.generate("To be", max_length=300, temperature=t, seed=1)
                        for t in (0.5, 0.8)},
        },
    )
    return save_with_curve(model, out, card, history, run_name)


def main(argv=None) -> int:
    return recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm",
                       epochs=20, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
