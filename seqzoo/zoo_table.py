"""The zoo table in Markdown, generated from the model cards (README and docs)."""
from __future__ import annotations

from seqzoo.registry import info, list_models


def markdown_table(names: list[str] | None = None) -> str:
    """One row per model: name, task, architecture, parameters, headline metric, dataset.

    Args:
        names: Models to show; all of `list_models()` by default.

    Example:
    >>> print(markdown_table(["names-lstm"]))
    | model | task | ...
    """
    rows = [
        "| model | task | architecture | parameters | headline metric (split) | baseline | dataset |",
        "|---|---|---|---:|---|---|---|",
    ]
    for name in names if names is not None else list_models():
        card = info(name)
        headline = card.headline
        figure = (f"{card.headline_metric} {headline['value']:.4g} {headline.get('unit', '')}".rstrip()
                  + f" ({headline['split']})") if headline else "-"
        baselines = [f"{k} {m['value']:.4g}" for k, m in card.metrics.items() if m.get("baseline")]
        rows.append(f"| `{name}` | {card.task} | {card.architecture} | {card.num_params:,} | {figure} | "
                    f"{'; '.join(baselines) or '-'} | {card.dataset} |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(markdown_table())
