"""`render_attributions`: one self-contained HTML page of attribution scores.

Text: each token highlighted on a diverging scale (red pushes towards the target, blue
away from it), its score in a tooltip. Forecasts: a days x features heatmap with the
scores printed in the cells. Every piece of text on the page is escaped.
"""
from __future__ import annotations

import html
from pathlib import Path

import numpy as np

from seqzoo._atomic import write_bytes_atomic
from seqzoo.diagnostics.attribution_results import ForecastAttribution, TokenAttribution
from seqzoo.diagnostics.html_parts import colour, page
from seqzoo.errors import InputError

TOKEN_STYLE = ("display: inline-block; margin: 0.15rem 0.1rem; padding: 0.1rem 0.35rem; border-radius: 3px; "
               "font-size: 1.35rem; line-height: 1.9rem;")
UNKNOWN_STYLE = "outline: 2px dashed #888;"
CELL_STYLE = "text-align: right; font-family: ui-monospace, monospace; padding: 0.35rem 0.6rem;"


def _e(value) -> str:
    return html.escape(str(value), quote=True)


def legend(scale: float, low: str, high: str) -> str:
    """A colour bar from -scale (blue) through 0 (white) to +scale (red), with its meaning.

    Example:
    >>> "+1.00" in legend(1.0, "against", "for")
    True
    """
    stops = np.linspace(-1.0, 1.0, 9)
    cells = "".join(f'<span style="display:inline-block;width:2.2rem;height:1rem;background:{colour(v)}"></span>'
                    for v in stops)
    return (f'<div style="margin: 0.8rem 0; font-size: 0.95rem;">'
            f'<span style="font-family: ui-monospace, monospace">{-scale:+.2f}</span> {cells} '
            f'<span style="font-family: ui-monospace, monospace">{scale:+.2f}</span><br>'
            f'<span style="color:#2b4fb3">blue: {_e(low)}</span> &nbsp; '
            f'<span style="color:#b3261e">red: {_e(high)}</span></div>')


def _scale(scores) -> float:
    return max(1e-12, float(np.max(np.abs(np.asarray(scores, np.float64)), initial=0.0)))


def text_section(result: TokenAttribution) -> str:
    """The highlighted tokens, a legend, the summary numbers and the top tokens of one result."""
    scale = _scale(result.scores)
    spans = []
    parts = result.ngram_scores or [None] * len(result.tokens)
    for token, word, score, ngrams in zip(result.tokens, result.words, result.scores, parts):
        unknown = token == "<unk>"
        tip = (f"{word}: {score:+.4f}" + ("" if ngrams is None else f" (of which the n-gram model {ngrams:+.4f})")
               + (" (not in the vocabulary: read as <unk>)" if unknown else ""))
        style = TOKEN_STYLE + f"background:{colour(score / scale)};" + (UNKNOWN_STYLE if unknown else "")
        spans.append(f'<span style="{style}" title="{_e(tip)}">{_e(word)}</span>')
    method = result.method.replace("_", " ")
    summary = (f"<p>Explained: <b>{_e(result.target)}</b>, probability {result.probability:.3f} on the text, "
               f"{result.baseline_probability:.3f} on the baseline (every token replaced by padding). "
               f"Scores ({_e(method)}) add up to the change in the target's logit, "
               f"{result.logit - result.baseline_logit:+.3f}; residual {result.completeness_residual:+.2%}"
               + (f", {result.steps} steps" if result.steps else "") + ".</p>")
    rows = "".join(f"<tr><td>{_e(w)}</td><td style='{CELL_STYLE}'>{s:+.3f}</td></tr>" for w, s in result.top(5))
    unknown = ("<p>Dashed outline: a word outside the model's vocabulary (the model read <code>&lt;unk&gt;</code>)."
               "</p>" if any(result.unknown) else "")
    return (f"{summary}{legend(scale, f'against {result.target}', f'towards {result.target}')}"
            f'<div style="border: 1px solid #ddd; padding: 0.8rem; margin: 0.5rem 0;">{"".join(spans)}</div>'
            f"{unknown}<h3>Largest contributions</h3><table><tr><th>token</th><th>score</th></tr>{rows}</table>")


def forecast_section(result: ForecastAttribution) -> str:
    """The days x features heatmap (scores in the cells, input values in tooltips) and a legend."""
    scale = _scale(result.scores)
    head = "".join(f"<th>{_e(f)}</th>" for f in result.features)
    rows = []
    for d, day in enumerate(result.days):
        cells = "".join(
            f'<td style="{CELL_STYLE}background:{colour(result.scores[d, c] / scale)}" '
            f'title="{_e(f"{day}, {feature} = {result.window[d, c]:.3f}: {result.scores[d, c]:+.4f}")}">'
            f"{result.scores[d, c]:+.2f}</td>"
            for c, feature in enumerate(result.features))
        rows.append(f"<tr><th>{_e(day)}</th>{cells}</tr>")
    method = result.method.replace("_", " ")
    summary = (f"<p>Explained: the forecast of <b>{_e(result.target)}</b>, {result.forecast:.3f}; on the baseline "
               f"window (each column's mean over the window) {result.baseline_forecast:.3f}. Scores "
               f"({_e(method)}) are in {_e(result.target)}'s units and add up to the difference, "
               f"{result.forecast - result.baseline_forecast:+.3f}; residual {result.completeness_residual:+.2%}"
               + (f", {result.steps} steps" if result.steps else "") + ". t-0 is the window's last day.</p>")
    return (f"{summary}{legend(scale, f'lowers {result.target}', f'raises {result.target}')}"
            f'<table style="border: 1px solid #ddd; font-size: 1.05rem;"><tr><th>day</th>{head}</tr>'
            f"{''.join(rows)}</table>")


def render_attributions(result, path, *, title: str | None = None) -> Path:
    """Write a self-contained HTML page (no outside resources) showing attribution scores.

    Args:
        result: A `TokenAttribution` or `ForecastAttribution` from `attributions`, or a list of
            them (one section each).
        path: The HTML file to write (atomically: a reader never sees half a page).
        title: The page's heading (default "Why did it say that?").

    Returns:
        The path written.

    Example:
    >>> render_attributions(attributions(seqzoo.load("sentiment-lstm"), "a great film"), "why.html")
    PosixPath('why.html')
    """
    results = list(result) if isinstance(result, list | tuple) else [result]
    if not results:
        raise InputError("render_attributions needs at least one result from attributions().")
    sections = []
    for item in results:
        if isinstance(item, TokenAttribution):
            sections.append(text_section(item))
        elif isinstance(item, ForecastAttribution):
            sections.append(forecast_section(item))
        else:
            raise InputError(f"render_attributions takes the results of seqzoo.diagnostics.attributions, got "
                             f"{type(item).__name__}.")
    path = Path(path)
    body = "\n<hr>\n".join(sections)
    write_bytes_atomic(path, page(title or "Why did it say that?", body).encode("utf-8"))
    return path
