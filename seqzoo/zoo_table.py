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


def markdown_table(names: list[str] | None = None, *, link: Callable[[str], str] | None = None,
                   file_size: bool = False) -> str:
    """One row per model: name, task, architecture, parameters, headline metric, dataset.

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
        baselines = [f"{k} {m['value']:.4g}" for k, m in card.metrics.items() if m.get("baseline")]
        label = f"[`{name}`]({link(name)})" if link else f"`{name}`"
        size = f" {format_size(preset_size(name))} |" if file_size else ""
        rows.append(f"| {label} | {card.task} | {card.architecture} | {card.num_params:,} |{size} {figure} | "
                    f"{'; '.join(baselines) or '-'} | {card.dataset} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
