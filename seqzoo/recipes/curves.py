"""Training curves: loss and each metric on a panel of its own, validation beside training.

The recipes write the curve into a preset; the docs site draws it again from
the card's recorded history, so every model page shows the same layout.

Example:
>>> history = {"loss": [1.2, 0.9], "val_loss": [1.3, 1.1]}
>>> plot_training_curve(history, "curve.png", title="names-lstm", task="char_lm")  # doctest: +SKIP
True
"""
from __future__ import annotations

import io
from pathlib import Path

# The unit of each history key by task: Keras' training loss of each task, and its metrics.
LOSS_LABELS = {
    "char_lm": "loss (nats per character)",
    "text_classification": "loss (cross-entropy, nats)",
    "forecasting": "loss (mean squared error, °C²)",
}
METRIC_LABELS = {
    "accuracy": "accuracy (fraction correct)",
    "mae": "mean absolute error (°C)",
}


def _panels(history: dict) -> list[str]:
    """The base names ("loss", "accuracy", ...) that get a panel, loss first."""
    bases = []
    for key in history:
        base = key[4:] if key.startswith("val_") else key
        if base not in bases and (base == "loss" or base in METRIC_LABELS):
            bases.append(base)
    return sorted(bases, key=lambda base: base != "loss")


def plot_training_curve(history: dict, target, *, title: str, task: str = "") -> bool:
    """Draw `history` (Keras' `History.history`) as a PNG.

    Args:
        history: key -> one value per epoch ("loss", "val_loss", "accuracy", ...).
        target: A path, or a binary file object, that receives the PNG.
        title: The figure's title (the preset's name).
        task: The card's task; it names the loss's unit on the axis.

    Returns:
        False when matplotlib is not installed or there is nothing to draw.

    Example:
    >>> plot_training_curve({"loss": [2.0, 1.5]}, io.BytesIO(), title="x", task="char_lm")  # doctest: +SKIP
    True
    """
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    bases = _panels(history)
    if not bases:
        return False
    figure, axes = plt.subplots(1, len(bases), figsize=(4.2 * len(bases), 3.4), squeeze=False)
    for axis, base in zip(axes[0], bases):
        for key, label, style in ((base, "training", "-"), (f"val_{base}", "validation", "--")):
            values = history.get(key)
            if values:
                axis.plot(range(1, len(values) + 1), values, style, marker=".", label=label)
        axis.set_xlabel("epoch")
        axis.set_ylabel(LOSS_LABELS.get(task, "loss") if base == "loss" else METRIC_LABELS[base])
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle(title)
    figure.tight_layout()
    if isinstance(target, str | Path):
        Path(target).parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=90, format="png")
    plt.close(figure)
    return True


def training_curve_png(history: dict, *, title: str, task: str = "") -> bytes | None:
    """The curve as PNG bytes, or None when it cannot be drawn.

    Example:
    >>> training_curve_png({"loss": [2.0, 1.5]}, title="x")[:4]  # doctest: +SKIP
    b'\\x89PNG'
    """
    buffer = io.BytesIO()
    return buffer.getvalue() if plot_training_curve(history, buffer, title=title, task=task) else None
