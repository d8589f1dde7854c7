"""One HTML page explaining a model on a text: gradient norms over time and its most interpretable units."""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from seqzoo.diagnostics.units import Activations, UnitMatch, activations, rank_units
from seqzoo.diagnostics.features import FEATURES, feature_values
from seqzoo.diagnostics.forward import check_model
from seqzoo.diagnostics.gradients import gradient_norms
from seqzoo.diagnostics.html_parts import heatmap_html, page, svg_chart
from seqzoo.errors import InputError


def interpretable_units(acts: Activations, *, top: int = 4) -> list[tuple[str, UnitMatch]]:
    """For each named feature that varies on the text, its closest unit; the `top` closest pairs first.

    A unit that is the closest for several features is listed once, with the closest of them.

    Args:
        acts: From `activations(model, text)`.
        top: How many (feature, unit) pairs.

    Returns:
        (feature name, `UnitMatch`) pairs.

    Example:
    >>> interpretable_units(activations(seqzoo.load("names-lstm"), "Anna (Maria)\\nJohn"), top=2)
    """
    best = []
    for name in FEATURES:
        values = feature_values(acts.text, name)[1]
        if np.std(values) > 0:
            best.append((name, rank_units(acts, values, top=1)[0]))
    best.sort(key=lambda pair: -abs(pair[1].correlation))
    shown, pairs = set(), []
    for name, match in best:  # One feature per unit (inside_brackets and bracket_depth often share one).
        if (match.unit, match.state) not in shown:
            shown.add((match.unit, match.state))
            pairs.append((name, match))
    return pairs[:top]


def write_report(model, text: str, path, *, top: int = 4) -> Path:
    """Write one self-contained HTML page about `model` reading `text`.

    It shows the norm of the loss gradient with respect to the top layer's hidden
    state at each step (see `gradient_norms`), as an inline SVG chart, and, for
    char LMs, heatmaps of the units that follow a named character feature most
    closely on this text (see `find_units`).

    Args:
        model: A char_lm or text_classification model.
        text: The text to read.
        path: The HTML file to write.
        top: How many units to show (char LMs).

    Returns:
        The path written.

    Example:
    >>> write_report(seqzoo.load("names-lstm"), "Maria Anna (Johanna)", "report.html")
    """
    if getattr(model, "task_name", None) == "forecasting":
        raise InputError("The report reads a text, so it needs a char_lm or text_classification model; for a "
                         "forecaster, call seqzoo.diagnostics.gradient_norms(model, window) in Python.")
    task = check_model(model, ("char_lm", "text_classification"))
    name = getattr(getattr(model, "card", None), "name", None) or model.name
    if not isinstance(top, int) or top < 1:
        raise InputError(f"top must be a whole number >= 1, got {top!r}.")
    norms = gradient_norms(model, text)
    unit = "character" if task == "char_lm" else "word"
    sections = [
        f"<p>{html.escape(name)}: {html.escape(task)}, {html.escape(model.backbone.architecture)}, "
        f"{len(model.backbone.recurrent_layers)} recurrent layer(s) of {model.backbone.hidden_size} units.</p>",
        "<h2>Gradient norm at each step</h2>",
        f"<p>|dL/dh_t|: how much of the loss after the last {unit} reaches the top layer's hidden state at "
        f"step t. Steps: {len(norms)}; first / last step = {norms[0] / max(norms[-1], 1e-30):.2e}. A steep rise "
        "towards the end means the gradient vanishes going back in time.</p>",
        svg_chart({name: norms}, xlabel=f"step ({unit})"),
    ]
    if task == "char_lm":
        acts = activations(model, text)
        units = interpretable_units(acts, top=top)
        sections.append("<h2>Units that follow a feature of this text</h2>")
        if not units:
            sections.append("<p>No named feature varies on this text; try a longer one with lines, quotes or "
                            "brackets.</p>")
        for feature, match in units:
            values = acts.state(match.state)[:, match.unit]
            sections.append(f"<h3>{html.escape(feature)}: {match.state} state of unit {match.unit} "
                            f"(correlation {match.correlation:+.2f})</h3>")
            sections.append(heatmap_html(acts.text, values, scale=1.0 if match.state == "hidden" else None))
    else:
        sections.append("<p>Unit heatmaps read characters, so they need a char_lm model.</p>")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page(f"seqzoo explain: {name}", "\n".join(sections)), encoding="utf-8")
    return path
