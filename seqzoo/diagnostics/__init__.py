"""Diagnostics of recurrent models: vanishing gradients, memory span, what single units track.

- `gradient_norms(model, inputs)`: the loss gradient's norm at each time step;
  `plot_gradient_norms` draws them (needs matplotlib: the `plot` extra).
- `memory_span(architecture)`: how far back a freshly trained layer remembers a token.
- `activations`, `find_units`, `render_activations`: per-character states of a
  char LM, the units that follow a feature (quotes, brackets, line position), and
  an HTML heatmap of one unit.
- `write_report`: all of it on one HTML page (the `seqzoo explain` command).
- `attributions(model, inputs)`: how much each word, character or input day
  contributed to one prediction (integrated gradients or occlusion);
  `render_attributions` draws them on an HTML page (`seqzoo explain --attributions`).

Names load on first use, so importing this package does not import TensorFlow.

Example:
>>> from seqzoo import diagnostics
>>> diagnostics.gradient_norms(seqzoo.load("sentiment-lstm"), "A dull, lifeless mess.")
"""
from __future__ import annotations

import importlib

_NAMES = {
    "gradient_norms": "gradients",
    "plot_gradient_norms": "plotting",
    "MissingDependencyError": "plotting",
    "memory_span": "memory",
    "memory_table": "memory",
    "MemorySpan": "memory",
    "activations": "units",
    "find_units": "units",
    "render_activations": "units",
    "Activations": "units",
    "UnitMatch": "units",
    "FEATURES": "features",
    "MEMORY_FEATURES": "features",
    "write_report": "report",
    "attributions": "attribution",
    "render_attributions": "attribution_html",
    "TokenAttribution": "attribution_results",
    "ForecastAttribution": "attribution_results",
}


def __getattr__(name: str):
    if name in _NAMES:
        return getattr(importlib.import_module(f"seqzoo.diagnostics.{_NAMES[name]}"), name)
    raise AttributeError(f"module 'seqzoo.diagnostics' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_NAMES])


__all__ = sorted(_NAMES)
