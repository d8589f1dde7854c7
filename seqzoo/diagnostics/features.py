"""Character-level features of a text, one number per character, to compare units with.

Each feature is causal: its value at a character depends only on that
character and the ones before it, as a left-to-right language model's state does.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np

from seqzoo.errors import InputError

OPENING, CLOSING = "([{", ")]}"


def _inside_quotes(text: str) -> np.ndarray:
    inside, out = False, []
    for char in text:
        if char == '"':
            inside = not inside
        out.append(inside)  # The opening quote counts as inside, the closing one as outside.
    return np.array(out, np.float64)


def _bracket_depth(text: str) -> np.ndarray:
    depth, out = 0, []
    for char in text:
        depth += char in OPENING
        depth = max(0, depth - (char in CLOSING))
        out.append(depth)
    return np.array(out, np.float64)


def _position_after(text: str, separators: Callable[[str], bool]) -> np.ndarray:
    position, out = 0, []
    for char in text:
        position = 0 if separators(char) else position + 1
        out.append(position)
    return np.array(out, np.float64)


FEATURES: dict[str, Callable[[str], np.ndarray]] = {
    "inside_quotes": _inside_quotes,
    "inside_brackets": lambda text: (_bracket_depth(text) > 0).astype(np.float64),
    "bracket_depth": _bracket_depth,
    "line_position": lambda text: _position_after(text, lambda c: c == "\n"),
    "word_position": lambda text: _position_after(text, str.isspace),
    "vowel": lambda text: np.array([c.lower() in "aeiou" for c in text], np.float64),
    "whitespace": lambda text: np.array([c.isspace() for c in text], np.float64),
    "uppercase": lambda text: np.array([c.isupper() for c in text], np.float64),
    "punctuation": lambda text: np.array([not c.isalnum() and not c.isspace() for c in text], np.float64),
}
"""The named features: name -> function of a text giving one value per character."""

MEMORY_FEATURES = ("inside_quotes", "inside_brackets", "bracket_depth", "line_position", "word_position")
"""The named features that depend on earlier characters, so a unit can follow them only by remembering."""


def feature_values(text: str, pattern) -> tuple[str, np.ndarray]:
    """A feature's name and its values [len(text)] on `text`.

    Args:
        text: The text.
        pattern: A name from `FEATURES`, a function text -> one value per
            character, or the values themselves (a sequence of len(text)).

    Example:
    >>> feature_values('say "hi"', "inside_quotes")[1].tolist()
    [0.0, 0.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0]
    """
    if isinstance(pattern, str):
        if pattern not in FEATURES:
            raise InputError(f"Unknown feature {pattern!r}; use one of {sorted(FEATURES)}, a function of the "
                             "text giving one value per character, or such values.")
        name, values = pattern, FEATURES[pattern](text)
    elif callable(pattern):
        name, values = getattr(pattern, "__name__", "feature"), pattern(text)
    else:
        name, values = "feature", pattern
    try:
        values = np.asarray(values, np.float64)
    except (TypeError, ValueError):
        raise InputError(f"The feature {name!r} must give numbers, one per character.") from None
    if values.shape != (len(text),):
        raise InputError(f"The feature {name!r} must give one value per character ({len(text)}), "
                         f"got shape {values.shape}.")
    if not np.isfinite(values).all():
        raise InputError(f"The feature {name!r} has NaN or infinite values.")
    return name, values
