"""What single units of a char LM track: states per character, units that follow a feature, heatmaps.

After Karpathy, Johnson and Fei-Fei, "Visualizing and Understanding Recurrent
Networks" (2015): some units of a character LSTM follow quotes, brackets or the
position in the line. Here they are found by correlation with a feature.
"""
from __future__ import annotations

import dataclasses
import html
from pathlib import Path
from typing import NamedTuple

import numpy as np
import tensorflow as tf

from seqzoo.diagnostics.features import feature_values
from seqzoo.diagnostics.forward import one_text, check_model, unroll
from seqzoo.diagnostics.html_parts import heatmap_html, page
from seqzoo.errors import InputError
from seqzoo.layers.tokenizer import START_ID

STATES = ("hidden", "cell")


@dataclasses.dataclass
class Activations:
    """The states of one recurrent layer after each character of a text.

    Attributes:
        text: The text read.
        hidden: [len(text), units]: the hidden state h_t (the layer's output).
        cell: [len(text), units]: an LSTM's cell state c_t; None for SimpleRNN and GRU.
        layer: Index of the layer in `model.backbone.recurrent_layers`.
    """

    text: str
    hidden: np.ndarray
    cell: np.ndarray | None
    layer: int

    def state(self, name: str) -> np.ndarray:
        """`hidden` or `cell`, or an InputError if this layer has no such state."""
        if name not in STATES:
            raise InputError(f"state must be one of {STATES}, got {name!r}.")
        if name == "cell" and self.cell is None:
            raise InputError("Only LSTM layers have a cell state; use state='hidden'.")
        return self.hidden if name == "hidden" else self.cell

    @property
    def units(self) -> int:
        return int(self.hidden.shape[1])


class UnitMatch(NamedTuple):
    """A unit, which of its states, and its correlation with a feature (in [-1, 1])."""

    unit: int
    state: str
    correlation: float


def activations(model, text: str, *, layer: int | None = None) -> Activations:
    """The hidden (and, for LSTMs, cell) state of a char LM after each character of `text`.

    Args:
        model: A char_lm model (the task that reads characters).
        text: The text; the model reads its start marker and then the characters.
        layer: Index of the recurrent layer (default: the top one).

    Returns:
        An `Activations` with one row per character.

    Example:
    >>> acts = activations(seqzoo.load("names-lstm"), "Maria")
    >>> acts.hidden.shape, acts.cell.shape
    ((5, 256), (5, 256))
    """
    check_model(model, ("char_lm",))
    text = one_text(text)
    layers = model.backbone.recurrent_layers
    index = len(layers) - 1 if layer is None else layer
    if not isinstance(index, int) or not -len(layers) <= index < len(layers):
        raise InputError(f"layer must be in 0..{len(layers) - 1} (the model has {len(layers)} recurrent "
                         f"layers), got {layer!r}.")
    index %= len(layers)
    ids = [START_ID, *model.preprocessor.tokenizer.tokenize([text])[0].numpy().tolist()]
    if len(ids) != len(text) + 1:
        raise InputError("The text does not split into one token per character; pass plain text.")
    x = model.backbone.token_embedding(tf.constant([ids], tf.int32))
    for layer_ in layers[:index]:
        x = layer_(x, training=False)[0]
    _, _, states = unroll(layers[index], x)
    # Step 0 read the start marker; step i read character i.
    hidden = np.stack([s[0][0].numpy() for s in states[1:]])
    cell = np.stack([s[1][0].numpy() for s in states[1:]]) if len(states[0]) == 2 else None
    return Activations(text, hidden, cell, index)


def rank_units(acts: Activations, values: np.ndarray, *, top: int = 10) -> list[UnitMatch]:
    """Units of `acts` ranked by |Pearson correlation| with `values` (one per character).

    Example:
    >>> rank_units(acts, feature_values(acts.text, "line_position")[1], top=3)
    """
    if np.std(values) == 0:
        raise InputError("The feature is constant on this text, so no unit can follow it; pass a text where "
                         "it changes (for inside_quotes, a text with quotes).")
    centred = (values - values.mean()) / values.std()
    matches = []
    for name in STATES:
        states = acts.cell if name == "cell" else acts.hidden
        if states is None:
            continue
        spread = states.std(axis=0)
        r = ((states - states.mean(axis=0)) * centred[:, None]).mean(axis=0) / np.where(spread > 1e-8, spread, np.inf)
        matches += [UnitMatch(int(u), name, float(r[u])) for u in range(states.shape[1])]
    return sorted(matches, key=lambda m: -abs(m.correlation))[: max(1, int(top))]


def find_units(model, text: str, pattern, *, layer: int | None = None, top: int = 10) -> list[UnitMatch]:
    """The units of a char LM whose state follows a character-level feature of `text` most closely.

    Every unit's hidden state (and an LSTM's cell state) is correlated with the
    feature over the characters of the text; a strongly negative correlation
    counts as much as a positive one.

    Args:
        model: A char_lm model.
        text: A text on which the feature varies.
        pattern: A feature name from `seqzoo.diagnostics.FEATURES` ("inside_quotes",
            "inside_brackets", "bracket_depth", "line_position", "word_position", "vowel",
            "whitespace", "uppercase", "punctuation"), a function text -> one value per
            character, or the values themselves.
        layer: Index of the recurrent layer (default: the top one).
        top: How many units to return.

    Returns:
        `UnitMatch(unit, state, correlation)` tuples, the closest first.

    Example:
    >>> lm = seqzoo.load("shakespeare-lstm")
    >>> find_units(lm, play_text, "line_position", top=3)
    [UnitMatch(unit=..., state='cell', correlation=0.8...), ...]
    """
    text = one_text(text)
    _, values = feature_values(text, pattern)
    return rank_units(activations(model, text, layer=layer), values, top=top)


def render_activations(model, text: str, unit: int, path, *, state: str = "hidden",
                       layer: int | None = None) -> Path:
    """Write a self-contained HTML page: `text` with each character coloured by one unit's state.

    Red is positive, blue negative, white zero; hovering a character shows the value.

    Args:
        model: A char_lm model.
        text: The text to read.
        unit: The unit's index in the layer.
        path: The HTML file to write.
        state: "hidden" or, for LSTMs, "cell".
        layer: Index of the recurrent layer (default: the top one).

    Returns:
        The path written.

    Example:
    >>> render_activations(lm, play_text, unit=42, path="unit42.html", state="cell")
    """
    acts = activations(model, text, layer=layer)
    states = acts.state(state)
    if isinstance(unit, bool) or not isinstance(unit, int | np.integer) or not 0 <= unit < acts.units:
        raise InputError(f"unit must be an index in 0..{acts.units - 1} (the layer has {acts.units} units), "
                         f"got {unit!r}.")
    name = getattr(getattr(model, "card", None), "name", None) or model.name
    body = (f"<p>{html.escape(name)}, recurrent layer {acts.layer}, {state} state of unit {int(unit)}, "
            f"after each character.</p>\n" + heatmap_html(text, states[:, int(unit)],
                                                          scale=1.0 if state == "hidden" else None))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(f"Unit {int(unit)} of {name}", body), encoding="utf-8")
    return path
