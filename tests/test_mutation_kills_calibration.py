"""calibration: exact numbers of the fit, the chunk average and the ECE, so mutants of the module fail a test."""
import math

import numpy as np
import pytest

from seqzoo.errors import InputError
from seqzoo.models.calibration import (
    TEMPERATURES,
    Temperature,
    check_temperature,
    chunk_probabilities,
    expected_calibration_error,
    fit_temperature,
)


def test_candidate_temperatures():
    assert len(TEMPERATURES) == 400
    assert TEMPERATURES[0] == pytest.approx(0.05) and TEMPERATURES[-1] == pytest.approx(20.0)
    assert np.all(np.diff(np.log(TEMPERATURES)) == pytest.approx(math.log(400) / 399))


def test_check_temperature():
    assert check_temperature(2) == 2.0 and isinstance(check_temperature(np.int64(2)), float)
    assert check_temperature(np.float32(0.5)) == 0.5 and check_temperature(1e-9) == 1e-9
    with pytest.raises(InputError, match=r"^temperature must be a number above 0, got True\.$"):
        check_temperature(True)
    with pytest.raises(InputError, match=r"^temperature must be a number above 0, got '2'\.$"):
        check_temperature("2")
    for bad in (0, 0.0, -0.5, float("inf"), float("nan")):
        with pytest.raises(InputError, match=r"^temperature must be a finite number above 0, got "):
            check_temperature(bad)


def test_temperature_layer_at_one_and_in_training():
    logits = np.array([[3.0, -1.0]], "float32")
    np.testing.assert_array_equal(Temperature(1.0)(logits, training=False), logits)
    np.testing.assert_allclose(Temperature(2.0)(logits), [[1.5, -0.5]])  # training=None: inference.
    np.testing.assert_array_equal(Temperature(2.0)(logits, training=True), logits)
    assert Temperature().temperature == 1.0
    with pytest.raises(InputError):
        Temperature(0)
    assert Temperature(4.0).get_config()["temperature"] == 4.0


def _softmax(x):
    e = np.exp(x - x.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def test_chunk_probabilities_are_size_weighted_means_of_the_tempered_softmax():
    logits = np.array([[2.0, 0.0], [0.0, 1.0], [1.0, 1.0]], "float32")
    owners, sizes = np.array([0, 0, 1]), np.array([3.0, 1.0, 2.0])
    for temperature in (1.0, 2.0, 0.5):
        probs = _softmax(logits / temperature)
        expected = np.stack([(3 * probs[0] + probs[1]) / 4, probs[2]])
        np.testing.assert_allclose(chunk_probabilities(logits, owners, sizes, 2, temperature), expected, rtol=1e-6)
    np.testing.assert_allclose(chunk_probabilities(logits, owners, sizes, 2),
                               chunk_probabilities(logits, owners, sizes, 2, 1.0))


def test_fit_temperature_recovers_the_temperature_that_made_the_labels():
    rng = np.random.default_rng(0)
    logits = rng.normal(0, 3, size=(4000, 3)).astype("float32")
    true_t = 2.5
    labels = np.array([rng.choice(3, p=p) for p in _softmax(logits / true_t)])
    owners, sizes = np.arange(4000), np.ones(4000)
    fitted = fit_temperature(logits, owners, sizes, labels)
    assert fitted in TEMPERATURES
    assert fitted == pytest.approx(true_t, rel=0.1)
    # The fit is the arg-min of the negative log-likelihood over the candidates.
    def nll(t):
        return -np.mean(np.log(_softmax(logits / t)[np.arange(4000), labels]))
    assert nll(fitted) <= min(nll(fitted * 1.02), nll(fitted / 1.02))


def test_fit_temperature_of_always_right_confident_logits_is_the_smallest_and_clips_zero_probabilities():
    logits = np.array([[60.0, -60.0], [-60.0, 60.0]], "float32")
    assert fit_temperature(logits, np.arange(2), np.ones(2), np.array([0, 1])) == TEMPERATURES[0]
    # Always wrong: the largest temperature, and no log(0) on the way.
    assert fit_temperature(logits, np.arange(2), np.ones(2), np.array([1, 0])) == TEMPERATURES[-1]


def test_expected_calibration_error_values():
    probs = np.array([[0.9, 0.1], [0.6, 0.4]])
    assert expected_calibration_error(probs, np.array([0, 1])) == pytest.approx(0.35)
    assert expected_calibration_error(probs, np.array([0, 0])) == pytest.approx(0.25)
    # Confidence 1.0 falls in the last bin; a perfect, sure classifier has no error.
    assert expected_calibration_error(np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([0, 1])) == 0.0
    # Two bins: confidences 0.55 and 0.95 in different bins, 0.55 and 0.7 in the same one.
    two = np.array([[0.55, 0.45], [0.7, 0.3]])
    assert expected_calibration_error(two, np.array([0, 1]), bins=2) == pytest.approx(abs(0.625 - 0.5))
    assert expected_calibration_error(two, np.array([0, 1]), bins=10) == pytest.approx(
        0.5 * abs(0.55 - 1) + 0.5 * abs(0.7 - 0))
