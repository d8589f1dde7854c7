"""The statistics behind the sentiment cards and guide: exact figures against references written here.

Each reference repeats the documented protocol (the same generator, draws and
percentiles), so a changed default, percentile, rounding or resampling range
changes a figure and fails a test. Bad arguments are refused by name.
"""
import numpy as np
import pytest

from seqzoo.errors import InputError, SeqzooError
from seqzoo.models.calibration import binned_calibration_errors
from seqzoo.models.calibration_noise import (
    calibration_error_bootstrap,
    calibration_errors_of_subsets,
    perfectly_calibrated_error,
)
from seqzoo.recipes.calibration_maps import binary_log_loss, fit_calibration_map, mapped_logits
from seqzoo.recipes.paired import bootstrap_interval, paired_difference


def predictions(count=300, seed=7):
    rng = np.random.default_rng(seed)
    positive = rng.uniform(0.02, 0.98, count)
    labels = (rng.random(count) < positive ** 1.3).astype(int)
    return np.stack([1 - positive, positive], axis=1), labels


def right_and_confidence(probabilities, labels):
    return probabilities.max(axis=1), (probabilities.argmax(axis=1) == labels).astype(np.float64)


def test_bootstrap_interval_is_the_documented_percentile_bootstrap():
    right = np.random.default_rng(3).integers(0, 2, (2, 150))
    right[0, 0], right[1, 0] = 1, 0  # the first example differs: resampling must reach it
    indices = np.random.default_rng(0).integers(0, 150, size=(2000, 150))
    means = right[:, indices].mean(axis=2).sum(axis=0)
    low, high = np.percentile(means, [2.5, 97.5])
    assert bootstrap_interval(right) == (round(float(low), 4), round(float(high), 4))
    assert bootstrap_interval(right) != bootstrap_interval(right, seed=1)
    assert bootstrap_interval(right, resamples=2001) != bootstrap_interval(right)  # these data tell 2000 apart
    one = np.zeros(40)
    one[0] = 1.0  # only the first example is right: a resampling that skips it gives (0, 0)
    assert bootstrap_interval(one)[1] > 0


def test_bootstrap_interval_rounds_to_four_decimals():
    low, high = bootstrap_interval(np.random.default_rng(5).integers(0, 2, 997))
    assert (low, high) == (round(low, 4), round(high, 4))
    assert round(low, 3) != low or round(high, 3) != high  # the fourth decimal is kept


def test_paired_difference_refuses_booleans_it_cannot_negate_and_counts_on_ints():
    result = paired_difference(np.array([True, True, False, True]), np.array([True, False, False, True]))
    assert (result["only_a"], result["only_b"], result["difference"]) == (1, 0, 0.25)
    assert result["interval"] == bootstrap_interval(np.stack([[1, 1, 0, 1], [-1, 0, 0, -1]]))
    with pytest.raises(SeqzooError, match="same examples"):
        paired_difference([1, 0], [1, 0, 1])


def test_calibration_error_bootstrap_against_its_protocol():
    probabilities, labels = predictions(count=30, seed=0)  # data whose figures tell 2,000 resamples from 2,001
    confidence, right = right_and_confidence(probabilities, labels)
    rows = np.random.default_rng(0).integers(0, len(labels), size=(2000, len(labels)))
    errors = binned_calibration_errors(confidence[rows], right[rows], 10)
    low, high = np.percentile(errors, [2.5, 97.5])
    expected = {"standard_error": round(float(errors.std()), 4), "low": round(float(low), 4),
                "high": round(float(high), 4)}
    assert calibration_error_bootstrap(probabilities, labels) == expected
    assert calibration_error_bootstrap(probabilities, labels, bins=11) != expected
    assert calibration_error_bootstrap(probabilities, labels, resamples=2001) != expected
    assert calibration_error_bootstrap(probabilities, labels, seed=1) != expected
    assert calibration_error_bootstrap(probabilities, labels, resamples=1, bins=1, seed=0)["standard_error"] == 0.0


def test_perfectly_calibrated_error_against_its_protocol():
    probabilities, _ = predictions(count=30, seed=0)
    confidence = np.broadcast_to(probabilities.max(axis=1), (2000, len(probabilities)))
    right = (np.random.default_rng(0).random(confidence.shape) < confidence).astype(np.float64)
    errors = binned_calibration_errors(confidence, right, 10)
    expected = {"mean": round(float(errors.mean()), 4), "p95": round(float(np.percentile(errors, 95)), 4),
                "texts": 30}
    assert perfectly_calibrated_error(probabilities) == expected
    assert perfectly_calibrated_error(probabilities, draws=2001) != expected
    assert perfectly_calibrated_error(probabilities, seed=1) != expected
    assert perfectly_calibrated_error(probabilities, bins=1, draws=1)["texts"] == 30


def test_calibration_errors_of_subsets_against_its_protocol():
    probabilities, labels = predictions()
    confidence, right = right_and_confidence(probabilities, labels)
    generator = np.random.default_rng(0)
    rows = np.stack([generator.choice(300, 120, replace=False) for _ in range(200)])
    expected = binned_calibration_errors(confidence[rows], right[rows], 10)
    np.testing.assert_array_equal(calibration_errors_of_subsets(probabilities, labels, size=120), expected)
    assert len(calibration_errors_of_subsets(probabilities, labels, size=120, draws=1, bins=1)) == 1
    assert not np.array_equal(calibration_errors_of_subsets(probabilities, labels, size=120, seed=1), expected)


@pytest.mark.parametrize("function", [calibration_error_bootstrap, perfectly_calibrated_error,
                                      calibration_errors_of_subsets])
def test_the_noise_figures_refuse_bad_arguments_by_name(function):
    probabilities, labels = predictions(count=20)

    def call(**overrides):
        kwargs = {"probabilities": probabilities, **overrides}
        if function is not perfectly_calibrated_error:
            kwargs.setdefault("labels", labels)
        if function is calibration_errors_of_subsets:
            kwargs.setdefault("size", 10)
        probs = kwargs.pop("probabilities")
        rest = {k: v for k, v in kwargs.items() if k != "labels"}
        return function(probs, kwargs["labels"], **rest) if "labels" in kwargs else function(probs, **rest)

    with pytest.raises(InputError, match=r"^probabilities must"):
        call(probabilities=probabilities[:, :1])
    with pytest.raises(InputError, match=r"^bins must be"):
        call(bins=0)
    with pytest.raises(InputError, match=r"^seed must be"):
        call(seed=-1)
    count = "draws" if function is not calibration_error_bootstrap else "resamples"
    with pytest.raises(InputError, match=rf"^{count} must be"):
        call(**{count: 0})
    if function is not perfectly_calibrated_error:
        with pytest.raises(InputError, match=r"^labels must"):
            call(labels=labels[:-1])


def test_calibration_maps_name_each_bad_argument():
    with pytest.raises(InputError, match=r"^kind must be one of 'temperature', 'bias', 'power'"):
        mapped_logits("platt", {"temperature": 1.0}, np.zeros(2))
    with pytest.raises(InputError, match=r"^logits must be a \[texts\] array"):
        mapped_logits("temperature", {"temperature": 1.0}, np.zeros((2, 2)))
    with pytest.raises(InputError, match=r"^params\['temperature'\] must"):
        mapped_logits("temperature", {"temperature": -1.0}, np.zeros(2))
    with pytest.raises(InputError, match=r"^params\['power'\] must"):
        mapped_logits("power", {"temperature": 1.0, "power": 0.0}, np.zeros(2))  # zero refused, not just below
    with pytest.raises(InputError, match=r"^params\['bias'\] must"):
        mapped_logits("bias", {"temperature": 1.0, "bias": "0.5"}, np.zeros(2))
    with pytest.raises(InputError, match=r"^kind must be one of"):
        fit_calibration_map("platt", np.zeros(2), np.array([0, 1]))


def test_the_log_loss_reads_integer_logits_and_boolean_labels():
    assert binary_log_loss(np.array([0, 0]), np.array([True, False])) == pytest.approx(np.log(2))
    assert binary_log_loss(np.array([3, -3]), np.array([True, False])) == pytest.approx(np.log1p(np.exp(-3.0)))
