"""Figures of gradient norms; matplotlib is optional (the `plot` extra)."""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from seqzoo.errors import InputError, SeqzooError


class MissingDependencyError(SeqzooError, ImportError):
    """An optional package that a function needs is not installed."""


def require_matplotlib():
    """`matplotlib.pyplot` with the file-only Agg backend, or a `MissingDependencyError` saying what to install."""
    try:
        import matplotlib
    except ImportError:
        raise MissingDependencyError(
            "Plotting needs matplotlib, which is not installed: pip install 'seqzoo[plot]' "
            "(or pip install matplotlib). `seqzoo explain` and render_activations work without it."
        ) from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_gradient_norms(curves: Mapping[str, Sequence[float]], path, *, relative_to_last: bool = False,
                        title: str = "Gradient norm at each step", xlabel: str = "time step") -> Path:
    """Write a PNG of gradient norms against time, one line per label, on a log scale.

    Args:
        curves: label -> norms (from `gradient_norms`).
        path: The PNG file to write.
        relative_to_last: Divide each curve by its last value, so curves of
            models with different scales start from the same point at the end.
        title: The figure's title.
        xlabel: The label of the time axis.

    Returns:
        The path written.

    Raises:
        MissingDependencyError: matplotlib is not installed.

    Example:
    >>> plot_gradient_norms({"rnn": gradient_norms(rnn, text), "lstm": gradient_norms(lstm, text)},
    ...                     "norms.png", relative_to_last=True)
    """
    if not curves:
        raise InputError("Pass at least one curve: {label: norms}.")
    plt = require_matplotlib()
    figure, axes = plt.subplots(figsize=(7, 3.6), dpi=110)
    for label, norms in curves.items():
        norms = np.asarray(norms, np.float64)
        if norms.ndim != 1 or not len(norms):
            raise InputError(f"The norms of {label!r} must be a non-empty 1-D sequence, got shape {norms.shape}.")
        if relative_to_last:
            norms = norms / max(norms[-1], np.finfo(np.float64).tiny)
        # A log axis cannot show 0: a gradient that underflowed to 0 (below float32's range) is left
        # out, and the label says so.
        zero = norms <= 0
        if zero.any():
            label = f"{label} (0: underflow at {int(zero.sum())} steps)"
        axes.plot(np.arange(len(norms)), np.where(zero, np.nan, norms), label=label, linewidth=1.4)
    axes.set_yscale("log")
    axes.set_xlabel(xlabel)
    axes.set_ylabel("|dL/dh_t| / |dL/dh_T|" if relative_to_last else "|dL/dh_t|")
    axes.set_title(title)
    axes.grid(True, which="major", alpha=0.3)
    axes.legend()
    figure.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path)
    plt.close(figure)
    return path
