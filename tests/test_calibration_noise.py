"""How precisely a held-out set measures a calibration error, checked against slow references."""
from __future__ import annotations

import numpy as np
import pytest

from seqzoo.errors import InputError
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.models.calibration_noise import (
    calibration_error_bootstrap, calibration_errors_of_subsets, perfectly_calibrated_error,
)


def predictions(count=300, seed=3):
    rng = np.random.default_rng(seed)
    positive = rng.uniform(0.02, 0.98, count)
    labels = (rng.random(count) < positive ** 1.5).astype(np.int64)  # miscalibrated on purpose
    return np.stack([1 - positive, positive], axis=1), labels


def test_the_bootstrap_resamples_exactly_as_a_slow_loop_of_expected_calibration_error():
    probabilities, labels = predictions()
    rows = np.random.default_rng(7).integers(0, len(labels), size=(50, len(labels)))
    slow = np.array([expected_calibration_error(probabilities[r], labels[r], bins=7) for r in rows])
    fast = calibration_error_bootstrap(probabilities, labels, bins=7, resamples=50, seed=7)
    assert fast["standard_error"] == pytest.approx(round(slow.std(), 4), abs=1e-4)
    assert fast["low"] == pytest.approx(np.percentile(slow, 2.5), abs=1e-4)
    assert fast["high"] == pytest.approx(np.percentile(slow, 97.5), abs=1e-4)
    assert fast["standard_error"] > 0.005
    assert calibration_error_bootstrap(probabilities, labels, bins=7, resamples=50, seed=8) != fast


def test_sure_and_always_right_predictions_have_no_spread_and_no_floor():
    probabilities = np.tile([[0.0, 1.0], [1.0, 0.0]], (20, 1))
    labels = np.tile([1, 0], 20)
    assert calibration_error_bootstrap(probabilities, labels, resamples=30) == {
        "standard_error": 0.0, "low": 0.0, "high": 0.0}
    assert perfectly_calibrated_error(probabilities, draws=30) == {"mean": 0.0, "p95": 0.0, "texts": 40}


def test_a_perfectly_calibrated_model_draws_its_rights_from_its_confidence():
    probabilities, _ = predictions(count=200)
    confidence = probabilities.max(axis=1)
    uniform = np.random.default_rng(5).random((40, 200))
    slow = []
    for row in uniform:  # right where the uniform draw is under the confidence
        labels = np.where(row < confidence, probabilities.argmax(axis=1), 1 - probabilities.argmax(axis=1))
        slow.append(expected_calibration_error(probabilities, labels))
    floor = perfectly_calibrated_error(probabilities, draws=40, seed=5)
    assert floor["mean"] == pytest.approx(np.mean(slow), abs=1e-4)
    assert floor["p95"] == pytest.approx(np.percentile(slow, 95), abs=1e-4)
    assert floor["texts"] == 200


def test_the_floor_shrinks_like_one_over_the_root_of_the_number_of_texts():
    small = perfectly_calibrated_error(predictions(count=400)[0], draws=400)["mean"]
    large = perfectly_calibrated_error(predictions(count=6400)[0], draws=400)["mean"]
    assert 3.0 < small / large < 5.0  # 16 times the texts: about 4 times less noise


def test_subsets_are_drawn_without_replacement_so_the_whole_set_gives_its_own_error():
    probabilities, labels = predictions()
    whole = calibration_errors_of_subsets(probabilities, labels, size=len(labels), draws=3)
    np.testing.assert_allclose(whole, expected_calibration_error(probabilities, labels), atol=1e-12)
    rows = np.random.default_rng(2)
    first = rows.choice(len(labels), 100, replace=False)
    subsets = calibration_errors_of_subsets(probabilities, labels, size=100, draws=4, seed=2)
    assert subsets.shape == (4,)
    assert subsets[0] == pytest.approx(expected_calibration_error(probabilities[first], labels[first]))
    assert subsets.std() > 0


@pytest.mark.parametrize(("call", "message"), [
    (lambda p, y: calibration_error_bootstrap(p[:, 1], y), "[texts, classes]"),
    (lambda p, y: calibration_error_bootstrap(p * 2, y), "finite probabilities in [0, 1]"),
    (lambda p, y: calibration_error_bootstrap(p * 0.5, y), "row 0 sums to 0.5000"),
    (lambda p, y: calibration_error_bootstrap(p, y[:-1]), "one label per text (300)"),
    (lambda p, y: calibration_error_bootstrap(p, y + 1), "class indices from 0 to 1"),
    (lambda p, y: calibration_error_bootstrap(p, y.astype(float)), "whole-number class indices"),
    (lambda p, y: calibration_error_bootstrap(p, y, resamples=True), "resamples must be an integer"),
    (lambda p, y: calibration_error_bootstrap(p, y, bins=0), "bins must be >= 1"),
    (lambda p, y: perfectly_calibrated_error(p, draws=0), "draws must be >= 1"),
    (lambda p, y: perfectly_calibrated_error(p, seed=-1), "seed must be >= 0"),
    (lambda p, y: calibration_errors_of_subsets(p, y, size=301), "size must be from 1 to 300"),
])
def test_bad_arguments_say_what_was_wrong(call, message):
    probabilities, labels = predictions()
    with pytest.raises(InputError) as error:
        call(probabilities, labels)
    assert message in str(error.value)
