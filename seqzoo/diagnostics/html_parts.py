"""Self-contained HTML pieces: a character heatmap, a log-scale line chart (inline SVG), a page."""
from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence

import numpy as np

COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
HEATMAP_STYLE = ("font-family: ui-monospace, monospace; white-space: pre-wrap; line-height: 1.6; "
                 "font-size: 0.9rem; border: 1px solid #ddd; padding: 0.6rem; color: #222;")
STYLE = """
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; } td, th { padding: 0.2rem 0.6rem; border-bottom: 1px solid #eee; }
"""


def colour(value: float) -> str:
    """A value in [-1, 1] -> a background colour: blue for negative, white at 0, red for positive.

    The strongest colours stay light enough for black text on them to be read.
    """
    value = max(-1.0, min(1.0, float(value)))
    fade = round(255 * (1 - 0.65 * abs(value)))
    return f"#ff{fade:02x}{fade:02x}" if value >= 0 else f"#{fade:02x}{fade:02x}ff"


def heatmap_html(text: str, values: Sequence[float], *, scale: float | None = None) -> str:
    """The text with each character's background coloured by its value (a `<div>`).

    Args:
        text: The characters.
        values: One value per character.
        scale: The |value| drawn at full colour (default: the largest |value|; pass 1 for
            tanh-bounded hidden states, so units compare).

    Example:
    >>> heatmap_html("ab", [0.5, -1.0]).count("<span")
    2
    """
    values = np.asarray(values, np.float64)
    scale = scale or max(1e-12, float(np.abs(values).max(initial=0.0)))
    # Newlines as character references: the fragment stays one line, so Markdown pages can embed it.
    chars = ["&#10;" if c == "\n" else html.escape(c) for c in text]
    spans = [f'<span style="background:{colour(v / scale)}" title="{v:+.3f}">{c}</span>'
             for c, v in zip(chars, values)]
    key = "font-family: ui-monospace, monospace; padding: 0 0.4rem; background:"
    legend = (f'<div>colour scale: <span style="{key}{colour(-1)}">{-scale:+.2f}</span>'
              f'<span style="{key}{colour(0)}">0</span><span style="{key}{colour(1)}">{scale:+.2f}</span></div>')
    return f'<div>{legend}<div style="{HEATMAP_STYLE}">{"".join(spans)}</div></div>'


def svg_chart(curves: Mapping[str, Sequence[float]], *, width: int = 640, height: int = 280,
              xlabel: str = "time step", ylabel: str = "gradient norm (log scale)") -> str:
    """Lines of positive values against their index on a log-scale y axis, as inline SVG.

    Example:
    >>> svg_chart({"lstm": [0.1, 0.5, 1.0]}).startswith("<svg")
    True
    """
    left, right, top, bottom = 64, 16, 16, 40
    # A log axis cannot show 0 (a gradient that underflowed): such points are left out.
    series = {k: np.asarray(v, np.float64) for k, v in curves.items()}
    positive = np.concatenate([v[v > 0] for v in series.values()])
    positive = positive if positive.size else np.ones(1)
    low = math.floor(math.log10(float(positive.min())))
    high = math.ceil(math.log10(float(positive.max())))
    high = max(high, low + 1)
    steps = max(len(v) for v in series.values())

    def x(i):
        return left + (width - left - right) * (i / max(1, steps - 1))

    def y(v):
        return top + (height - top - bottom) * (high - math.log10(v)) / (high - low)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" font-size="11" font-family="sans-serif">',
             f'<rect x="{left}" y="{top}" width="{width - left - right}" height="{height - top - bottom}" '
             'fill="none" stroke="#999"/>']
    for power in range(low, high + 1, max(1, (high - low) // 6)):
        parts.append(f'<line x1="{left}" x2="{width - right}" y1="{y(10.0 ** power):.1f}" '
                     f'y2="{y(10.0 ** power):.1f}" stroke="#eee"/>'
                     f'<text x="{left - 4}" y="{y(10.0 ** power) + 4:.1f}" text-anchor="end">1e{power}</text>')
    for i in sorted({0, steps - 1, *range(0, steps, max(1, steps // 8))}):
        parts.append(f'<text x="{x(i):.1f}" y="{height - bottom + 14}" text-anchor="middle">{i}</text>')
    parts.append(f'<text x="{(left + width - right) / 2}" y="{height - 6}" text-anchor="middle">'
                 f'{html.escape(xlabel)}</text>')
    parts.append(f'<text transform="translate(14 {(top + height - bottom) / 2}) rotate(-90)" '
                 f'text-anchor="middle">{html.escape(ylabel)}</text>')
    for n, (label, values) in enumerate(series.items()):
        points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if v > 0)
        stroke = COLOURS[n % len(COLOURS)]
        parts.append(f'<polyline fill="none" stroke="{stroke}" stroke-width="1.5" points="{points}"/>')
        parts.append(f'<text x="{left + 8}" y="{top + 14 + 14 * n}" fill="{stroke}">{html.escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def page(title: str, body: str) -> str:
    """A complete HTML page with the shared style and no outside resources."""
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
            f"<style>{STYLE}</style></head><body><h1>{html.escape(title)}</h1>\n{body}\n</body></html>\n")
