"""The fast path for small inputs (issue 20) and the checks of the exported signatures (issue 26, items 5-8).

The fast path answers one text, prefix or window in one graph call; these tests
hold it to the batched `keras.Model.predict` path (forced by setting the
switch-over points to zero), to one trace per model, and to the same checks
as the Python API. The exported signatures run the same graph bodies.
"""
import datetime

import keras
import numpy as np
import pytest
import tensorflow as tf

import seqzoo
from seqzoo.errors import InputError
from seqzoo.models import fast_path
from seqzoo.models.char_lm_preprocessor import MAX_PREFIX_CHARS

REVIEWS = ["This movie is absolutely fantastic!", "A dull, lifeless mess.", "", "   ",
           "Ünïcode façade 🙂", "a strangely moving film that grows on you " * 40]
PREFIXES = ["", "J", "Joh", "Mar", "Zzq", "é", "Johanna Maria " * 3]


@pytest.fixture(scope="module")
def classifiers():
    keras.utils.set_random_seed(0)
    texts = ["great film", "dull film", "great fun", "a dull mess", "moving and great"] * 4
    last = seqzoo.build("lstm", "text_classification", texts=texts, hidden_size=8, embedding_dim=8,
                        sequence_length=16, num_layers=2)
    pooled = seqzoo.build("gru", "text_classification", texts=texts, hidden_size=8, embedding_dim=8,
                          sequence_length=16, bidirectional=True, pooling="max_mean")
    return [last, pooled]


@pytest.fixture(scope="module")
def forecaster():
    return seqzoo.load("weather-gru")


def batched(monkeypatch):
    """Force the batched tf.data path: the switch-over points at zero."""
    for name in ("CLASSIFIER_FAST_PATH_MAX_TEXTS", "CHAR_LM_FAST_PATH_MAX_PREFIXES",
                 "FORECASTER_FAST_PATH_MAX_WINDOWS"):
        monkeypatch.setattr(fast_path, name, -1)


# === Same answers as the batched path ===
def test_classifier_fast_path_equals_the_batched_path(classifiers, monkeypatch):
    for model in classifiers:
        fast = model.predict(REVIEWS)
        singles = np.concatenate([model.predict([text]) for text in REVIEWS])
        with monkeypatch.context() as patch:
            batched(patch)
            slow = model.predict(REVIEWS)
        np.testing.assert_allclose(fast, slow, atol=1e-6)
        np.testing.assert_allclose(singles, slow, atol=1e-6)
        assert fast.dtype == np.float32 and fast.shape == (len(REVIEWS), 2)


def test_char_lm_fast_path_equals_the_batched_path(tiny_lm, monkeypatch):
    fast = tiny_lm.predict(PREFIXES)
    with monkeypatch.context() as patch:
        batched(patch)
        slow = tiny_lm.predict(PREFIXES)
    np.testing.assert_allclose(fast, slow, atol=1e-6)
    # predict_next: the k best of those probabilities, PAD and START excluded, best first.
    for i, prefix in enumerate(PREFIXES):
        probs = slow[i].copy()
        probs[[0, 2]] = 0.0
        best = np.argsort(-probs)[:3]
        answer = tiny_lm.predict_next(prefix, k=3)
        assert [c for c, _ in answer] == [tiny_lm._readable(j) for j in best]
        np.testing.assert_allclose([p for _, p in answer], probs[best], atol=1e-6)


def test_score_fast_path_equals_the_chunked_path(tiny_lm):
    texts = ["Maria", "John", "Johanna", "é", ""]
    fast = tiny_lm.score(texts)
    chunked = tiny_lm.score(texts, chunk_length=3, batch_size=2)  # Too long for one chunk: batched path.
    assert fast == pytest.approx(chunked, rel=1e-5)


def test_generation_prefill_equals_the_decoders(tiny_lm):
    logits, states = fast_path.char_lm_prefill(tiny_lm, "Joh", 3)
    ids = tf.repeat(tf.constant([[2] + tiny_lm.tokenizer.tokenize(["Joh"])[0].numpy().tolist()]), 3, axis=0)
    want_logits, want_states = tiny_lm.decoder.prefill(ids)
    np.testing.assert_allclose(logits.numpy(), want_logits.numpy(), atol=1e-6)
    for got, want in zip(tf.nest.flatten(states), tf.nest.flatten(want_states)):
        np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-6)


def test_python_detokenize_equals_the_tokenizers(tiny_lm):
    rows = np.array([[4, 5, 6, 3, 7], [1, 0, 2, 8, 9], [3, 4, 4, 4, 4], [9, 9, 9, 9, 500]])
    cut = [r[: list(r).index(3)] if 3 in r else r for r in rows.tolist()]
    assert fast_path.char_lm_detokenize(tiny_lm, rows) == [tiny_lm.tokenizer.detokenize([r])[0] for r in cut]


def test_forecaster_fast_path_equals_the_batched_path(forecaster, monkeypatch):
    rng = np.random.default_rng(0)
    windows = rng.normal(5, 3, (5, forecaster.window, len(forecaster.input_columns))).astype("float32")
    fast = forecaster.predict(windows)
    with monkeypatch.context() as patch:
        batched(patch)
        slow = forecaster.predict(windows)
    np.testing.assert_allclose(fast, slow, atol=1e-5)
    history = forecaster.card.extra["example_history"]
    eager = forecaster(forecaster.reader.windows(history)[-1:], training=False).numpy()[0]
    first = forecaster.forecast(history, horizon=1)
    row = first.iloc[0] if hasattr(first, "iloc") else first[0]
    np.testing.assert_allclose([row[t] for t in forecaster.target_names], eager, atol=1e-5)


# === One trace, bucketed lengths, fresh graphs when the model changes ===
def test_each_fast_function_is_traced_once(classifiers, tiny_lm, forecaster):
    model = classifiers[0]
    for texts in (["a"], ["great film"] * 3, REVIEWS, ["dull " * 100], []):
        model.predict(texts)
    for prefixes in (["J"], PREFIXES, ["x" * 300]):
        tiny_lm.predict(prefixes)
        tiny_lm.predict_next(prefixes[0])
    for n in (1, 4, 2):
        forecaster.predict(np.zeros((n, forecaster.window, len(forecaster.input_columns)), "float32"))
    fast_lm = fast_path.fast_path(tiny_lm)
    # One graph for one item (fused LSTM kernel), one for more; each traced once.
    for function, one, many in ((fast_path.fast_path(model).probabilities, 1, 1),
                                (fast_lm.next_probabilities, 1, 1), (fast_lm.top_next, 1, 0),
                                (fast_path.fast_path(forecaster).forecast, 1, 1)):
        assert function.one.experimental_get_tracing_count() == one
        assert function.many.experimental_get_tracing_count() == many
        assert function.experimental_get_tracing_count() == one + many


def test_traced_once_flat_call_equals_the_concrete_function_and_checks_its_inputs():
    double = fast_path.TracedOnce(lambda x, n: 2.0 * x + tf.cast(n, tf.float32),
                                  [tf.TensorSpec([None], tf.float32), tf.TensorSpec([], tf.int32)])
    values = np.array([1.5, -2.0], "float32")
    np.testing.assert_array_equal(double(values, 3).numpy(), [6.0, -1.0])
    concrete = double.function.get_concrete_function()
    np.testing.assert_array_equal(double(values, 3).numpy(), concrete(tf.constant(values), tf.constant(3)).numpy())
    with pytest.raises(InputError, match=r"must be float32 of shape \(None,\), got float32 of shape \(2, 2\)"):
        double(np.zeros((2, 2), "float32"), 3)
    with pytest.raises(InputError, match="must be int32 of shape"):
        double(values, 2.5)
    assert double.experimental_get_tracing_count() == 1


def test_one_item_graphs_use_the_fused_kernel_and_larger_batches_the_loop(classifiers):
    model = classifiers[0]
    fast_path._CACHE.pop(model, None)  # Fresh graphs, whatever ran before.
    model.predict(["a fine film"])
    model.predict(["a fine film", "dull"])
    probabilities = fast_path.fast_path(model).probabilities

    def ops(traced):
        return {op.type for op in traced._concrete.graph.get_operations()}

    assert "BlockLSTMV2" in ops(probabilities.one)  # classifiers[0] is a 2-layer LSTM.
    assert "BlockLSTMV2" not in ops(probabilities.many)


def test_bucket_lengths():
    assert [int(fast_path.bucket_length(tf.constant(n))) for n in (0, 1, 4, 5, 8, 9, 100, 2048, 2049, 5000)] == [
        4, 4, 4, 8, 8, 16, 128, 2048, 4096, 6144]
    assert int(fast_path.bucket_length(tf.constant(20), (8, 16, 24))) == 24


def test_temperature_change_reaches_the_fast_path(classifiers):
    model = classifiers[0]
    before = model.predict(REVIEWS[:2])
    model.temperature = 0.5
    try:
        sharper = model.predict(REVIEWS[:2])
    finally:
        model.temperature = 1.0
    logits = np.log(before)
    want = np.exp(logits / 0.5) / np.exp(logits / 0.5).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(sharper, want, atol=1e-5)


def test_large_batches_take_the_batched_path(classifiers, monkeypatch):
    model = classifiers[0]
    calls = []
    monkeypatch.setattr(fast_path, "CLASSIFIER_FAST_PATH_MAX_TEXTS", 2)
    original = keras.Model.predict
    monkeypatch.setattr(keras.Model, "predict", lambda *a, **k: calls.append(1) or original(*a, **k))
    model.predict(REVIEWS[:2])
    assert not calls
    model.predict(REVIEWS[:3])
    assert calls


def test_prefix_longer_than_the_maximum_is_refused(tiny_lm):
    with pytest.raises(InputError, match="at most 10,000"):
        tiny_lm.predict_next("a" * (MAX_PREFIX_CHARS + 1))
    with pytest.raises(InputError, match="at most 10,000"):
        tiny_lm.predict(["ok", "a" * (MAX_PREFIX_CHARS + 1)])
    with pytest.raises(InputError, match="prompt"):
        tiny_lm.generate("a" * (MAX_PREFIX_CHARS + 1), max_length=1)
    assert len(tiny_lm.predict_next("a" * MAX_PREFIX_CHARS)) == 5


# === Exported signatures (issue 26, items 5-8) ===
@pytest.fixture(scope="module")
def served(tmp_path_factory, tiny_lm, classifiers, forecaster):
    """Each task exported as a SavedModel and loaded back: its signatures."""
    root = tmp_path_factory.mktemp("served")
    out = {}
    for task, model in (("char_lm", tiny_lm), ("classifier", classifiers[0]), ("forecaster", forecaster)):
        out[task] = tf.saved_model.load(str(model.export_saved_model(root / task))).signatures
    return out


def dates_from(start: str, days: int) -> list[str]:
    first = datetime.date.fromisoformat(start)
    return [(first + datetime.timedelta(days=i)).isoformat() for i in range(days)]


def test_exported_forecaster_refuses_a_window_of_the_wrong_length(served, forecaster):
    serve = served["forecaster"]["serving_default"]
    features = np.full((1, forecaster.window, 4), 5.0, "float32")
    dates = [dates_from("2015-06-01", forecaster.window)]
    assert serve(features=tf.constant(features), dates=tf.constant(dates))["forecast"].shape == (1, 2)
    for rows in (forecaster.window - 2, forecaster.window + 1):
        with pytest.raises(tf.errors.InvalidArgumentError, match=f"exactly {forecaster.window} rows"):
            serve(features=tf.constant(features[:, :1].repeat(rows, axis=1)),
                  dates=tf.constant([dates_from("2015-06-01", rows)]))


@pytest.mark.parametrize("bad", ["2015-13-45", "2015-02-31", "2015-02-29", "1900-02-29", "2015-04-31",
                                 "2015-00-10", "2015-06-00", "0000-01-01", "2015-6-1", "June 1st"])
def test_exported_forecaster_refuses_impossible_dates(served, forecaster, bad):
    serve = served["forecaster"]["serving_default"]
    dates = dates_from("2015-06-01", forecaster.window)
    dates[3] = bad
    with pytest.raises(tf.errors.InvalidArgumentError, match="real calendar dates|ISO dates"):
        serve(features=tf.fill([1, forecaster.window, 4], 5.0), dates=tf.constant([dates]))


def test_exported_forecaster_reads_leap_days_and_day_of_year_like_python(served, forecaster):
    from seqzoo.export.forecaster_signatures import day_of_year

    days = [datetime.date(year, 1, 1) + datetime.timedelta(days=d)
            for year in (1900, 2000, 2015, 2016) for d in range(27, 65)]
    got = day_of_year(tf.constant([d.isoformat() for d in days])).numpy().tolist()
    assert got == [d.timetuple().tm_yday - 1 for d in days]
    # A window across 29 February 2016 is served, and equals the Python forecast.
    history = {"date": dates_from("2016-02-25", forecaster.window)}
    for i, name in enumerate(forecaster.feature_names):
        history[name] = [float(i + j) for j in range(forecaster.window)]
    features = np.array([history[n] for n in forecaster.feature_names], "float32").T[None]
    served_forecast = served["forecaster"]["serving_default"](
        features=tf.constant(features), dates=tf.constant([history["date"]]))["forecast"].numpy()
    np.testing.assert_allclose(served_forecast, forecaster.predict(history), atol=1e-5)


def test_exported_predict_next_caps_the_prefix_length(served):
    serve = served["char_lm"]["predict_next"]
    assert serve(prefix=tf.constant(["a" * MAX_PREFIX_CHARS]))["characters"].shape == (1, 5)
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 10000 characters"):
        serve(prefix=tf.constant(["Joh", "a" * (MAX_PREFIX_CHARS + 1)]))
    generate = served["char_lm"]["generate"]
    with pytest.raises(tf.errors.InvalidArgumentError, match="at most 10000 characters"):
        generate(prompt=tf.constant("a" * (MAX_PREFIX_CHARS + 1)), max_length=tf.constant(1),
                 temperature=tf.constant(1.0), seed=tf.constant(0, tf.int64))


def test_exported_signatures_answer_an_empty_batch_with_empty_results(served, forecaster):
    out = served["char_lm"]["predict_next"](prefix=tf.constant([], tf.string))
    assert out["characters"].shape == (0, 5) and out["probabilities"].shape == (0, 5)
    out = served["classifier"]["serving_default"](texts=tf.constant([], tf.string))
    assert out["probabilities"].shape == (0, 2) and out["label"].shape == (0,)
    out = served["forecaster"]["serving_default"](features=tf.zeros([0, forecaster.window, 4]),
                                                   dates=tf.zeros([0, forecaster.window], tf.string))
    assert out["forecast"].shape == (0, 2)


def test_exported_signatures_serve_the_fast_paths_answers(served, tiny_lm, classifiers):
    out = served["char_lm"]["predict_next"](prefix=tf.constant(PREFIXES))
    for i, prefix in enumerate(PREFIXES):
        want = tiny_lm.predict_next(prefix)
        assert [c.decode() for c in out["characters"].numpy()[i]] == [c for c, _ in want]
        np.testing.assert_allclose(out["probabilities"].numpy()[i], [p for _, p in want], atol=1e-6)
    probs = served["classifier"]["serving_default"](texts=tf.constant(REVIEWS))["probabilities"].numpy()
    np.testing.assert_allclose(probs, classifiers[0].predict(REVIEWS), atol=1e-6)
