"""Training recipes: each zoo entry is reproducible with `seqzoo train NAME`."""
from __future__ import annotations

import importlib
import inspect
from pathlib import Path

from seqzoo.errors import SeqzooError, UnknownModelError, did_you_mean

# Zoo name -> (recipe module, keyword arguments of its `train`).
RECIPES = {
    "names-lstm": ("seqzoo.recipes.names", {"architecture": "lstm"}),
    "names-rnn": ("seqzoo.recipes.names", {"architecture": "simple_rnn"}),
    "sentiment-rnn": ("seqzoo.recipes.sentiment", {"preset": "sentiment-rnn"}),
    "sentiment-lstm": ("seqzoo.recipes.sentiment", {"preset": "sentiment-lstm"}),
    "sentiment-bilstm": ("seqzoo.recipes.sentiment", {"preset": "sentiment-bilstm"}),
    "sentiment-bilstm-ngram": ("seqzoo.recipes.sentiment_stacked", {"preset": "sentiment-bilstm-ngram"}),
    "shakespeare-lstm": ("seqzoo.recipes.shakespeare", {"architecture": "lstm"}),
    "shakespeare-gru": ("seqzoo.recipes.shakespeare", {"architecture": "gru"}),
    "shakespeare-rnn": ("seqzoo.recipes.shakespeare", {"architecture": "simple_rnn"}),
    "weather-lstm": ("seqzoo.recipes.weather", {"architecture": "lstm"}),
    "weather-gru": ("seqzoo.recipes.weather", {"architecture": "gru"}),
}


def check_recipe(name: str) -> None:
    """Raise `UnknownModelError` unless zoo entry `name` has a recipe."""
    if name not in RECIPES:
        raise UnknownModelError(f"No recipe for {name!r}.{did_you_mean(name, sorted(RECIPES))} "
                                f"Recipes: {', '.join(sorted(RECIPES))}.")


def run_recipe(name: str, *, out, epochs: int | None = None, seed: int = 0, overrides: dict | None = None):
    """Retrain zoo entry `name` from its recipe and write a preset to `out`.

    Args:
        name: A key of `RECIPES`.
        out: The preset directory to write.
        epochs: The most epochs (default: the recipe's).
        seed: Seeds weights, shuffling and dropout.
        overrides: Hyper-parameters or run settings to change (recipes that take them).

    Example:
    >>> run_recipe("names-lstm", out="/tmp/names-lstm", epochs=2)
    """
    from seqzoo.validation import check_int

    check_recipe(name)
    # None means the recipe's schedule; 0 or a negative count is a mistake, not "the default".
    epochs = check_int("epochs", epochs, minimum=1, allow_none=True)
    module, kwargs = RECIPES[name]
    extra = {"epochs": epochs} if epochs is not None else {}
    train = importlib.import_module(module).train
    if overrides:
        if "overrides" not in inspect.signature(train).parameters:
            raise SeqzooError(f"The {name!r} recipe takes no overrides; run it as it is.")
        extra["overrides"] = overrides
    return train(out=Path(out), seed=seed, **kwargs, **extra)
