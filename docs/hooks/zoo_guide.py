"""The zoo page's orientation: a "which model should I use" box per task, and a
figure of headline metric against parameter count, both from the model cards.

Which model is recommended is computed: the best headline metric of its group
among the entries that beat their baselines. What each entry is *for* is the
one piece of prose kept here (`ROLES`), because a card records measurements,
not intent.
"""
from __future__ import annotations

import io

import seqzoo
from seqzoo.zoo_table import beaten_by_baseline, headline_baselines, lower_is_better

# Groups of entries that answer the same question (a task on one kind of data).
GROUPS = {
    "names-us-census": "Names: next character and new names",
    "names-us-ssa": "Names: next character and new names",
    "rt-snippets": "Sentiment of English text",
    "shakespeare": "Text generation (Shakespeare)",
    "seattle-weather": "Forecasting daily temperatures",
}
FORECASTING = "Forecasting daily temperatures"

ROLES = {
    "names-lstm": "a 2-layer LSTM: the names model to use for autocomplete and generation.",
    "names-rnn": "the course's SimpleRNN on the same data, kept to show what gates add.",
    "sentiment-lstm": "a 2-layer LSTM with max+mean pooling and calibrated probabilities.",
    "sentiment-bilstm": "a bidirectional LSTM that reads each text both ways.",
    "sentiment-bilstm-ngram": "sentiment-bilstm with a linear model over words and word pairs beside it: "
                              "for accuracy, at the price of less certainty on short, plain praise.",
    "sentiment-rnn": "the course's 2 x SimpleRNN on the last state, kept to show why gates matter.",
    "shakespeare-lstm": "a 2 x 512 LSTM: the most fluent text.",
    "shakespeare-gru": "a GRU: fewer parameters than the LSTM for a little more loss.",
    "shakespeare-rnn": "the SimpleRNN of the gates lesson.",
    "weather-lstm": "one station (Seattle) with precipitation and wind as inputs; "
                    "for other places use temperature-lstm or fine-tune.",
    "weather-gru": "the GRU twin of weather-lstm (Seattle only).",
    "temperature-lstm": "temp_max/temp_min only, normalised per window, trained on several "
                        "climates: the forecaster for a station of your own.",
}


def group_of(card) -> str:
    """The zoo-page group of a card ("Sentiment of English text", ...)."""
    if card.task == "forecasting":
        return FORECASTING
    return GROUPS.get(card.dataset, f"{card.task} on {card.dataset}")


def groups() -> dict[str, list]:
    """Group title -> the cards of its entries, in `list_models()` order."""
    grouped: dict[str, list] = {}
    for name in seqzoo.list_models():
        card = seqzoo.info(name)
        grouped.setdefault(group_of(card), []).append(card)
    return grouped


def recommended(cards: list):
    """The card with the best headline among those no baseline beats (or None)."""
    scored = [c for c in cards if c.headline and beaten_by_baseline(c) is None]
    if not scored:
        return None
    if all(c.task == "forecasting" for c in scored) and any(c.name == "temperature-lstm" for c in scored):
        return next(c for c in scored if c.name == "temperature-lstm")  # the one that holds elsewhere
    lower = lower_is_better(scored[0].headline_metric)
    return (min if lower else max)(scored, key=lambda c: c.headline["value"])


def _figure(card) -> str:
    headline = card.headline
    return f"{card.headline_metric} {headline['value']:.4g} {headline.get('unit', '')}".rstrip()


def which_model_boxes(link) -> str:
    """One admonition per group: the recommended entry and why, then what the others are for."""
    boxes = []
    for title, cards in groups().items():
        best = recommended(cards)
        lines = []
        if best is not None:
            why = ROLES.get(best.name, best.description)
            reason = ("it is the one trained on several climates, so it holds outside the training station"
                      if best.task == "forecasting" and best.name == "temperature-lstm"
                      else "it has the best held-out score of this group")
            lines.append(f"**Use [`{best.name}`]({link(best.name)})**: {why} "
                         f"({_figure(best)}; {reason}.)")
            lines.append("")  # a blank line, so the others form a list of their own
        for card in cards:
            if best is not None and card.name == best.name:
                continue
            note = ROLES.get(card.name, card.description)
            beaten = beaten_by_baseline(card)
            flag = f" It scores below the {beaten} baseline." if beaten else ""
            lines.append(f"- [`{card.name}`]({link(card.name)}): {note}{flag}")
        body = "\n".join(("    " + line) if line else "" for line in "\n".join(lines).splitlines())
        boxes.append(f'!!! tip "{title}: which model should I use?"\n{body}\n')
    return "\n".join(boxes)


def metric_vs_size_png() -> bytes | None:
    """Per group, headline metric against parameter count; baselines as dashed lines."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return None
    grouped = [(t, [c for c in cards if c.headline]) for t, cards in groups().items()]
    grouped = [(t, cards) for t, cards in grouped if cards]
    figure, axes = plt.subplots(1, len(grouped), figsize=(4.0 * len(grouped), 3.6), squeeze=False)
    for axis, (title, cards) in zip(axes[0], grouped):
        for card in cards:
            axis.scatter(card.num_params, card.headline["value"], zorder=3)
            axis.annotate(card.name, (card.num_params, card.headline["value"]), fontsize=8,
                          xytext=(4, 4), textcoords="offset points")
        seen = set()
        for card in cards:
            for short, value in headline_baselines(card):
                if (short, round(value, 4)) in seen:
                    continue
                seen.add((short, round(value, 4)))
                axis.axhline(value, linestyle="--", linewidth=1, color="grey")
                axis.annotate(f"{short} baseline", (axis.get_xlim()[0], value), fontsize=7,
                              color="grey", xytext=(2, 2), textcoords="offset points")
        axis.set_xscale("log")
        axis.set_xlabel("parameters (log scale)")
        unit = cards[0].headline.get("unit") or ""
        better = "lower is better" if lower_is_better(cards[0].headline_metric) else "higher is better"
        axis.set_ylabel(f"{cards[0].headline_metric}{f' ({unit})' if unit else ''}, {better}")
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, dpi=90, format="png")
    plt.close(figure)
    return buffer.getvalue()
