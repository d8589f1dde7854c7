"""Training recipes: each zoo entry is reproducible with `seqzoo train NAME`."""
from __future__ import annotations

import importlib
from pathlib import Path

from seqzoo.errors import UnknownModelError, did_you_mean

# Zoo name -> (recipe module, keyword arguments of its `train`).
RECIPES = {
    "names-lstm": ("seqzoo.recipes.names", {"architecture": "lstm"}),
    "names-rnn": ("seqzoo.recipes.names", {"architecture": "simple_rnn"}),
    "sentiment-rnn": ("seqzoo.recipes.sentiment", {"preset": "sentiment-rnn"}),
    "sentiment-lstm": ("seqzoo.recipes.sentiment", {"preset": "sentiment-lstm"}),
    "sentiment-bilstm": ("seqzoo.recipes.sentiment", {"preset": "sentiment-bilstm"}),
    "shakespeare-lstm": ("seqzoo.recipes.shakespeare", {"architecture": "lstm"}),
    "shakespeare-gru": ("seqzoo.recipes.shakespeare", {"architecture": "gru"}),
    "shakespeare-rnn": ("seqzoo.recipes.shakespeare", {"architecture": "simple_rnn"}),
    "weather-lstm": ("seqzoo.recipes.weather", {"architecture": "lstm"}),
    "weather-gru": ("seqzoo.recipes.weather", {"architecture": "gru"}),
}


def run_recipe(name: str, *, out, epochs: int | None = None, seed: int = 0):
    """Retrain zoo entry `name` from its recipe and write a preset to `out`.

    Example:
    >>> run_recipe("names-lstm", out="/tmp/names-lstm", epochs=2)
    """
    if name not in RECIPES:
        raise UnknownModelError(f"No recipe for {name!r}.{did_you_mean(name, sorted(RECIPES))}")
    module, kwargs = RECIPES[name]
    extra = {"epochs": epochs} if epochs else {}
    return importlib.import_module(module).train(out=Path(out), seed=seed, **kwargs, **extra)
