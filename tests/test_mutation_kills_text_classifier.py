"""text_classifier: exact results, defaults and error messages of every method, so its mutants fail a test."""
import re
import types

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqzoo.datasets import embeddings as embeddings_module
from seqzoo.datasets.embeddings import embedding_matrix
from seqzoo.errors import InputError
from seqzoo.layers.word_tokenizer import WordTokenizer
from seqzoo.models import fast_path
from seqzoo.models.calibration import fit_temperature
from seqzoo.models.text_classifier import (
    MAX_CLASSES,
    MaskedMaxMeanPooling,
    TextClassifier,
    _label_list,
    _pretrained_vectors,
    _text_count,
)

TEXTS = ["good film", "bad film", "great fun", "awful plot", "a dull film"]
NAMES = ["bad", "meh", "good"]
WORDS = ["film", "good", "zebra", "yak"]  # Pretrained words: two in TEXTS, two not.
VECTORS = np.arange(12, dtype="float32").reshape(4, 3)


def tiny(**options):
    """An untrained 3-class LSTM classifier with 4-word chunks."""
    keras.utils.set_random_seed(0)
    args = {"texts": TEXTS, "labels": NAMES, "hidden_size": 4, "embedding_dim": 4, "sequence_length": 4}
    return TextClassifier.create("lstm", **{**args, **options})


def decisive(model, scale=400.0):
    """`model` with its head's kernel scaled up, so its probabilities are far from uniform."""
    kernel, bias = model.classifier_head.get_weights()
    model.classifier_head.set_weights([kernel * scale, bias])
    return model


def exact(message):
    return "^" + re.escape(message) + "$"


def softmax(logits):
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


@pytest.fixture()
def keras_predict_calls(monkeypatch):
    """The keyword arguments of each `keras.Model.predict` call (the batched path)."""
    calls = []
    original = keras.Model.predict

    def recording(self, x, **kwargs):
        calls.append(kwargs)
        return original(self, x, **kwargs)

    monkeypatch.setattr(keras.Model, "predict", recording)
    return calls


@pytest.fixture()
def batched(monkeypatch):
    """Every `predict` takes the batched path."""
    monkeypatch.setattr(fast_path, "CLASSIFIER_FAST_PATH_MAX_TEXTS", -1)


# === MaskedMaxMeanPooling ===
def test_max_mean_pooling_reads_only_the_real_steps():
    # [3 texts, 4 steps, 2 features]; padded steps hold 5.0, larger than any real value.
    inputs = np.full((3, 4, 2), 5.0, "float32")
    inputs[0, :2] = [[-1.0, 2.0], [-3.0, -4.0]]
    inputs[1, :1] = [[-2.0, -6.0]]
    mask = np.array([[1, 1, 0, 0], [1, 0, 0, 0], [0, 0, 0, 0]], bool)
    out = MaskedMaxMeanPooling()(inputs, mask=mask)
    np.testing.assert_array_equal(out.numpy(), [[-1, 2, -2, -1], [-2, -6, -2, -6], [0, 0, 0, 0]])


def test_max_mean_pooling_without_a_mask_reads_every_step():
    inputs = np.array([[[1, -2], [3, 0], [-1, 5]], [[0, 1], [2, 2], [4, -3]], [[-1, -1], [-2, -2], [-6, 0]]],
                      "float32")
    out = MaskedMaxMeanPooling()(inputs).numpy()
    np.testing.assert_allclose(out, np.concatenate([inputs.max(axis=1), inputs.mean(axis=1)], axis=1), rtol=1e-6)
    assert out.shape == (3, 4)


# === Label lists ===
def test_label_list_gives_strings_in_the_given_order():
    assert _label_list(["b", 3, np.int64(4)]) == ["b", "3", "4"]
    assert _label_list(("z", "a")) == ["z", "a"]
    assert _label_list(np.array([2, 0])) == ["2", "0"]
    assert _label_list(np.array(["y", "x"])) == ["y", "x"]
    assert len(_label_list(range(MAX_CLASSES))) == MAX_CLASSES


@pytest.mark.parametrize("labels, message", [
    ("ab", "labels must be a list of class names; got str 'ab'."),
    (b"ab", "labels must be a list of class names; got bytes b'ab'."),
    ({"a": 1}, "labels must be a list of class names; got dict {'a': 1}."),
    ({"x"}, "labels must be a list of class names; got set {'x'}."),
    (5, "labels must be a list of class names; got int 5."),
    ("x" * 80, "labels must be a list of class names; got str '" + "x" * 59 + "."),
    ([True, False], "Each label must be a string (or an integer); got True."),
    (np.array([True, False]), "Each label must be a string (or an integer); got True."),
    (np.array([0.5, 1.5]), "Each label must be a string (or an integer); got 0.5."),
    (["a", None], "Each label must be a string (or an integer); got None."),
    (range(MAX_CLASSES + 1), "Got 100,001 labels; at most 100,000 classes are supported."),
])
def test_label_list_refuses(labels, message):
    with pytest.raises(InputError, match=exact(message)):
        _label_list(labels)


def test_text_count_is_one_past_the_last_owner():
    assert _text_count(np.array([0, 0, 1, 2, 2])) == 3
    assert _text_count(np.array([0])) == 1
    assert _text_count(np.array([], int)) == 0
    assert isinstance(_text_count(np.array([0, 1])), int)


# === encode_labels ===
def test_encode_labels_takes_names_ints_and_arrays_in_the_given_order():
    model = tiny()
    encoded = model.encode_labels(("good", 0, np.int64(2), "meh", 1), 5)
    assert encoded.tolist() == [2, 0, 2, 1, 1] and encoded.dtype == np.int32
    assert model.encode_labels(np.array(["meh", "good"]), 2).tolist() == [1, 2]
    assert model.encode_labels(np.array([2, 0]), 2).tolist() == [2, 0]
    assert model.encode_labels([], 0).tolist() == []


OUT_OF_RANGE = "; use a name from ['bad', 'meh', 'good'] or an int in 0..2."


@pytest.mark.parametrize("labels, count, message", [
    ("good", 1, "labels must be a sequence with one label per text; got str."),
    (b"good", 1, "labels must be a sequence with one label per text; got bytes."),
    (7, 1, "labels must be a sequence with one label per text; got int."),
    (None, 1, "labels must be a sequence with one label per text; got NoneType."),
    (["good"], 2, "Got 2 texts but 1 labels; give one label per text."),
    (["good", "neutral"], 2, "Label 1 is 'neutral', not one of ['bad', 'meh', 'good']."),
    ([0, 3], 2, "Label 1 is 3" + OUT_OF_RANGE),
    ([-1], 1, "Label 0 is -1" + OUT_OF_RANGE),
    (np.array([1, 3]), 2, "Label 1 is 3" + OUT_OF_RANGE),
    ([0.0], 1, "Label 0 is 0.0" + OUT_OF_RANGE),
    ([None], 1, "Label 0 is None" + OUT_OF_RANGE),
])
def test_encode_labels_refuses(labels, count, message):
    with pytest.raises(InputError, match=exact(message)):
        tiny().encode_labels(labels, count)


# === Datasets for fit and evaluate ===
def test_as_dataset_encodes_the_labels_and_batches_in_order():
    model = tiny()
    batches = list(model._as_dataset(TEXTS, ["good", "bad", "meh", 2, "bad"], batch_size=2))
    assert [int(x.shape[0]) for x, _ in batches] == [2, 2, 1]
    assert np.concatenate([y.numpy() for _, y in batches]).tolist() == [2, 0, 1, 2, 0]
    np.testing.assert_array_equal(batches[0][0].numpy(), model.preprocessor(TEXTS[:2]).numpy())
    assert model._as_dataset(["good film"], ["meh"], batch_size=4) is not None  # One text is enough.


def test_as_dataset_passes_a_tf_dataset_and_ids_through():
    model = tiny()
    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, [0, 1, 2, 0, 1]))
    ys = [y.numpy().tolist() for _, y in model._as_dataset(dataset, batch_size=2)]
    assert ys == [[0, 1], [2, 0], [1]]
    model.preprocessor = None
    assert model._as_dataset(np.array([[4, 5]]), np.array([1])) is None


def test_evaluate_refuses_no_texts():
    with pytest.raises(InputError, match=exact("Got no texts; pass at least one.")):
        tiny().evaluate([], [])


def test_fit_without_labels_asks_for_them():
    with pytest.raises(InputError, match=exact("A classifier learns from (texts, labels); pass the labels too.")):
        tiny().fit(TEXTS, epochs=1, verbose=0)


def test_fit_refuses_a_label_count_that_differs_from_the_text_count():
    with pytest.raises(InputError, match=exact("Got 2 texts but 1 labels; give one label per text.")):
        tiny().fit(["good", "bad"], ["good"], epochs=1, verbose=0)


# === predict ===
def test_batched_path_equals_the_fast_path_and_weights_chunks_by_words(monkeypatch, keras_predict_calls):
    model = tiny()
    texts = ["good " * 9, "", "bad film", "a dull film great fun"]
    fast = model.predict(texts)
    four, one = model.predict(["good good good good", "good"])
    assert keras_predict_calls == []  # Small inputs: one graph call, no keras predict.
    monkeypatch.setattr(fast_path, "CLASSIFIER_FAST_PATH_MAX_TEXTS", -1)
    slow = model.predict(texts)
    assert slow.dtype == np.float32 and slow.shape == (4, 3)
    np.testing.assert_allclose(slow, fast, atol=1e-6)
    np.testing.assert_allclose(slow[0], (8 * four + one) / 9, atol=1e-6)
    np.testing.assert_allclose(model.predict(["bad film"])[0], fast[2], atol=1e-6)  # One text, batched.
    assert keras_predict_calls == [{"batch_size": 64, "verbose": 0}] * 2


def test_keras_options_take_the_batched_path_with_the_given_batch_size(keras_predict_calls):
    model = tiny()
    fast = model.predict(["good film"])
    assert keras_predict_calls == []
    slow = model.predict(["good film"], batch_size=3, callbacks=[])
    assert keras_predict_calls == [{"batch_size": 3, "verbose": 0, "callbacks": []}]
    np.testing.assert_allclose(slow, fast, atol=1e-6)


def test_batched_predict_of_no_texts_is_an_empty_float32_array(batched):
    probs = tiny().predict([])
    assert probs.shape == (0, 3) and probs.dtype == np.float32


def test_predict_batch_size_bounds():
    model = tiny()
    want = model.predict(["good film"])
    for size in (1, 2**31 - 1):
        np.testing.assert_array_equal(model.predict(["good film"], batch_size=size), want)
    for size in (0, 2**31):
        with pytest.raises(InputError, match=exact(f"batch_size must be from 1 to 2147483647; got {size}.")):
            model.predict(["good film"], batch_size=size)
    with pytest.raises(InputError, match=exact("batch_size must be an integer from 1 to 2147483647; got 2.0 (float).")):
        model.predict(["good film"], batch_size=2.0)


def test_predict_without_preprocessor_is_the_softmax_of_the_logits(keras_predict_calls):
    model = tiny()
    model.preprocessor = None
    ids = np.array([[4, 5, 0, 0], [6, 6, 6, 6], [7, 0, 0, 0]], "int32")
    probs = model.predict(ids, batch_size=2, verbose=0)
    np.testing.assert_allclose(probs, softmax(model(ids, training=False).numpy()), atol=1e-6)
    assert isinstance(probs, np.ndarray) and probs.shape == (3, 3)
    assert keras_predict_calls == [{"batch_size": 2, "verbose": 0}]
    model.predict(ids)
    assert keras_predict_calls[-1] == {"batch_size": 64}


# === classify ===
def test_classify_gives_each_texts_best_label_and_its_probability():
    model = decisive(tiny())
    texts = ["good film", "great fun", "bad film", "good " * 9]
    probs = model.predict(texts)
    best = probs.argmax(axis=1)
    assert len(set(best.tolist())) > 1  # Not the same label for every text.
    answer = model.classify(texts)
    assert answer == [(NAMES[i], float(probs[n, i])) for n, i in enumerate(best)]
    assert all(type(label) is str and type(p) is float for label, p in answer)


# === calibrate ===
def test_calibrate_fits_the_temperature_on_the_raw_logits(keras_predict_calls):
    model = decisive(tiny())
    texts = ["good film", "bad film", "great fun", "awful plot", "a dull film", "good " * 9]
    ids, owners, sizes = model.preprocessor.chunks(texts)
    raw = keras.Model.predict(model, ids, verbose=0)
    labels = model.predict(texts).argmax(axis=1).tolist()
    labels[0] = (labels[0] + 1) % 3  # One wrong answer: the best temperature is inside the grid.
    labels = [NAMES[i] for i in labels]
    want = fit_temperature(raw, owners, sizes, model.encode_labels(labels, 6))
    assert 0.1 < want < 10
    keras_predict_calls.clear()
    model.temperature = 2.0  # Already set: calibrate must undo it, not apply it twice.
    got = model.calibrate(texts, labels)
    assert got == want and model.temperature == want and type(got) is float
    assert keras_predict_calls == [{"batch_size": 64, "verbose": 0}]
    assert model.calibrate(texts, labels, batch_size=2**31 - 1) == want
    assert model.calibrate(texts, labels, batch_size=1) == want
    assert [call["batch_size"] for call in keras_predict_calls] == [64, 2**31 - 1, 1]


def test_calibrate_refusals():
    model = tiny()
    texts, labels = ["good film", "bad film"], ["good", "bad"]
    for size in (0, 2**31):
        with pytest.raises(InputError, match=exact(f"batch_size must be from 1 to 2147483647; got {size}.")):
            model.calibrate(texts, labels, batch_size=size)
    with pytest.raises(InputError, match=exact("calibrate needs at least one labelled text.")):
        model.calibrate([], [])
    with pytest.raises(InputError, match=exact("Got 2 texts but 1 labels; give one label per text.")):
        model.calibrate(texts, ["good"])
    assert model.temperature == 1.0
    model.preprocessor = None
    with pytest.raises(InputError, match=exact("calibrate needs a model with a preprocessor (raw strings in).")):
        model.calibrate(texts, labels)


# === create ===
def test_create_defaults():
    TextClassifier.create("lstm", texts=TEXTS)
    model = TextClassifier.create("lstm", texts=TEXTS)  # The second: an automatic name would get a suffix.
    config = model.backbone.get_config()
    del config["name"]
    assert config == {"trainable": True, "architecture": "lstm", "vocabulary_size": 10_000, "feature_dim": None,
                      "embedding_dim": 128, "hidden_size": 128, "num_layers": 1, "bidirectional": False,
                      "dropout": 0.0, "return_sequences": False, "word_dropout": 0.0}
    tokenizer = model.preprocessor.tokenizer
    assert tokenizer.max_vocabulary_size == 10_000 and tokenizer.name == "word_tokenizer"
    assert tokenizer.vocabulary == ["film", "a", "awful", "bad", "dull", "fun", "good", "great", "plot"]
    assert model.preprocessor.sequence_length == 128
    assert model.labels == ["negative", "positive"] and model.pooling == "last" and model.pooler is None
    assert model.head_dropout == 0.0 and model.embedding_source is None and model.temperature == 1.0


def test_create_passes_every_hyper_parameter():
    model = TextClassifier.create(
        "gru", texts=TEXTS, labels=NAMES, vocabulary_size=7, sequence_length=6, embedding_dim=5, hidden_size=3,
        num_layers=2, bidirectional=True, dropout=0.25, word_dropout=0.125, pooling="max_mean", head_dropout=0.5)
    config = model.backbone.get_config()
    del config["name"]
    assert config == {"trainable": True, "architecture": "gru", "vocabulary_size": 7, "feature_dim": None,
                      "embedding_dim": 5, "hidden_size": 3, "num_layers": 2, "bidirectional": True,
                      "dropout": 0.25, "return_sequences": True, "word_dropout": 0.125}
    assert model.preprocessor.tokenizer.vocabulary == ["film", "a", "awful"]  # 7 ids: 4 specials + 3 words.
    assert model.preprocessor.tokenizer.max_vocabulary_size == 7
    assert model.preprocessor.sequence_length == 6
    assert model.labels == NAMES and model.pooling == "max_mean" and model.pooler is not None
    assert model.head_dropout == 0.5


def test_create_from_a_vocabulary_sizes_the_embedding_by_it():
    model = TextClassifier.create("lstm", vocabulary=["good", "bad", "film"], hidden_size=4, embedding_dim=4)
    assert model.preprocessor.tokenizer.vocabulary == ["good", "bad", "film"]
    assert model.backbone.vocabulary_size == 7
    assert model.preprocessor.tokenizer.max_vocabulary_size == 10_000


def test_create_num_classes_names_or_checks_the_labels():
    assert tiny(labels=None, num_classes=3).labels == ["0", "1", "2"]
    assert tiny(labels=None).labels == ["negative", "positive"]
    with pytest.raises(InputError, match=exact("num_classes=3 but 2 labels were given.")):
        tiny(labels=("negative", "positive"), num_classes=3)  # Given labels are never renamed.
    assert tiny(labels=["x", "y", "z"], num_classes=3).labels == ["x", "y", "z"]
    with pytest.raises(InputError, match=exact("num_classes=3 but 2 labels were given.")):
        tiny(labels=["x", "y"], num_classes=3)


def test_create_refusals():
    with pytest.raises(InputError, match=exact("Unknown hyper-parameters ['alpha', 'zeta'] for text_classification.")):
        TextClassifier.create("lstm", texts=TEXTS, zeta=1, alpha=2)
    with pytest.raises(InputError, match=exact("Pass `texts` (to learn the vocabulary from) or `vocabulary`.")):
        TextClassifier.create("lstm")


def test_create_starts_the_embedding_from_given_vectors():
    model = tiny(embeddings=(WORDS, VECTORS), embedding_dim=None)
    vocabulary = model.preprocessor.tokenizer.vocabulary
    assert "zebra" not in vocabulary and model.backbone.vocabulary_size == len(vocabulary) + 4
    assert model.backbone.embedding_dim == 3
    table = model.backbone.token_embedding.embeddings.numpy()
    want, found = embedding_matrix(vocabulary, WORDS, VECTORS, rows=len(vocabulary) + 4, seed=0)
    np.testing.assert_array_equal(table, want)
    np.testing.assert_array_equal(table[4 + vocabulary.index("good")], VECTORS[1])
    assert model.backbone.token_embedding.trainable is True
    assert model.embedding_source == {"source": "user-supplied vectors", "dim": 3, "vocabulary": len(vocabulary),
                                      "found": 2, "extra_words": 0, "trainable": True}
    assert found == 2


def test_create_adds_extra_words_seeds_and_freezes_the_embedding():
    model = tiny(embeddings=[WORDS, VECTORS], embedding_dim=3, embeddings_extra_words=1,
                 embeddings_trainable=False, seed=7)
    vocabulary = model.preprocessor.tokenizer.vocabulary
    assert vocabulary[-1] == "zebra" and "yak" not in vocabulary
    want, _ = embedding_matrix(vocabulary, WORDS, VECTORS, rows=len(vocabulary) + 4, seed=7)
    np.testing.assert_array_equal(model.backbone.token_embedding.embeddings.numpy(), want)
    assert model.backbone.token_embedding.trainable is False
    assert model.embedding_source == {"source": "user-supplied vectors", "dim": 3, "vocabulary": len(vocabulary),
                                      "found": 3, "extra_words": 1, "trainable": False}


def test_create_names_a_dataset_id_as_the_embedding_source(monkeypatch):
    asked = []
    monkeypatch.setattr(embeddings_module, "load_embeddings", lambda name: asked.append(name) or (WORDS, VECTORS))
    model = tiny(embeddings="glove-test", embedding_dim=None)
    assert asked == ["glove-test"]
    assert model.embedding_source["source"] == "glove-test" and model.embedding_source["dim"] == 3


def test_create_checks_embedding_dim_against_the_vectors():
    message = "embedding_dim=4 but the pretrained vectors have 3 dimensions; leave embedding_dim out or set it to 3."
    with pytest.raises(InputError, match=exact(message)):
        tiny(embeddings=(WORDS, VECTORS))


# === _pretrained_vectors ===
def test_pretrained_vectors_from_a_pair():
    tokenizer = WordTokenizer(vocabulary=["good", "film"])
    words, vectors = _pretrained_vectors((("a", "b"), [[1, 2], [3, 4]]), tokenizer, 2, 0)
    assert words == ["a", "b"] and vectors.dtype == np.float32 and vectors.tolist() == [[1, 2], [3, 4]]
    assert tokenizer.vocabulary == ["good", "film"]
    _pretrained_vectors((["good", "zebra", "yak", "e-mail"], np.zeros((4, 2))), tokenizer, None, 1)
    assert tokenizer.vocabulary == ["good", "film", "zebra"]


@pytest.mark.parametrize("embeddings, dim, extra, message", [
    ((["a", "b"], [1.0, 2.0]), None, 0,
     "embeddings=(words, vectors) needs N words and an [N, dim] array; got 2 words and shape (2,)."),
    ((["a", "b", "c"], np.zeros((2, 3))), None, 0,
     "embeddings=(words, vectors) needs N words and an [N, dim] array; got 3 words and shape (2, 3)."),
    ((["a"], np.zeros((1, 2)), "more"), None, 0,
     "embeddings must be a dataset id such as 'glove-6b-50d' or a (words, vectors) pair, got tuple."),
    ({"a": [1.0], "b": [2.0]}, None, 0,
     "embeddings must be a dataset id such as 'glove-6b-50d' or a (words, vectors) pair, got dict."),
    (None, None, 0, "embeddings must be a dataset id such as 'glove-6b-50d' or a (words, vectors) pair, got NoneType."),
    ((["a"], np.zeros((1, 2))), 5, 0,
     "embedding_dim=5 but the pretrained vectors have 2 dimensions; leave embedding_dim out or set it to 2."),
    ((["a"], np.zeros((1, 2))), None, -1, "embeddings_extra_words must be an int >= 0, got -1."),
    ((["a"], np.zeros((1, 2))), None, 1.0, "embeddings_extra_words must be an int >= 0, got 1.0."),
    ((["a"], np.zeros((1, 2))), None, "1", "embeddings_extra_words must be an int >= 0, got '1'."),
])
def test_pretrained_vectors_refuses(embeddings, dim, extra, message):
    with pytest.raises(InputError, match=exact(message)):
        _pretrained_vectors(embeddings, WordTokenizer(vocabulary=["good"]), dim, extra)


# === default_compile_arguments ===
def test_default_compile_arguments():
    arguments = tiny().default_compile_arguments()
    assert sorted(arguments) == ["loss", "metrics", "optimizer"]
    optimizer = arguments["optimizer"]
    assert isinstance(optimizer, keras.optimizers.Adam)
    assert float(optimizer.learning_rate) == pytest.approx(1e-3) and optimizer.clipnorm == 1.0
    assert isinstance(arguments["loss"], keras.losses.SparseCategoricalCrossentropy)
    assert arguments["loss"].get_config()["from_logits"] is True
    (metric,) = arguments["metrics"]
    assert isinstance(metric, keras.metrics.SparseCategoricalAccuracy) and metric.name == "accuracy"


# === with_new_head ===
def test_with_new_head_labels():
    model = tiny()
    model.card = types.SimpleNamespace(name="card")
    fresh = model.with_new_head()
    assert fresh.labels == ["0", "1", "2"] and fresh.card is model.card
    assert fresh.backbone is model.backbone and fresh.preprocessor is model.preprocessor
    assert fresh.predict(["good film"]).shape == (1, 3)
    assert model.with_new_head(num_classes=2).labels == ["0", "1"]
    assert model.with_new_head(labels=("p", "q")).labels == ["p", "q"]
    assert model.with_new_head(num_classes=4, labels=np.array(["w", "x", "y", "z"])).labels == ["w", "x", "y", "z"]


def test_with_new_head_keeps_pooling_dropout_and_embedding_source():
    model = tiny(embeddings=(WORDS, VECTORS), embedding_dim=None, pooling="max_mean", head_dropout=0.25)
    fresh = model.with_new_head(num_classes=2)
    assert fresh.pooling == "max_mean" and fresh.pooler is not None and fresh.head_dropout == 0.25
    assert fresh.embedding_source == model.embedding_source and fresh.embedding_source["found"] == 2


@pytest.mark.parametrize("options, message", [
    ({"num_classes": 1}, "num_classes must be from 2 to 100000; got 1."),
    ({"num_classes": MAX_CLASSES + 1}, "num_classes must be from 2 to 100000; got 100001."),
    ({"num_classes": 2.0}, "num_classes must be an integer from 2 to 100000; got 2.0 (float)."),
    ({"num_classes": 3, "labels": ["a", "b"]}, "num_classes=3 but 2 labels were given."),
    ({"labels": "ab"}, "labels must be a list of class names; got str 'ab'."),
])
def test_with_new_head_refuses(options, message):
    with pytest.raises(InputError, match=exact(message)):
        tiny().with_new_head(**options)


# === get_config / from_config ===
def test_config_round_trip_keeps_labels_pooling_dropout_and_temperature():
    model = tiny(pooling="max_mean", head_dropout=0.25)
    config = model.get_config()
    assert (config["labels"], config["pooling"], config["head_dropout"]) == (NAMES, "max_mean", 0.25)
    assert "temperature" not in config and "embedding_source" not in config
    model.temperature = 0.5
    config = model.get_config()
    assert config["temperature"] == 0.5
    clone = TextClassifier.from_config(config)
    assert (clone.labels, clone.pooling, clone.head_dropout, clone.temperature) == (NAMES, "max_mean", 0.25, 0.5)
    clone.set_weights(model.get_weights())
    ids = model.preprocessor(TEXTS)
    np.testing.assert_allclose(clone(ids, training=False), model(ids, training=False), atol=1e-6)


def test_config_records_the_embedding_source():
    model = tiny(embeddings=(WORDS, VECTORS), embedding_dim=None)
    config = model.get_config()
    assert config["embedding_source"] == model.embedding_source and config["embedding_source"]["dim"] == 3
    model.temperature = 2.0
    assert model.get_config()["temperature"] == 2.0
    assert TextClassifier.from_config(model.get_config()).embedding_source == model.embedding_source
