import numpy as np
import pytest
import tensorflow as tf

import seqzoo
from seqzoo import InputError

TEXTS = ["good film", "great movie", "bad film", "awful movie", "great great fun", "bad bad plot"] * 12
LABELS = ["positive", "positive", "negative", "negative", "positive", "negative"] * 12


@pytest.fixture(scope="module")
def clf():
    import keras

    keras.utils.set_random_seed(0)
    model = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=16, embedding_dim=8,
                         sequence_length=8)
    model.fit(TEXTS, LABELS, epochs=6, batch_size=8, verbose=0)
    return model


def test_learns_a_toy_task_from_raw_strings(clf):
    assert clf.labels == ["negative", "positive"]
    assert [label for label, _ in clf.classify(["great fun", "awful plot"])] == ["positive", "negative"]
    loss, accuracy = clf.evaluate(TEXTS, LABELS, verbose=0)
    assert accuracy == 1.0


def test_predict_rows_are_probabilities(clf):
    probs = clf.predict(["good", "bad film", "x"])
    assert probs.shape == (3, 2)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


@pytest.mark.parametrize("text", ["", "   \n\t", "zzz qqq", "Ünïcödé ✓ 映画", "great " * 200_000,
                                  b"\xff\xfe bad film"])
def test_awkward_inputs_give_valid_probabilities(clf, text):
    probs = clf.predict([text])
    assert probs.shape == (1, 2) and np.all(np.isfinite(probs))
    assert probs.sum() == pytest.approx(1.0, rel=1e-5)


def test_long_text_uses_every_chunk(clf):
    # The sentiment is only in the tail: a first-chunk-only classifier would miss it.
    neutral = "film " * 40
    tail_positive = clf.predict([neutral + "great great fun " * 30])[0, 1]
    tail_negative = clf.predict([neutral + "bad bad plot " * 30])[0, 1]
    assert tail_positive > tail_negative


def test_integer_labels_and_tf_dataset(clf):
    ints = [1 if label == "positive" else 0 for label in LABELS]
    clf.fit(TEXTS, ints, epochs=1, verbose=0)
    dataset = tf.data.Dataset.from_tensor_slices((TEXTS, ints))
    clf.fit(dataset, epochs=1, verbose=0)
    assert clf.evaluate(dataset, verbose=0)[1] == 1.0


def test_bad_inputs_name_the_problem(clf):
    with pytest.raises(InputError, match="3 texts but 2 labels"):
        clf.fit(["a", "b", "c"], [0, 1])
    with pytest.raises(InputError, match="not one of"):
        clf.fit(["a"], ["neutral"])
    with pytest.raises(InputError, match="not a string"):
        clf.predict(["fine", 42])
    with pytest.raises(InputError, match="int in 0..1"):
        clf.fit(["a"], [7])


def test_new_head_keeps_backbone_and_tokenizer(clf):
    three = clf.with_new_head(num_classes=3, labels=["bad", "meh", "good"])
    assert three.labels == ["bad", "meh", "good"] and three.predict(["good film"]).shape == (1, 3)
    assert three.backbone is clf.backbone and three.preprocessor is clf.preprocessor
    three.fit(["good film", "ok film", "bad film"], ["good", "meh", "bad"], epochs=1, verbose=0)


def test_frozen_backbone_stays_fixed_while_the_head_learns(clf):
    model = clf.with_new_head(num_classes=2)
    model.backbone.trainable = False
    before = [w.copy() for w in model.backbone.get_weights()]
    head_before = model.classifier_head.get_weights()[0].copy()
    model.fit(TEXTS, [1 if l == "positive" else 0 for l in LABELS], epochs=1, verbose=0)
    for a, b in zip(before, model.backbone.get_weights()):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(head_before, model.classifier_head.get_weights()[0])
    model.backbone.trainable = True


def test_preset_round_trip_and_load_with_new_classes(clf, tmp_path):
    clf.save_preset(tmp_path / "clf")
    again = seqzoo.load(tmp_path / "clf")
    np.testing.assert_allclose(again.predict(TEXTS[:4]), clf.predict(TEXTS[:4]), atol=1e-6)
    fresh = seqzoo.load(tmp_path / "clf", num_classes=4, labels=list("abcd"))
    assert fresh.labels == list("abcd")
    np.testing.assert_array_equal(fresh.backbone.get_weights()[0], clf.backbone.get_weights()[0])


@pytest.mark.parametrize("options", [{"bidirectional": True}, {"pooling": "max_mean", "num_layers": 2}])
def test_bidirectional_and_pooled_variants(options):
    model = seqzoo.build("gru", "text_classification", texts=TEXTS, hidden_size=8, **options)
    model.fit(TEXTS, LABELS, epochs=1, verbose=0)
    assert model.predict(["", "good"]).shape == (2, 2)


def test_explicit_labels_are_kept_even_when_they_equal_the_default():
    model = seqzoo.build("lstm", "text_classification", texts=TEXTS, num_classes=2,
                         labels=("negative", "positive"), hidden_size=4, embedding_dim=4, sequence_length=8)
    assert model.labels == ["negative", "positive"]
    numbered = seqzoo.build("lstm", "text_classification", texts=TEXTS, num_classes=3, hidden_size=4,
                            embedding_dim=4, sequence_length=8)
    assert numbered.labels == ["0", "1", "2"]
    plain = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, embedding_dim=4, sequence_length=8)
    assert plain.labels == ["negative", "positive"]


def test_booleans_are_neither_labels_nor_counts(clf):
    with pytest.raises(InputError, match=r"Label 0 is True; use a name"):
        clf.encode_labels([True, False], 2)
    with pytest.raises(InputError, match="embeddings_extra_words must be an int >= 0, got True"):
        seqzoo.build("lstm", "text_classification", texts=TEXTS, embeddings=(["good", "film"], np.ones((2, 4))),
                     embeddings_extra_words=True, hidden_size=4, sequence_length=8)


@pytest.mark.parametrize(("options", "message"), [
    ({"embeddings_extra_words": 10}, "embeddings_extra_words=10 act on pretrained word vectors, but embeddings is None"),
    ({"embeddings_extra_words": False}, "embeddings_extra_words=False act on"),
    ({"embeddings_trainable": False}, "embeddings_trainable=False act on pretrained word vectors"),
    ({"embeddings_extra_words": 5, "embeddings_trainable": False},
     "embeddings_extra_words=5 and embeddings_trainable=False act on pretrained word vectors, but embeddings is "
     "None; pass embeddings='glove-6b-50d' (or a (words, vectors) pair), or leave them out."),
    ({"embeddings_trainable": "no"}, "embeddings_trainable must be True or False; got 'no'."),
])
def test_options_of_pretrained_vectors_without_vectors_are_refused_not_ignored(options, message):
    with pytest.raises(InputError) as error:
        seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, sequence_length=8, **options)
    assert message in str(error.value)


def test_the_defaults_of_pretrained_vector_options_build_without_vectors():
    clf = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, sequence_length=8,
                       embeddings_extra_words=0, embeddings_trainable=True)
    assert clf.embedding_source is None and clf.backbone.token_embedding.trainable


def test_embedding_dim_zero_is_refused_not_replaced(clf):
    with pytest.raises(InputError, match="embedding_dim"):
        seqzoo.build("lstm", "text_classification", texts=TEXTS, embedding_dim=0, hidden_size=4, sequence_length=8)


def test_batch_size_is_checked_without_a_preprocessor_too(clf):
    from seqzoo.models.text_classifier import TextClassifier

    bare = TextClassifier(clf.backbone, None, labels=clf.labels)
    with pytest.raises(InputError, match="batch_size"):
        bare.predict(np.zeros((1, 8), "int32"), batch_size=0)


@pytest.mark.parametrize(("options", "message"), [
    ({"vocabulary_size": 4}, "vocabulary_size must be >= 5; got 4."),
    ({"vocabulary_size": 2}, "vocabulary_size must be >= 5; got 2."),
    ({"sequence_length": 0}, "sequence_length must be from 1 to 1000000; got 0."),
    ({"sequence_length": 2.5}, "sequence_length must be an integer from 1 to 1000000; got 2.5"),
    ({"head_dropout": 1.5}, "head_dropout must be from 0.0 to 1.0; got 1.5."),
    ({"head_dropout": 1.0}, "head_dropout must be below 1.0"),
    ({"seed": -1}, "seed must be >= 0; got -1."),
    ({"num_classes": True}, "num_classes must be an integer from 2 to 100000; got True (bool)."),  # was one class
    ({"num_classes": 1}, "num_classes must be from 2 to 100000; got 1."),
])
def test_sizes_and_rates_out_of_range_are_refused_when_building(options, message):
    # Before: vocabulary_size 2 kept 2 words beside the 4 reserved ids (6 ids, 2 embedding rows) and
    # predict failed inside TensorFlow; sequence_length 0 built and divided by zero on predict.
    with pytest.raises(InputError) as error:
        seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, **options)
    assert str(error.value).startswith(message)  # the user's argument, not the tokenizer's inner name


@pytest.mark.parametrize("size", [5, 6])
def test_the_smallest_vocabularies_hold_their_words_within_the_embedding(size):
    clf = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, vocabulary_size=size)
    assert clf.preprocessor.tokenizer.vocabulary_size == size  # 4 reserved ids and size - 4 words
    assert clf.predict(TEXTS).shape == (len(TEXTS), 2)  # every id has an embedding row


def test_a_char_lm_and_a_tokenizer_check_their_sizes_too():
    from seqzoo.layers.word_tokenizer import WordTokenizer

    with pytest.raises(InputError, match="sequence_length must be from 1 to 1000000; got -3."):
        seqzoo.build("lstm", "char_lm", texts=["abc", "abd"], hidden_size=4, sequence_length=-3)
    with pytest.raises(InputError, match="max_vocabulary_size must be >= 5; got 4."):
        WordTokenizer(max_vocabulary_size=4)


@pytest.mark.parametrize(("options", "message"), [
    ({"sample_weight": np.ones(len(TEXTS))}, "sample_weight is not supported with raw inputs; for per-class "
                                             "weights pass class_weight="),  # was Keras' tf.data ValueError
    ({"validation_data": (TEXTS, LABELS, np.ones(len(TEXTS)))},
     "validation_data must be raw inputs or an (inputs, targets) pair; got a tuple of 3 (sample weights"),
    ({"validation_data": (TEXTS,)}, "got a tuple of 1."),  # was "Text 0 is a list, not a string"
])
def test_fit_refuses_weights_and_odd_validation_tuples_before_training(clf, options, message):
    weights = [w.copy() for w in clf.get_weights()]
    with pytest.raises(InputError) as error:
        clf.fit(TEXTS, LABELS, epochs=1, verbose=0, **options)
    assert message in str(error.value)
    assert all(np.array_equal(a, b) for a, b in zip(weights, clf.get_weights()))


def test_evaluate_refuses_sample_weight_with_raw_inputs(clf):
    with pytest.raises(InputError, match="sample_weight is not supported with raw inputs"):
        clf.evaluate(TEXTS, LABELS, sample_weight=np.ones(len(TEXTS)), verbose=0)
