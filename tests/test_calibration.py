"""Temperature calibration of text classifiers: the layer, the fit, the error measure, save and load."""
import json

import numpy as np
import pytest

import seqzoo
from seqzoo.config_safety import check_config
from seqzoo.errors import InputError
from seqzoo.models.calibration import (
    Temperature, chunk_probabilities, expected_calibration_error, fit_temperature,
)

TEXTS = ["good film", "bad film", "dull plot", "good plot", "great good film", "bad dull"]
LABELS = [1, 0, 0, 1, 1, 0]


@pytest.fixture()
def classifier():
    import keras

    keras.utils.set_random_seed(0)
    model = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=6, embedding_dim=4)
    model.fit(TEXTS * 4, LABELS * 4, epochs=3, batch_size=8, verbose=0)
    return model


def _log_odds(probs):
    return np.log(probs[:, 1] / probs[:, 0])


def test_the_layer_divides_at_inference_only():
    logits = np.array([[1.0, -2.0]], "float32")
    layer = Temperature(0.5)
    np.testing.assert_allclose(layer(logits, training=False), [[2.0, -4.0]])
    np.testing.assert_array_equal(layer(logits, training=True), logits)
    assert Temperature.from_config(layer.get_config()).temperature == 0.5


@pytest.mark.parametrize("bad", [0, -1.0, float("nan"), float("inf"), True, "1", None])
def test_bad_temperatures_are_refused(bad, classifier):
    with pytest.raises(InputError, match="temperature"):
        Temperature(bad)
    with pytest.raises(InputError, match="temperature"):
        classifier.temperature = bad


def test_expected_calibration_error_by_hand():
    probs = np.array([[0.9, 0.1], [0.6, 0.4], [0.2, 0.8], [0.55, 0.45]])
    labels = np.array([0, 1, 1, 0])
    # Bin 0.9: right, |0.9 - 1|; bin 0.6: wrong, |0.6 - 0|; bin 0.8: right, |0.8 - 1|; bin 0.5: right, |0.55 - 1|.
    assert expected_calibration_error(probs, labels) == pytest.approx((0.1 + 0.6 + 0.2 + 0.45) / 4)


def test_fit_recovers_the_temperature_of_an_under_confident_model():
    rng = np.random.default_rng(0)
    true_logits = rng.normal(0, 2.5, (20_000, 2))
    true_probs = np.exp(true_logits) / np.exp(true_logits).sum(axis=1, keepdims=True)
    labels = (rng.random(20_000) < true_probs[:, 1]).astype(int)
    model_logits = true_logits * 0.6  # Under-confident: the right temperature is 0.6.
    ones = np.ones(20_000)
    temperature = fit_temperature(model_logits, np.arange(20_000), ones, labels)
    assert temperature == pytest.approx(0.6, rel=0.05)
    before = chunk_probabilities(model_logits, np.arange(20_000), ones, 20_000)
    after = chunk_probabilities(model_logits, np.arange(20_000), ones, 20_000, temperature)
    assert expected_calibration_error(after, labels) < expected_calibration_error(before, labels) / 3


def test_temperature_changes_how_sure_not_what(classifier):
    plain = classifier.predict(TEXTS)  # Traces predict with temperature 1.
    classifier.temperature = 0.5
    sharp = classifier.predict(TEXTS)
    np.testing.assert_array_equal(sharp.argmax(axis=1), plain.argmax(axis=1))
    np.testing.assert_allclose(_log_odds(sharp), 2 * _log_odds(plain), rtol=1e-4, atol=1e-5)
    ids, _, _ = classifier.preprocessor.chunks(TEXTS)
    training_logits = classifier(ids, training=True)  # What fit sees: the plain logits.
    classifier.temperature = 1.0
    np.testing.assert_allclose(training_logits, classifier(ids, training=False), rtol=1e-5, atol=1e-6)


def test_calibrate_lowers_the_held_out_nll_and_checks_its_input(classifier):
    rows = np.arange(len(TEXTS))

    def nll():
        return -np.mean(np.log(classifier.predict(TEXTS)[rows, LABELS]))

    before = nll()
    temperature = classifier.calibrate(TEXTS, ["positive" if y else "negative" for y in LABELS])
    assert classifier.temperature == temperature != 1.0
    assert nll() < before
    classifier.temperature = 3.0  # Calibrating again starts from the plain logits, not the current ones.
    assert classifier.calibrate(TEXTS, LABELS) == pytest.approx(temperature, rel=0.02)
    with pytest.raises(InputError, match="labels"):
        classifier.calibrate(TEXTS, LABELS[:2])
    with pytest.raises(InputError, match="at least one"):
        classifier.calibrate([], [])


def test_a_calibrated_preset_saves_loads_and_new_heads_start_uncalibrated(classifier, tmp_path):
    classifier.temperature = 0.7
    classifier.save_preset(tmp_path / "calibrated")
    config = json.loads((tmp_path / "calibrated" / "config.json").read_text())
    check_config(config, source="config.json")
    again = seqzoo.load(tmp_path / "calibrated")
    assert again.temperature == 0.7
    np.testing.assert_allclose(again.predict(TEXTS), classifier.predict(TEXTS), rtol=1e-6, atol=1e-7)
    assert again.with_new_head(num_classes=3).temperature == 1.0
    classifier.temperature = 1.0
    classifier.save_preset(tmp_path / "plain")
    assert "temperature" not in (tmp_path / "plain" / "config.json").read_text()


def test_calibrating_on_texts_that_cannot_say_how_sure_warns(classifier):
    import warnings

    from seqzoo.errors import SeqzooWarning
    from seqzoo.models.calibration import TEMPERATURES

    classifier.temperature = 1.0
    predicted = classifier.predict(TEXTS).argmax(axis=1)
    with pytest.warns(SeqzooWarning, match=r"edge of the range searched \(0.05-20\): 3 held-out texts that the "
                                            r"model gets all right cannot calibrate"):
        assert classifier.calibrate(TEXTS[:3], predicted[:3]) == TEMPERATURES[0]
    with pytest.warns(SeqzooWarning, match="4 held-out texts that the model reads no better than chance"):
        assert classifier.calibrate(TEXTS[:4], 1 - predicted[:4]) == TEMPERATURES[-1]
    with warnings.catch_warnings():
        warnings.simplefilter("error", SeqzooWarning)
        mixed = predicted.copy()
        mixed[[1, 4]] = 1 - mixed[[1, 4]]  # four right, two wrong: a temperature inside the range
        assert TEMPERATURES[0] < classifier.calibrate(TEXTS, mixed) < TEMPERATURES[-1]
    classifier.temperature = 1.0
