"""Errors that seqzoo raises on purpose.

Every error seqzoo raises deliberately derives from `SeqzooError`, so users can
catch one class. Messages name the input that was wrong and what to do.
"""
from __future__ import annotations

import difflib


class SeqzooError(Exception):
    """Base class of every error seqzoo raises on purpose."""


class UnknownModelError(SeqzooError, KeyError):
    """A model name that is neither registered nor a preset directory."""

    def __str__(self) -> str:  # KeyError would quote the message otherwise.
        return str(self.args[0]) if self.args else ""


class PresetError(SeqzooError):
    """A preset directory that is missing, corrupt, altered or unsafe."""


class InputError(SeqzooError, ValueError):
    """Input data of the wrong type, shape or content."""


class DatasetError(SeqzooError):
    """A dataset that cannot be found, fetched, verified or parsed."""


class MissingDependencyError(DatasetError, ImportError):
    """An optional package (pyarrow, pandas) that reading a dataset needs is not installed.

    The message names the package and the `pip install` line that adds it.
    """


class SeqzooWarning(UserWarning):
    """A result seqzoo gives but does not trust, such as a forecast from inputs outside
    the range the model was trained on. Issued through `warnings`, so users can filter it.
    """


def did_you_mean(name: str, candidates: list[str]) -> str:
    """Return a ' Did you mean ...?' hint for `name`, or an empty string.

    Args:
        name: The name the user typed.
        candidates: The names that exist.

    Example:
    >>> did_you_mean("name-lstm", ["names-lstm", "names-rnn"])
    " Did you mean 'names-lstm'?"
    """
    matches = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
    if not matches:
        return ""
    return " Did you mean " + " or ".join(repr(m) for m in matches) + "?"
