"""The memory-span probe: how far back can a recurrent layer learn to remember a token?

The task: read a stream of random symbols in which one is marked, and answer
with the marked symbol, which was read `d` steps before the last. The symbols
around it are noise, so the answer can only come from memory; `lead` noise
symbols come first, so the state at the marked step is not the fresh initial
state (a first symbol can be latched from the start). A fresh small model is
trained for each distance and scored on held-out sequences; chance is 1 / symbols.
"""
from __future__ import annotations

import dataclasses
import time
from collections.abc import Sequence

import keras
import numpy as np

from seqzoo.errors import InputError
from seqzoo.models.backbone import ARCHITECTURES, RecurrentBackbone


@dataclasses.dataclass
class MemorySpan:
    """Held-out accuracy of one architecture at each distance.

    Attributes:
        architecture: "simple_rnn", "lstm" or "gru".
        accuracy: distance -> accuracy on the test sequences.
        chance: The accuracy of guessing (1 / symbols).
        settings: The run's settings (sizes, steps, seed).
        seconds: Wall-clock time of the run.
    """

    architecture: str
    accuracy: dict[int, float]
    chance: float
    settings: dict
    seconds: float

    def __str__(self) -> str:
        cells = "  ".join(f"d={d}: {a:.2f}" for d, a in self.accuracy.items())
        return f"{self.architecture}: {cells}  (chance {self.chance:.2f}, {self.seconds:.0f} s)"


def memory_task(distance: int, count: int, *, symbols: int = 8, lead: int = 10,
                seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Sequences [count, lead + 1 + distance] and their answers (0..symbols-1).

    Symbol s is id s (1..symbols) unmarked and id s + symbols when marked; one
    symbol per sequence is marked, at index `lead`, `distance` steps before the
    last. Id 0 is left out: the backbone's embedding masks it as padding.

    Example:
    >>> x, y = memory_task(3, 2, symbols=4, seed=0)
    >>> x.shape, (x[:, 10] - 4 - 1 == y).all()
    ((2, 14), True)
    """
    rng = np.random.default_rng(seed)
    x = rng.integers(1, symbols + 1, size=(count, lead + 1 + distance)).astype(np.int32)
    answers = x[:, lead] - 1
    x[:, lead] += symbols
    return x, answers


class _StopWhenSolved(keras.callbacks.Callback):
    """Stops training once an epoch gets 99% of the training sequences right."""

    def on_epoch_end(self, epoch, logs=None):
        if (logs or {}).get("accuracy", 0.0) >= 0.99:
            self.model.stop_training = True


def memory_span(architecture: str, *, distances: Sequence[int] = (5, 10, 20, 50, 100), symbols: int = 8,
                lead: int = 10, hidden_size: int = 32, embedding_dim: int = 16, train_examples: int = 4096,
                test_examples: int = 1024, epochs: int = 20, batch_size: int = 64,
                learning_rate: float = 3e-3, seed: int = 0, verbose: int = 0) -> MemorySpan:
    """Train a small model per distance on the memory task; return held-out accuracy per distance.

    Args:
        architecture: "simple_rnn", "lstm" or "gru".
        distances: How many steps back the answer lies.
        symbols: Size of the alphabet (chance is 1 / symbols).
        lead: Noise symbols before the marked one.
        hidden_size, embedding_dim: Sizes of the one-layer model.
        train_examples, test_examples: Sequences to train on and to score.
        epochs, batch_size, learning_rate: Training (Adam, gradient norm clipped at 1);
            a model stops early once it gets 99% of an epoch's training sequences right.
        seed: Seeds the data and the weights; the same seed gives the same table.
        verbose: Passed to `fit`.

    Returns:
        A `MemorySpan`.

    Example:
    >>> span = memory_span("lstm", distances=(5, 20))
    >>> span.accuracy
    {5: 1.0, 20: 0.9...}
    """
    if architecture not in ARCHITECTURES:
        raise InputError(f"Unknown architecture {architecture!r}; choose one of {sorted(ARCHITECTURES)}.")
    distances = [int(d) for d in distances]
    if not distances or min(distances) < 1:
        raise InputError(f"distances must be whole numbers >= 1, got {distances}.")
    if symbols < 2 or lead < 0 or train_examples < 1 or test_examples < 1 or epochs < 1:
        raise InputError("symbols must be >= 2, lead >= 0, and train_examples, test_examples and epochs >= 1.")
    settings = dict(symbols=symbols, lead=lead, hidden_size=hidden_size, embedding_dim=embedding_dim,
                    train_examples=train_examples, test_examples=test_examples, epochs=epochs,
                    batch_size=batch_size, learning_rate=learning_rate, seed=seed, stop="at 99% training accuracy")
    start, accuracy = time.time(), {}
    for n, distance in enumerate(distances):
        keras.utils.set_random_seed(seed + n)
        x, y = memory_task(distance, train_examples, symbols=symbols, lead=lead, seed=seed + 1000 + n)
        test_x, test_y = memory_task(distance, test_examples, symbols=symbols, lead=lead, seed=seed + 2000 + n)
        backbone = RecurrentBackbone(architecture, vocabulary_size=2 * symbols + 1, embedding_dim=embedding_dim,
                                     hidden_size=hidden_size, return_sequences=False)
        model = keras.Sequential([backbone, keras.layers.Dense(symbols)])
        model.compile(keras.optimizers.Adam(learning_rate, clipnorm=1.0),
                      keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
        model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=verbose, callbacks=[_StopWhenSolved()])
        accuracy[distance] = float(model.evaluate(test_x, test_y, batch_size=256, verbose=0)[1])
    return MemorySpan(architecture, accuracy, 1.0 / symbols, settings, time.time() - start)


def memory_table(spans: Sequence[MemorySpan]) -> str:
    """A Markdown table: one row per architecture, one column per distance.

    Example:
    >>> print(memory_table([memory_span(a) for a in ("simple_rnn", "lstm", "gru")]))
    """
    distances = sorted({d for span in spans for d in span.accuracy})
    lines = ["| architecture | " + " | ".join(f"d = {d}" for d in distances) + " | time |",
             "|---|" + "---:|" * (len(distances) + 1)]
    for span in spans:
        cells = [f"{span.accuracy[d]:.2f}" if d in span.accuracy else "" for d in distances]
        lines.append(f"| {span.architecture} | " + " | ".join(cells) + f" | {span.seconds:.0f} s |")
    return "\n".join(lines)
