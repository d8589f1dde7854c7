"""The serving modules of `seqzoo.export`, called in this process (no SavedModel written): fast.

`tests/test_export.py` checks the written SavedModels in a TensorFlow-only
process; here each signature's answers, checks and messages are pinned against
the Python API, so that a one-line change of a `*_signatures.py` module fails.
"""
import datetime

import keras
import numpy as np
import pytest
import tensorflow as tf

import seqzoo
from seqzoo.export.char_lm_signatures import SEED_MODULUS, CharLMServing
from seqzoo.export.classifier_signatures import TextClassifierServing
from seqzoo.export.forecaster_signatures import ForecasterServing, day_of_year
from seqzoo.models.char_lm_preprocessor import MAX_PREFIX_CHARS

TEXTS = ["great fun", "a dull mess", "", "moving and great " * 12]


@pytest.fixture(scope="module")
def classifier():
    keras.utils.set_random_seed(0)
    texts = ["great film", "dull film", "great fun", "a dull mess", "moving and great"] * 4
    model = seqzoo.build("lstm", "text_classification", texts=texts, labels=["pos", "neg"], hidden_size=8,
                         embedding_dim=8, sequence_length=8)
    return model  # Untrained: random weights answer as well as trained ones for these checks.


@pytest.fixture(scope="module")
def tiny_lm():
    """An untrained two-layer LSTM char LM: random weights are enough, and mutation runs rebuild it per mutant."""
    keras.utils.set_random_seed(1)
    names = ["John", "Johanna", "Mary", "Maria", "Marie", "Anna", "Hannah", "Jonas"]
    return seqzoo.build("lstm", "char_lm", texts=names, hidden_size=16, embedding_dim=8, num_layers=2)


@pytest.fixture(scope="module")
def forecaster():
    return seqzoo.load("weather-gru")


# === Text classifier ===
def test_classifier_serving_answers_as_predict_and_classify(classifier):
    module = TextClassifierServing(classifier)
    out = module.serving_default(tf.constant(TEXTS))
    np.testing.assert_allclose(out["probabilities"].numpy(), classifier.predict(TEXTS), atol=1e-5)
    labels = [label.decode() for label in out["label"].numpy()]
    assert labels == [label for label, _ in classifier.classify(TEXTS)]
    assert set(labels) <= {"pos", "neg"} and module._labels.numpy().tolist() == [b"pos", b"neg"]
    assert module.sequence_length == 8 and module.word_table is classifier.preprocessor.tokenizer._lookup
    assert list(module.signatures()) == ["serving_default"]
    empty = module.serving_default(tf.constant([], tf.string))
    assert empty["probabilities"].shape == (0, 2) and empty["label"].shape == (0,)


# === Char LM ===
def test_char_lm_predict_next_answers_as_the_python_api(tiny_lm):
    module = CharLMServing(tiny_lm, top_k=3)
    assert sorted(module.signatures()) == ["generate", "predict_next"]
    out = module.predict_next(tf.constant(["Jo", ""]))
    for row, prefix in enumerate(["Jo", ""]):
        want = tiny_lm.predict_next(prefix, k=3)
        assert [c.decode() for c in out["characters"].numpy()[row]] == [c for c, _ in want]
        np.testing.assert_allclose(out["probabilities"].numpy()[row], [p for _, p in want], atol=1e-5)
    empty = module.predict_next(tf.constant([], tf.string))
    assert empty["characters"].shape == (0, 3) and empty["probabilities"].shape == (0, 3)


def test_char_lm_top_k_is_clamped_to_one_and_to_the_vocabulary(tiny_lm):
    vocabulary = tiny_lm.tokenizer.vocabulary_size
    assert CharLMServing(tiny_lm, top_k=0).top_k == 1
    assert CharLMServing(tiny_lm, top_k=vocabulary).top_k == vocabulary
    assert CharLMServing(tiny_lm, top_k=vocabulary + 5).top_k == vocabulary
    assert CharLMServing(tiny_lm).top_k == 5


def test_char_lm_readable_tokens_name_the_end_marker(tiny_lm):
    from seqzoo.layers.tokenizer import END_ID, SPECIAL_TOKENS

    readable = [t.decode() for t in CharLMServing(tiny_lm)._readable.numpy()]
    assert readable[END_ID] == "<end>"
    assert readable[4:] == list(tiny_lm.tokenizer.vocabulary)
    assert [t for i, t in enumerate(readable[:4]) if i != END_ID] == [t for i, t in enumerate(SPECIAL_TOKENS)
                                                                        if i != END_ID]


def test_char_lm_refuses_a_prefix_or_prompt_that_is_too_long(tiny_lm):
    module = CharLMServing(tiny_lm)
    longest = "a" * MAX_PREFIX_CHARS
    module.predict_next(tf.constant([longest]))  # At the limit: answered.
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"each prefix may have at most {MAX_PREFIX_CHARS}"):
        module.predict_next(tf.constant([longest + "a"]))
    with pytest.raises(tf.errors.InvalidArgumentError, match=f"each prompt may have at most {MAX_PREFIX_CHARS}"):
        module.generate(tf.constant(longest + "a"), tf.constant(3), tf.constant(1.0), tf.constant(0, tf.int64))


def _generate(module, prompt, length, temperature, seed):
    out = module.generate(tf.constant(prompt), tf.constant(length, tf.int32), tf.constant(temperature, tf.float32),
                          tf.constant(seed, tf.int64))
    return out["text"].numpy().decode()


def test_char_lm_generate_gives_the_python_text_for_the_same_seed(tiny_lm):
    module = CharLMServing(tiny_lm)
    for prompt, temperature, seed in (("Ma", 1.0, 3), ("", 1.5, 11), ("Jo", 0.0, 0)):
        assert _generate(module, prompt, 12, temperature, seed) == tiny_lm.generate(
            prompt, max_length=12, temperature=temperature, seed=seed)
    # Seeds are reduced modulo 2**31 - 1, as CharLM.generate reduces them.
    assert _generate(module, "Ma", 12, 1.0, SEED_MODULUS + 4) == _generate(module, "Ma", 12, 1.0, 4)
    assert SEED_MODULUS == 2**31 - 1
    assert _generate(module, "Ma", 0, 1.0, 4) == "Ma"  # Nothing to add: the prompt alone.


def test_char_lm_generate_refuses_negative_length_and_temperature(tiny_lm):
    module = CharLMServing(tiny_lm)
    with pytest.raises(tf.errors.InvalidArgumentError, match="max_length must be >= 0"):
        _generate(module, "Ma", -1, 1.0, 0)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"temperature must be >= 0 \(0 is greedy\)"):
        _generate(module, "Ma", 5, -0.5, 0)


# === Forecaster ===
def _window(forecaster, start="2015-06-01"):
    history = forecaster.card.extra["example_history"]
    features = np.array([[row[c] for c in forecaster.reader.feature_names] for row in history[-7:]], "float32")
    first = datetime.date.fromisoformat(start)
    dates = [(first + datetime.timedelta(days=d)).isoformat() for d in range(7)]
    return features, dates


def test_forecaster_serving_answers_as_forecast(forecaster):
    module = ForecasterServing(forecaster)
    assert list(module.signatures()) == ["serving_default"]
    assert module.window == 7 and module.num_features == 4 and module.season
    features, dates = _window(forecaster)
    served = module.serving_default(features=tf.constant(features[None]), dates=tf.constant([dates]))
    frame = {name: features[:, i] for i, name in enumerate(forecaster.reader.feature_names)}
    import pandas as pd

    history = pd.DataFrame({"date": dates, **frame})
    want = forecaster.forecast(history, horizon=1)
    row = want.iloc[0]
    np.testing.assert_allclose(served["forecast"].numpy()[0], [row[t] for t in forecaster.target_names], atol=1e-4)


def test_forecaster_serving_refuses_bad_windows_with_their_message(forecaster):
    module = ForecasterServing(forecaster)
    features, dates = _window(forecaster)

    # A loaded SavedModel's caller may send any shape: the graph's own checks, under a loose signature.
    loose = tf.function(module._forecast_with_dates, input_signature=[
        tf.TensorSpec([None, None, None], tf.float32), tf.TensorSpec([None, None], tf.string)])

    def serve(f, d):
        return loose(tf.constant(f, tf.float32), tf.constant(d))

    with pytest.raises(tf.errors.InvalidArgumentError, match="features must hold windows of exactly 7 rows"):
        serve(features[None, 1:], [dates[1:]])
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match="features must have 4 columns: precipitation, temp_max, temp_min, wind"):
        serve(features[None, :, :3], [dates])
    bad = features.copy()
    bad[2, 1] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match="features hold NaN or infinite values"):
        serve(bad[None], [dates])
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"dates must be \[N, 7\]: one date per row"):
        serve(features[None], [dates[:6] + ["2015-06-07", "2015-06-08"]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="dates must be ISO dates YYYY-MM-DD; got.*15-06-07"):
        serve(features[None], [dates[:6] + ["15-06-07"]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="dates must be real calendar dates; got.*2015-02-29"):
        serve(features[None], [dates[:6] + ["2015-02-29"]])
    empty = module.serving_default(features=tf.zeros([0, 7, 4]), dates=tf.zeros([0, 7], tf.string))
    assert empty["forecast"].shape == (0, 2)


@pytest.mark.parametrize("date", ["2015-13-01", "2015-00-10", "2015-04-31", "2015-02-29", "1900-02-29",
                                  "0000-01-01", "2015-01-00", "2015-01-32"])
def test_impossible_dates_are_refused(date):
    with pytest.raises(tf.errors.InvalidArgumentError, match="real calendar dates"):
        day_of_year(tf.constant([date]))


def test_day_of_year_reads_times_and_the_last_days_of_each_month():
    dates = [datetime.date(year, month, 1) - datetime.timedelta(days=1)
             for year in (2015, 2016, 2000) for month in range(2, 13)]
    dates += [datetime.date(2016, 2, 29), datetime.date(2000, 2, 29), datetime.date(2400, 12, 31)]
    ours = day_of_year(tf.constant([d.isoformat() for d in dates])).numpy().tolist()
    assert ours == [d.timetuple().tm_yday - 1 for d in dates]
    assert day_of_year(tf.constant(["2016-03-01T12:00", "2016-03-01 23:59", "0001-01-01"])).numpy().tolist() == [
        60, 60, 0]


# === What a serving client sees: module names, input names and shapes, messages ===
def test_serving_modules_name_their_variables_scope(classifier, tiny_lm, forecaster):
    assert TextClassifierServing(classifier).name == "text_classifier_serving"
    lm = CharLMServing(tiny_lm)
    assert lm.name == "char_lm_serving"
    assert lm.char_table is tiny_lm.tokenizer._lookup  # Tracked by the module, so the SavedModel has it.
    assert ForecasterServing(forecaster).name == "forecaster_serving"


def _inputs(concrete):
    """name -> (dtype, shape) of a concrete function's inputs, as `saved_model_cli show` lists them."""
    args, _ = concrete.structured_input_signature
    return {spec.name: (spec.dtype, spec.shape.as_list() if spec.shape.rank is not None else None) for spec in args}


def test_forecaster_signature_names_and_shapes_its_inputs(forecaster):
    concrete = ForecasterServing(forecaster).signatures()["serving_default"]
    assert _inputs(concrete) == {"features": (tf.float32, [None, 7, 4]), "dates": (tf.string, [None, 7])}
    assert [t.name for t in concrete.inputs[:2]] == ["features:0", "dates:0"]  # Then the captured tensors.


def test_forecaster_without_season_serves_features_alone():
    keras.utils.set_random_seed(2)
    model = seqzoo.build("gru", "forecasting", feature_names=["price", "volume"], target_names=["price"], window=3,
                         season=False, hidden_size=4)
    rows = {"date": [f"2009-01-{d:02d}" for d in range(1, 11)], "price": [float(v) for v in range(10)],
            "volume": [float(v % 3) for v in range(10)]}
    model.adapt(rows)
    module = ForecasterServing(model)
    assert not module.season and module.window == 3 and module.num_features == 2
    concrete = module.signatures()["serving_default"]
    assert _inputs(concrete) == {"features": (tf.float32, [None, 3, 2])}
    window = np.array([[7.0, 1.0], [8.0, 2.0], [9.0, 0.0]], "float32")
    served = module.serving_default(tf.constant(window[None]))
    assert list(served) == ["forecast"]
    want = model.forecast({key: values[-3:] for key, values in rows.items()}, horizon=1)
    first = want.iloc[0] if hasattr(want, "iloc") else want[0]
    np.testing.assert_allclose(served["forecast"].numpy()[0], [first["price"]], atol=1e-4)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\bfeatures hold NaN or infinite values : Tensor"):
        module.serving_default(tf.constant([[[1.0, 1.0], [np.inf, 1.0], [2.0, 1.0]]]))
    with pytest.raises((ValueError, TypeError)):
        module.serving_default(tf.zeros([1, 4, 2]))  # The signature's shape refuses another window.


def test_forecaster_date_messages_name_the_first_bad_date_exactly(forecaster):
    module = ForecasterServing(forecaster)
    features, dates = _window(forecaster)
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"\[dates must be ISO dates YYYY-MM-DD; got\] \[15-06-07\]"):
        module.serving_default(features=tf.constant(features[None]), dates=tf.constant([dates[:6] + ["15-06-07"]]))
    with pytest.raises(tf.errors.InvalidArgumentError,
                       match=r"\[dates must be real calendar dates; got\] \[2015-02-29\]"):
        module.serving_default(features=tf.constant(features[None]),
                               dates=tf.constant([dates[:6] + ["2015-02-29"]]))
    bad = features.copy()
    bad[0, 0] = np.nan
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"\bfeatures hold NaN or infinite values : Tensor"):
        module.serving_default(features=tf.constant(bad[None]), dates=tf.constant([dates]))
