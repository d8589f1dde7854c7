"""Calibration maps of a binary classifier's logit, fitted by likelihood on held-out texts.

One temperature (`seqzoo.models.calibration`) scales every logit alike, so it
cannot fix a classifier that is over-confident in the middle of its range and
under-confident at the top, the shape `sentiment-bilstm`'s test split shows.
Two richer maps can:

- "bias": a temperature and a bias, z / T + b (Platt scaling);
- "power": a temperature and a power of the logit's size, sign(z) |z|^g / T
  (g above 1 sharpens the sure answers and softens the unsure ones).

`seqzoo.recipes.sentiment_compare --calibration-map` fits each on one
cross-validation fold and scores it on another, as a twin's temperature is
applied to a preset, to ask whether a preset should ship one of them.

Example:
>>> params = fit_calibration_map("power", fold_logits, fold_labels)
>>> calibrated = mapped_logits("power", params, other_logits)
"""
from __future__ import annotations

import math

import numpy as np

from seqzoo.errors import InputError
from seqzoo.models.calibration import TEMPERATURES
from seqzoo.models.ngram_logits import grid_minimum
from seqzoo.validation import check_choice, check_float, check_labels, check_scores

MAPS = ("temperature", "bias", "power")
BIASES = np.linspace(-2.0, 2.0, 161)  # Steps of 0.025 on the logit.
POWERS = np.exp(np.linspace(math.log(0.5), math.log(2.0), 141))  # About 1% apart.


def mapped_logits(kind: str, params: dict, logits) -> np.ndarray:
    """The logits (of the positive class against the negative) under a fitted map.

    Args:
        kind: One of `MAPS`.
        params: What `fit_calibration_map` returned for `kind`.
        logits: [texts] log(P(positive) / P(negative)).

    Example:
    >>> mapped_logits("bias", {"temperature": 2.0, "bias": 0.5}, np.array([1.0, -3.0]))
    array([ 1., -1.])
    """
    kind = check_choice("kind", kind, MAPS)
    logits = check_scores("logits", logits)
    needed = {"temperature", kind}
    if not isinstance(params, dict) or not needed <= set(params):
        raise InputError(f"params must be what fit_calibration_map({kind!r}, ...) returned: a dict with "
                         f"{', '.join(sorted(needed))}; got {params!r}.")
    checked = {"temperature": check_float("params['temperature']", params["temperature"], minimum=0.0,
                                          exclusive_minimum=True)}
    if kind == "power":
        checked["power"] = check_float("params['power']", params["power"], minimum=0.0, exclusive_minimum=True)
    if kind == "bias":
        checked["bias"] = check_float("params['bias']", params["bias"])
    return _mapped(kind, checked, logits)


def _mapped(kind: str, params: dict, logits: np.ndarray) -> np.ndarray:
    """`mapped_logits` without the checks, for the fit's search loop (its inputs are checked once)."""
    if kind == "power":
        logits = np.sign(logits) * np.abs(logits) ** params["power"]
    return logits / params["temperature"] + (params["bias"] if kind == "bias" else 0.0)


def binary_log_loss(logits, labels) -> float:
    """The mean negative log-likelihood of 0/1 `labels` under P(positive) = sigmoid(logits).

    Example:
    >>> round(binary_log_loss(np.array([0.0, 2.0]), np.array([1, 1])), 4)
    0.4100
    """
    signs = 2.0 * np.asarray(labels) - 1.0  # Floats whatever the labels' dtype (bools, ints).
    return float(np.mean(np.logaddexp(0.0, -signs * np.asarray(logits))))


def fit_calibration_map(kind: str, logits, labels) -> dict:
    """The map of `kind` whose parameters give `labels` the lowest log loss.

    The temperature is searched on `TEMPERATURES`, the bias on `BIASES` and
    the power on `POWERS`, each by thirds (`grid_minimum`): for fixed other
    parameters the loss is unimodal in each.

    Args:
        kind: One of `MAPS`.
        logits: [texts] log(P(positive) / P(negative)) of held-out texts.
        labels: [texts] 0/1 labels.

    Returns:
        {"temperature": T}, plus "bias" or "power" for those maps.

    Example:
    >>> fit_calibration_map("temperature", 2.0 * true_logits, labels)["temperature"]
    2.0...
    """
    kind = check_choice("kind", kind, MAPS)
    logits = check_scores("logits", logits)
    labels = check_labels("labels", labels, count=len(logits), classes=2)

    def best_temperature(extra: dict) -> tuple[float, float]:
        def loss(t: float) -> float:
            return binary_log_loss(_mapped(kind, {**extra, "temperature": t}, logits), labels)
        return grid_minimum(loss, TEMPERATURES)

    if kind == "temperature":
        return {"temperature": best_temperature({})[0]}
    grid = BIASES if kind == "bias" else POWERS
    value, (temperature, _) = grid_minimum(lambda v: best_temperature({kind: v}), grid, key=lambda found: found[1])
    return {"temperature": temperature, kind: value}
