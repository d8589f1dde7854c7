"""How precisely a held-out set measures a classifier's expected calibration error.

A calibration error measured on a thousand texts is one draw, not the model's
calibration. Two things say how far to trust it:

- `calibration_error_bootstrap`: resample the texts and see how much the
  measured error moves (its standard error and percentile interval).
- `perfectly_calibrated_error`: keep the model's confidences but draw each
  text's right-or-wrong from its own confidence, as a perfectly calibrated
  model's would be. The errors such a model measures are the floor that finite
  confidence bins put under every model: on the 1,272 test snippets of
  rt-snippets it is about 0.02, not 0.

Both use `expected_calibration_error`'s bins (equal bins of the top
probability), computed for every resample at once (`binned_calibration_errors`).

Example:
>>> calibration_error_bootstrap(probabilities, labels)["standard_error"]
0.0082
>>> perfectly_calibrated_error(probabilities)["mean"]
0.018
"""
from __future__ import annotations

import numpy as np

from seqzoo.models.calibration import binned_calibration_errors
from seqzoo.validation import check_int, check_labels, check_probabilities


def calibration_error_bootstrap(probabilities, labels, *, bins: int = 10, resamples: int = 2000,
                                seed: int = 0) -> dict[str, float]:
    """How much the expected calibration error of these predictions moves when the texts are resampled.

    The binned error is biased upwards on small samples, and more so on
    resamples (which repeat texts), so the percentile interval sits above the
    measured error; its standard error is the plainer guide to precision.

    Args:
        probabilities: [texts, classes] predicted probabilities.
        labels: [texts] true classes.
        bins: Number of equal bins of the top probability over [0, 1].
        resamples: How many bootstrap samples of the texts.
        seed: The generator's seed, so the figures are reproducible.

    Returns:
        {"standard_error", "low", "high"}: the resampled errors' standard
        deviation and 2.5th and 97.5th percentiles, rounded to 4 decimals.

    Example:
    >>> calibration_error_bootstrap(model.predict(test.x), test.y)
    {'standard_error': 0.0082, 'low': 0.0196, 'high': 0.0521}
    """
    probabilities = check_probabilities("probabilities", probabilities)
    labels = check_labels("labels", labels, count=len(probabilities), classes=probabilities.shape[1])
    bins = check_int("bins", bins, minimum=1)
    resamples = check_int("resamples", resamples, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    confidence = probabilities.max(axis=1)
    right = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    rows = np.random.default_rng(seed).integers(0, len(labels), size=(resamples, len(labels)))
    errors = binned_calibration_errors(confidence[rows], right[rows], bins)
    low, high = np.percentile(errors, [2.5, 97.5])
    return {"standard_error": round(float(errors.std()), 4), "low": round(float(low), 4),
            "high": round(float(high), 4)}


def perfectly_calibrated_error(probabilities, *, bins: int = 10, draws: int = 2000,
                               seed: int = 0) -> dict[str, float]:
    """The calibration errors a perfectly calibrated model with these confidences would measure.

    Each draw decides every text's right-or-wrong at random with the model's
    confidence as the chance of right, so the model is calibrated by
    construction; what the binned error still measures is sampling noise.

    Args:
        probabilities: [texts, classes] predicted probabilities (only the top one counts).
        bins: Number of equal bins of the top probability over [0, 1].
        draws: How many random draws.
        seed: The generator's seed.

    Returns:
        {"mean", "p95", "texts"}: the mean and 95th percentile of the draws'
        errors (rounded to 4 decimals) and the number of texts.

    Example:
    >>> perfectly_calibrated_error(model.predict(test.x))
    {'mean': 0.018, 'p95': 0.029, 'texts': 1272}
    """
    probabilities = check_probabilities("probabilities", probabilities)
    bins = check_int("bins", bins, minimum=1)
    draws = check_int("draws", draws, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    confidence = np.broadcast_to(probabilities.max(axis=1), (draws, len(probabilities)))
    right = (np.random.default_rng(seed).random(confidence.shape) < confidence).astype(np.float64)
    errors = binned_calibration_errors(confidence, right, bins)
    return {"mean": round(float(errors.mean()), 4), "p95": round(float(np.percentile(errors, 95)), 4),
            "texts": len(probabilities)}


def calibration_errors_of_subsets(probabilities, labels, *, size: int, draws: int = 200,
                                  bins: int = 10, seed: int = 0) -> np.ndarray:
    """The expected calibration errors measured on `draws` random subsets of `size` texts each.

    What a held-out split of `size` texts, drawn from the same texts, would
    measure: cross-validation folds of several thousand snippets say what a
    test split of 1,272 may show, without loading it.

    Args:
        probabilities: [texts, classes] predicted probabilities.
        labels: [texts] true classes.
        size: Texts per subset (drawn without replacement), at most the number of texts.
        draws: How many subsets.
        bins: Number of equal bins of the top probability over [0, 1].
        seed: The generator's seed.

    Returns:
        [draws] errors.

    Example:
    >>> errors = calibration_errors_of_subsets(fold_probabilities, fold_labels, size=1272)
    >>> float(np.mean(errors > 0.03))
    0.115
    """
    probabilities = check_probabilities("probabilities", probabilities)
    labels = check_labels("labels", labels, count=len(probabilities), classes=probabilities.shape[1])
    size = check_int("size", size, minimum=1, maximum=len(labels))
    draws = check_int("draws", draws, minimum=1)
    bins = check_int("bins", bins, minimum=1)
    seed = check_int("seed", seed, minimum=0)
    confidence = probabilities.max(axis=1)
    right = (probabilities.argmax(axis=1) == labels).astype(np.float64)
    generator = np.random.default_rng(seed)
    rows = np.stack([generator.choice(len(labels), size, replace=False) for _ in range(draws)])
    return binned_calibration_errors(confidence[rows], right[rows], bins)
