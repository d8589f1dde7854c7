"""Calibration maps beyond one temperature: each fit recovers the map that made its labels."""
from __future__ import annotations

import numpy as np
import pytest

from seqzoo.errors import SeqzooError
from seqzoo.recipes.calibration_maps import BIASES, MAPS, POWERS, binary_log_loss, fit_calibration_map, mapped_logits
from seqzoo.models.calibration import TEMPERATURES


def drawn(true_logits, seed=0):
    """0/1 labels drawn with P(positive) = sigmoid(true_logits)."""
    rng = np.random.default_rng(seed)
    return (rng.random(len(true_logits)) < 1 / (1 + np.exp(-true_logits))).astype(int)


def test_each_map_transforms_the_logits_as_its_formula_says():
    z = np.array([-4.0, -1.0, 0.0, 0.25, 9.0])
    np.testing.assert_allclose(mapped_logits("temperature", {"temperature": 2.0}, z), z / 2)
    np.testing.assert_allclose(mapped_logits("bias", {"temperature": 2.0, "bias": -0.5}, z), z / 2 - 0.5)
    np.testing.assert_allclose(mapped_logits("power", {"temperature": 2.0, "power": 0.5}, z),
                               [-1.0, -0.5, 0.0, 0.25, 1.5])
    assert MAPS == ("temperature", "bias", "power")


def test_the_log_loss_is_the_mean_binary_cross_entropy():
    z, y = np.array([0.0, 2.0, -1.0]), np.array([1, 1, 1])
    expected = -np.mean(np.log(1 / (1 + np.exp(-z))))
    assert binary_log_loss(z, y) == pytest.approx(expected, rel=1e-12)
    assert binary_log_loss(z, 1 - y) == pytest.approx(-np.mean(np.log(1 / (1 + np.exp(z)))), rel=1e-12)


@pytest.mark.parametrize("kind, truth", [("temperature", {"temperature": 2.0}),
                                         ("bias", {"temperature": 0.8, "bias": 0.6}),
                                         ("power", {"temperature": 1.5, "power": 1.6})])
def test_a_fit_recovers_the_map_that_made_the_labels(kind, truth):
    rng = np.random.default_rng(1)
    true_logits = rng.normal(0.0, 2.0, 40_000)
    # The model's logits are what the inverse map makes of the true ones.
    if kind == "power":
        observed = np.sign(true_logits) * (np.abs(true_logits) * truth["temperature"]) ** (1 / truth["power"])
    elif kind == "bias":
        observed = (true_logits - truth["bias"]) * truth["temperature"]
    else:
        observed = true_logits * truth["temperature"]
    fitted = fit_calibration_map(kind, observed, drawn(true_logits))
    assert set(fitted) == set(truth)
    assert fitted["temperature"] in TEMPERATURES  # each parameter is searched on its own grid
    if kind != "temperature":
        assert fitted[kind] in (BIASES if kind == "bias" else POWERS)
        assert fitted[kind] not in (POWERS if kind == "bias" else BIASES)
    for name, value in truth.items():
        assert fitted[name] == pytest.approx(value, rel=0.06, abs=0.05), (name, fitted)


def test_the_fit_finds_the_grids_best_point():
    rng = np.random.default_rng(2)
    true_logits = rng.normal(0.3, 1.5, 3_000)
    observed = np.sign(true_logits) * np.abs(true_logits) ** 0.7 * 1.3
    labels = drawn(true_logits, seed=3)
    for kind, grid in (("bias", BIASES[::8]), ("power", POWERS[::7])):
        fitted = fit_calibration_map(kind, observed, labels)
        fitted_loss = binary_log_loss(mapped_logits(kind, fitted, observed), labels)
        brute = min(binary_log_loss(mapped_logits(kind, {"temperature": t, kind: v}, observed), labels)
                    for v in grid for t in TEMPERATURES[::4])
        assert fitted_loss <= brute + 1e-9
        temperature_only = fit_calibration_map("temperature", observed, labels)
        assert fitted_loss <= binary_log_loss(mapped_logits("temperature", temperature_only, observed), labels)


def test_a_power_of_one_and_a_bias_of_zero_are_a_temperature():
    rng = np.random.default_rng(4)
    true_logits = rng.normal(0.0, 2.0, 20_000)
    labels = drawn(true_logits, seed=5)
    temperature = fit_calibration_map("temperature", 1.7 * true_logits, labels)["temperature"]
    assert temperature == pytest.approx(1.7, rel=0.05)
    power = fit_calibration_map("power", 1.7 * true_logits, labels)
    assert power["power"] == pytest.approx(1.0, abs=0.04)
    bias = fit_calibration_map("bias", 1.7 * true_logits, labels)
    assert abs(bias["bias"]) <= 0.05


def test_an_unknown_map_is_refused_with_the_choices():
    with pytest.raises(SeqzooError, match="kind must be one of"):
        fit_calibration_map("isotonic", np.zeros(3), np.zeros(3))
    with pytest.raises(SeqzooError, match="power"):
        mapped_logits("platt", {"temperature": 1.0}, np.zeros(3))


def test_bad_logits_labels_and_params_are_refused_by_name():
    with pytest.raises(SeqzooError, match="logits must hold finite numbers; 1 of 3"):
        fit_calibration_map("bias", np.array([0.0, np.inf, 1.0]), np.array([0, 1, 1]))
    with pytest.raises(SeqzooError, match=r"logits must be a \[texts\] array"):
        fit_calibration_map("power", np.zeros((2, 2)), np.array([0, 1]))
    with pytest.raises(SeqzooError, match="labels must hold one label per text"):
        fit_calibration_map("temperature", np.zeros(3), np.array([0, 1]))
    with pytest.raises(SeqzooError, match="labels must be class indices from 0 to 1"):
        fit_calibration_map("temperature", np.zeros(2), np.array([0, 2]))
    with pytest.raises(SeqzooError, match="a dict with power, temperature"):
        mapped_logits("power", {"temperature": 1.0}, np.zeros(2))
    with pytest.raises(SeqzooError, match=r"params\['temperature'\]"):
        mapped_logits("temperature", {"temperature": 0.0}, np.zeros(2))
    with pytest.raises(SeqzooError, match=r"params\['power'\]"):
        mapped_logits("power", {"temperature": 1.0, "power": -1.0}, np.zeros(2))
    with pytest.raises(SeqzooError, match=r"params\['bias'\]"):
        mapped_logits("bias", {"temperature": 1.0, "bias": float("nan")}, np.zeros(2))
