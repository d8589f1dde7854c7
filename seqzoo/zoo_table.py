"""The zoo table in Markdown, generated from the model cards (README and docs)."""
from __future__ import annotations

import os
from collections.abc import Callable

from seqzoo.card import CARD_FILE
from seqzoo.registry import get_entry, info, list_models


def preset_size(name: str) -> int | None:
    """Bytes of a zoo entry's preset: every file its card lists, plus the card.

    Returns None for entries without a preset (a builder only).

    Example:
    >>> preset_size("names-lstm") > 0
    True
    """
    preset = get_entry(name).preset
    if preset is None:
        return None
    files = [*info(name).files, CARD_FILE]
    return sum(os.path.getsize(preset / relative) for relative in files)


def format_size(size: int | None) -> str:
    """Bytes as "870 kB" or "8.9 MB" (decimal units); "-" for None."""
    if size is None:
        return "-"
    return f"{size / 1e6:.1f} MB" if size >= 1e6 else f"{size / 1e3:.0f} kB"


LOWER_IS_BETTER = ("nll", "mae", "mse", "loss", "error", "perplexity")


def lower_is_better(metric_key: str) -> bool:
    """Whether a smaller value of metric `metric_key` is the better one.

    Example:
    >>> lower_is_better("test_nll"), lower_is_better("test_accuracy")
    (True, False)
    """
    return any(word in metric_key for word in LOWER_IS_BETTER)


def architecture_label(card) -> str:
    """The architecture as shown in tables: "bilstm" for a bidirectional LSTM.

    Example:
    >>> architecture_label(seqzoo.info("sentiment-bilstm"))  # doctest: +SKIP
    'bilstm'
    """
    bidirectional = card.recipe.get("hparams", {}).get("bidirectional") if card.recipe else False
    return f"bi{card.architecture}" if bidirectional else card.architecture


def headline_baselines(card) -> list[tuple[str, float]]:
    """(short name, value) of each baseline measured for the headline metric.

    A baseline belongs to the headline when its key is "<short name>_<headline key>"
    ("bow_test_accuracy" -> ("bow", 0.77)).

    Example:
    >>> headline_baselines(seqzoo.info("names-lstm"))  # doctest: +SKIP
    [('bigram', 2.27)]
    """
    key = card.headline_metric
    if not key:
        return []
    return [(name[: -len(key) - 1], float(m["value"])) for name, m in sorted(card.metrics.items())
            if m.get("baseline") and name.endswith("_" + key)]


def beaten_by_baseline(card) -> str | None:
    """The short name of a baseline that scores better than the model, else None.

    Example:
    >>> beaten_by_baseline(seqzoo.info("names-lstm")) is None  # doctest: +SKIP
    True
    """
    headline = card.headline
    if not headline:
        return None
    lower = lower_is_better(card.headline_metric)
    for name, value in headline_baselines(card):
        if (value < headline["value"]) if lower else (value > headline["value"]):
            return name
    return None


def training_datasets(card) -> list[str]:
    """Every dataset a model was trained on: the recipe's list, else the card's one dataset.

    Example:
    >>> training_datasets(seqzoo.info("names-lstm"))  # doctest: +SKIP
    ['names-us-ssa']
    """
    recorded = card.recipe.get("datasets") if card.recipe else None
    if isinstance(recorded, list) and recorded:
        return [str(name) for name in recorded]
    return [card.dataset] if card.dataset else []


def markdown_table(names: list[str] | None = None, *, link: Callable[[str], str] | None = None,
                   file_size: bool = False) -> str:
    """One row per model: name, task, architecture, parameters, headline metric, dataset.

    The baseline cell lists the baselines of the headline metric, one per line
    ("bow 0.7665"); a model that scores worse than one of them is flagged.

    Args:
        names: Models to show; all of `list_models()` by default.
        link: name -> URL of the model's page; the name becomes a link to it.
        file_size: Add a column with the size of the preset's files.

    Example:
    >>> print(markdown_table(["names-lstm"]))
    | model | task | ...
    """
    size_head, size_align = (" file size |", "---:|") if file_size else ("", "")
    rows = [
        f"| model | task | architecture | parameters |{size_head} headline metric (split) | baseline | dataset |",
        f"|---|---|---|---:|{size_align}---|---|---|",
    ]
    for name in names if names is not None else list_models():
        card = info(name)
        headline = card.headline
        figure = (f"{card.headline_metric} {headline['value']:.4g} {headline.get('unit', '')}".rstrip()
                  + f" ({headline['split']})") if headline else "-"
        beaten = beaten_by_baseline(card)
        if beaten:
            figure += f" **below the {beaten} baseline**"
        baselines = [f"{short} {value:.4g}" for short, value in headline_baselines(card)]
        label = f"[`{name}`]({link(name)})" if link else f"`{name}`"
        size = f" {format_size(preset_size(name))} |" if file_size else ""
        rows.append(f"| {label} | {card.task} | {architecture_label(card)} | {card.num_params:,} |{size} "
                    f"{figure} | {'<br>'.join(baselines) or '-'} | {'<br>'.join(training_datasets(card)) or '-'} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
