"""TextClassifier.stack_ngrams: an n-gram model beside the network, in its graph, saved and exported; refused by name
where it cannot go."""
from __future__ import annotations

import numpy as np
import pytest
import tensorflow as tf

import seqzoo
from seqzoo.errors import InputError
from seqzoo.models.ngram_logits import NgramLogits
from seqzoo.models.text_classifier import TextClassifier

# Each word is as often positive as negative: the labels are in the word pairs.
TEXTS = ["very good", "not good", "very bad", "not bad", "quite good", "hardly good"] * 12
LABELS = [1, 0, 0, 1, 1, 0] * 12


@pytest.fixture(scope="module")
def classifier():
    clf = seqzoo.build("lstm", "text_classification", texts=TEXTS, hidden_size=4, sequence_length=8, seed=0)
    clf.compile()
    clf.fit(TEXTS, LABELS, epochs=1, batch_size=16, verbose=0)
    return clf


# Held-out labels with 4 of 36 flipped: no model gets them all right, so the temperature is a real minimum.
HELD_LABELS = [1 - y if i in (3, 10, 20, 31) else y for i, y in enumerate(LABELS[:36])]


@pytest.fixture(scope="module")
def stacked(classifier):
    return classifier.stack_ngrams(TEXTS, LABELS, TEXTS[:36], HELD_LABELS, epochs=20, pair_buckets=64)


def test_the_stacked_classifier_adds_the_scaled_ngram_logits_and_reads_the_pairs(classifier, stacked):
    assert stacked is not classifier and classifier.ngram_logits is None
    assert isinstance(stacked.ngram_logits, NgramLogits) and stacked.ngram_logits.scale > 0
    assert stacked.backbone is classifier.backbone  # Shared, as with_new_head shares it.
    ids = classifier.preprocessor(TEXTS[:6])
    network = classifier(ids, training=False).numpy() * classifier.temperature
    expected = tf.nn.softmax((network + stacked.ngram_logits(ids).numpy()) / stacked.temperature).numpy()
    np.testing.assert_allclose(stacked.predict(TEXTS[:6]), expected, atol=1e-5)
    assert np.mean(stacked.predict(TEXTS).argmax(1) == LABELS) == 1.0
    assert np.mean(classifier.predict(TEXTS).argmax(1) == LABELS) < 0.9  # One epoch of 4 units: not yet.


def test_the_temperature_the_classifier_had_is_undone_before_the_two_are_weighed(classifier, stacked):
    classifier.temperature = 2.5
    try:
        again = classifier.stack_ngrams(TEXTS, LABELS, TEXTS[:36], HELD_LABELS, epochs=20, pair_buckets=64)
    finally:
        classifier.temperature = 1.0
    assert again.ngram_logits.scale == stacked.ngram_logits.scale
    assert again.temperature == stacked.temperature


def test_the_fast_path_and_batches_agree_and_a_saved_preset_loads_the_same(stacked, tmp_path):
    few = stacked.predict(TEXTS[:5])
    many = stacked.predict(TEXTS * 4)[:5]
    np.testing.assert_allclose(few, many, atol=1e-6)
    stacked.save_preset(tmp_path / "stacked")
    config = (tmp_path / "stacked" / "config.json").read_text()
    assert '"seqzoo>NgramLogits"' in config
    card = seqzoo.ModelCard.read(tmp_path / "stacked")
    assert card.recipe["ngram_logits"] == {"scale": stacked.ngram_logits.scale, "pair_buckets": 64, "l2": 1e-5}
    again = seqzoo.load(tmp_path / "stacked")
    assert again.ngram_logits.scale == stacked.ngram_logits.scale and again.temperature == stacked.temperature
    np.testing.assert_allclose(again.predict(TEXTS[:6]), stacked.predict(TEXTS[:6]), atol=1e-6)


def test_held_out_texts_that_cannot_weigh_the_two_models_get_a_warning(classifier):
    from seqzoo.errors import SeqzooWarning

    with pytest.warns(SeqzooWarning, match=r"stack_ngrams set the temperature to 0.05, the edge of the range "
                                            r"searched \(0.05-20\): 12 held-out texts that the model gets all right"):
        classifier.stack_ngrams(TEXTS, LABELS, TEXTS[:12], LABELS[:12], epochs=20, pair_buckets=64)


def test_a_stacked_classifier_fine_tunes_both_parts_and_the_l2_counts_in_training():
    own = seqzoo.build("gru", "text_classification", texts=TEXTS, hidden_size=4, sequence_length=8, seed=0)
    stacked = own.stack_ngrams(TEXTS, LABELS, TEXTS[:36], HELD_LABELS, epochs=5, pair_buckets=64, l2=1e-3)
    before = stacked.ngram_logits.word_weights.numpy().copy()
    assert stacked.losses  # The n-gram model's L2 penalty.
    history = stacked.fit(TEXTS, LABELS, epochs=1, batch_size=16, verbose=0).history
    assert np.isfinite(history["loss"][-1])
    assert not np.allclose(stacked.ngram_logits.word_weights.numpy(), before)


def test_three_classes_and_held_out_texts_longer_than_a_chunk_are_weighed_too():
    texts = ["very good", "not good", "fairly plain", "quite plain"] * 10
    labels = ["good", "bad", "plain", "plain"] * 10
    own = seqzoo.build("gru", "text_classification", texts=texts, labels=["bad", "plain", "good"], hidden_size=4,
                       sequence_length=4, seed=0)
    long_good = " ".join(["very good"] * 5)  # 10 words: three chunks of 4 words
    held = ["very good", "not good", "fairly plain", long_good, "not good", "very good"]
    held_labels = ["good", "bad", "plain", "good", "plain", "bad"]
    stacked = own.stack_ngrams(texts, labels, held, held_labels, epochs=30, pair_buckets=64)
    probabilities = stacked.predict(held)
    assert probabilities.shape == (6, 3)
    np.testing.assert_allclose(probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert [label for label, _ in stacked.classify(["not good", "fairly plain", long_good])] == ["bad", "plain", "good"]


def test_a_fresh_process_loads_a_stacked_preset(stacked, tmp_path):
    import subprocess
    import sys

    stacked.save_preset(tmp_path / "stacked")
    code = ("import sys, seqzoo; print(seqzoo.load(sys.argv[1]).predict(['not bad', 'very good']).round(5).tolist())")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "stacked")], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    assert out.strip().splitlines()[-1] == str(stacked.predict(["not bad", "very good"]).round(5).tolist())


def test_a_classifier_stacked_from_a_preset_says_so_on_its_card(classifier, tmp_path):
    classifier.save_preset(tmp_path / "parent")
    parent = seqzoo.load(tmp_path / "parent")
    stacked = parent.stack_ngrams(TEXTS, LABELS, TEXTS[:36], HELD_LABELS, epochs=2, pair_buckets=16)
    stacked.save_preset(tmp_path / "stacked")
    card = seqzoo.ModelCard.read(tmp_path / "stacked")
    assert card.description == "Stacked with an n-gram model from parent; not measured since."
    assert card.recipe["parent"] == "parent" and card.metrics == {}
    from seqzoo.diagnostics import gradient_norms

    with pytest.raises(InputError, match=r"stacked from \(parent\), or ask for attributions"):
        gradient_norms(seqzoo.load(tmp_path / "stacked"), "not bad")


def test_a_classifier_without_the_branch_keeps_its_config(classifier):
    assert "ngram_logits" not in classifier.get_config()


def test_the_tflite_export_runs_the_branch_too(stacked, tmp_path):
    from seqzoo.export import export_tflite

    path = export_tflite(stacked, tmp_path / "stacked.tflite")
    runner = tf.lite.Interpreter(model_path=str(path)).get_signature_runner("serving_default")
    ids = stacked.preprocessor(["not bad"]).numpy()
    ids = np.pad(ids, [[0, 0], [0, 8 - ids.shape[1]]]).astype(np.int32)
    np.testing.assert_allclose(runner(token_ids=ids)["probabilities"], stacked.predict(["not bad"]), atol=1e-5)


def test_the_saved_model_export_serves_the_branch_too(stacked, tmp_path):
    from seqzoo.export import export_saved_model

    export_saved_model(stacked, tmp_path / "served")
    folder = next(p.parent for p in (tmp_path / "served").rglob("saved_model.pb"))
    serve = tf.saved_model.load(str(folder)).signatures["serving_default"]
    texts = ["not bad", "very good", " ".join(["hardly good"] * 6)]  # The last one is read in two chunks.
    np.testing.assert_allclose(serve(texts=tf.constant(texts))["probabilities"].numpy(), stacked.predict(texts),
                               atol=1e-5)


def test_what_the_branch_cannot_go_through_is_refused_by_name(classifier, stacked):
    from seqzoo.diagnostics import gradient_norms
    from seqzoo.models.ensemble import fold_ensemble

    with pytest.raises(InputError, match="already adds an n-gram model"):
        stacked.stack_ngrams(TEXTS, LABELS, TEXTS, LABELS)
    with pytest.raises(InputError, match="diagnostics read the network only.*attributions"):
        gradient_norms(stacked, "not bad")
    with pytest.raises(InputError, match="Member 1 adds an n-gram model"):
        fold_ensemble([classifier, stacked])
    renamed = stacked.with_new_head(labels=["a", "b", "c"])
    assert renamed.ngram_logits is None and renamed.num_classes == 3


@pytest.mark.parametrize("arguments, message", [
    ({"l2": -1.0}, "l2"), ({"epochs": 0}, "epochs"), ({"pair_buckets": -1}, "pair_buckets"),
    ({"seed": -1}, "seed"), ({"batch_size": 0}, "batch_size"),
    ({"labels": LABELS[:-1]}, "one label per text"), ({"validation_labels": ["good"] * 6}, "Label 0"),
    ({"texts": [], "labels": []}, "at least one training text"),
])
def test_bad_arguments_are_refused_before_any_fit(classifier, arguments, message):
    given = {"texts": TEXTS, "labels": LABELS, "validation_texts": TEXTS[:6], "validation_labels": LABELS[:6],
             **arguments}
    with pytest.raises(InputError, match=message):
        classifier.stack_ngrams(given.pop("texts"), given.pop("labels"), given.pop("validation_texts"),
                                given.pop("validation_labels"), **given)


def test_weights_given_instead_of_held_out_texts_are_used_as_they_are(classifier, stacked):
    # A model trained on all its labelled texts takes the two weights from a twin (sentiment-bilstm-ngram).
    weights = (stacked.ngram_logits.scale, stacked.temperature)
    given = classifier.stack_ngrams(TEXTS, LABELS, epochs=20, pair_buckets=64, weights=weights)
    assert (given.ngram_logits.scale, given.temperature) == weights
    np.testing.assert_allclose(given.predict(TEXTS[:6]), stacked.predict(TEXTS[:6]), atol=1e-6)
    network_only = classifier.stack_ngrams(TEXTS, LABELS, epochs=20, pair_buckets=64, weights=(0.0, 2.0))
    ids = classifier.preprocessor(TEXTS[:6])
    expected = tf.nn.softmax(classifier(ids, training=False).numpy() * classifier.temperature / 2.0).numpy()
    np.testing.assert_allclose(network_only.predict(TEXTS[:6]), expected, atol=1e-5)


@pytest.mark.parametrize("arguments, message", [
    ({}, "give one of the two"),
    ({"validation_texts": TEXTS[:6], "validation_labels": LABELS[:6], "weights": (0.5, 1.0)}, "give one of the two"),
    ({"validation_texts": TEXTS[:6]}, "give one of the two"),
    ({"weights": (0.5,)}, "must be \\(scale, temperature\\)"), ({"weights": "ab"}, "must be \\(scale, temperature\\)"),
    ({"weights": (-0.5, 1.0)}, "the scale"), ({"weights": (0.5, 0.0)}, "the temperature"),
    ({"weights": (0.5, float("nan"))}, "the temperature"),
])
def test_weights_or_held_out_texts_but_not_both_nor_neither(classifier, arguments, message):
    with pytest.raises(InputError, match=message):
        classifier.stack_ngrams(TEXTS, LABELS, **arguments)


def test_a_branch_that_does_not_fit_the_classifier_is_refused(classifier):
    wrong = NgramLogits(vocabulary_size=classifier.backbone.vocabulary_size, num_classes=3)
    with pytest.raises(InputError, match="3 logits, but this classifier has"):
        TextClassifier(classifier.backbone, classifier.preprocessor, ngram_logits=wrong, pooling="last")
    narrow = NgramLogits(vocabulary_size=classifier.backbone.vocabulary_size - 1, num_classes=2)
    with pytest.raises(InputError, match=f"{classifier.backbone.vocabulary_size} word ids and 2 classes"):
        TextClassifier(classifier.backbone, classifier.preprocessor, ngram_logits=narrow, pooling="last")
    with pytest.raises(InputError, match="must be an NgramLogits layer"):
        TextClassifier(classifier.backbone, classifier.preprocessor, ngram_logits="ngrams", pooling="last")


def _expected_shares(layer, ids, u):
    """Each position's share of the n-gram logits, from the raw weights and the pairs' hash (an independent sum)."""
    words, pairs = layer.word_weights.numpy(), layer.pair_weights.numpy()

    def w(j):
        return words[j] if j else np.zeros(layer.num_classes)

    def p(j, k):
        return pairs[(j * 1_000_003 + k) % layer.pair_buckets] if j and k else np.zeros(layer.num_classes)

    shares = np.array([w(j) - w(u) for j in ids])
    for i, (a, b) in enumerate(zip(ids[:-1], ids[1:])):
        together = p(a, b) - p(a, u) - p(u, b) + p(u, u)
        shares[i] += p(a, u) - p(u, u) + together / 2
        shares[i + 1] += p(u, b) - p(u, u) + together / 2
    return layer.scale * shares


# Padding (no word, no pair), <unk> (a word, in pairs never trained) and "not" (a word whose pairs carry weight).
@pytest.mark.parametrize("baseline", [None, "<unk>", "not"])
def test_the_ngram_shares_split_each_pair_and_add_up_exactly(stacked, baseline):
    from seqzoo.diagnostics.attribution_ngrams import ngram_drops, ngram_shares

    layer = stacked.ngram_logits
    tokenizer = stacked.preprocessor.tokenizer
    ids = tokenizer.tokenize(["hardly good not bad very"])[0].numpy().tolist()
    baseline_id = 0 if baseline is None else tokenizer.tokenize([baseline])[0].numpy().tolist()[0]
    assert baseline_id == {None: 0, "<unk>": 1}.get(baseline, baseline_id)
    value, baseline, shares = ngram_shares(layer, ids, baseline_id)
    np.testing.assert_allclose(value, layer(np.array([ids])).numpy()[0], atol=1e-6)
    np.testing.assert_allclose(baseline, layer(np.array([[baseline_id] * len(ids)])).numpy()[0], atol=1e-6)
    np.testing.assert_allclose(shares, _expected_shares(layer, ids, baseline_id), atol=1e-5)
    np.testing.assert_allclose(shares.sum(0), value - baseline, atol=1e-5)
    drops = ngram_drops(layer, ids, baseline_id)
    occluded = [ids[:1] + [baseline_id] + ids[2:]]
    np.testing.assert_allclose(drops[1], value - layer(np.array(occluded)).numpy()[0], atol=1e-6)


def test_the_ngram_shares_of_a_layer_with_every_weight_set_add_up_exactly():
    from seqzoo.diagnostics.attribution_ngrams import ngram_shares

    layer = NgramLogits(vocabulary_size=12, num_classes=3, pair_buckets=16, scale=0.7)
    layer.build()
    rng = np.random.default_rng(0)
    for weight in layer.weights:  # Every word, pair (the baseline's with itself too) and the bias count.
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    ids = [3, 5, 5, 9, 2]
    for baseline_id in (0, 1, 5):
        value, baseline, shares = ngram_shares(layer, ids, baseline_id)
        np.testing.assert_allclose(shares, _expected_shares(layer, ids, baseline_id), atol=1e-5)
        np.testing.assert_allclose(shares.sum(0), value - baseline, atol=1e-5)


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion"])
def test_attributions_explain_the_stacked_classifier_whole(classifier, stacked, method):
    from seqzoo.diagnostics import attributions
    from seqzoo.diagnostics.attribution_ngrams import ngram_drops, ngram_shares

    text = "hardly good"  # Negative, and only its pair says so.
    result, alone = (attributions(model, text, method=method) for model in (stacked, classifier))
    assert result.probability == pytest.approx(float(stacked.predict([text]).max()), abs=1e-5)
    index = int(stacked.predict([text]).argmax())
    assert index == 0 and result.target == stacked.labels[0]
    ids = stacked.preprocessor.tokenizer.tokenize([text])[0].numpy().tolist()
    network = classifier(np.array([ids]), training=False).numpy()[0] * classifier.temperature  # Its raw logits.
    logits = (network + stacked.ngram_logits(np.array([ids])).numpy()[0]) / stacked.temperature
    assert result.logit == pytest.approx(float(logits[index]), abs=1e-4)
    # The network's scores (rescaled to the stacked temperature) plus the n-gram model's exact part.
    part = (ngram_shares(stacked.ngram_logits, ids, 0)[2] if method == "integrated_gradients"
            else ngram_drops(stacked.ngram_logits, ids, 0))[:, index] / stacked.temperature
    assert part.sum() > 0.1 and np.all(part > 0)  # The pair pushes towards its label, split between its words.
    assert alone.target == result.target and alone.ngram_scores is None
    np.testing.assert_allclose(result.ngram_scores, part, atol=1e-6)
    np.testing.assert_allclose(result.scores, np.array(alone.scores) * classifier.temperature / stacked.temperature
                               + part, atol=2e-3)
    if method == "integrated_gradients":
        assert abs(result.completeness_residual) <= 0.05
        assert sum(result.scores) == pytest.approx(result.logit - result.baseline_logit, rel=0.05)


def test_the_table_and_the_page_show_the_ngram_models_part(stacked, tmp_path):
    import html
    import re

    from seqzoo.diagnostics import attributions, render_attributions
    from seqzoo.diagnostics.cli import contribution_table

    result = attributions(stacked, "very good not bad")
    lines = contribution_table(result, top=4).splitlines()
    assert lines[1].split() == ["rank", "token", "score", "of", "which", "n-grams"]
    for line in lines[2:]:
        _, word, score, part = line.split()
        i = result.words.index(word)
        assert (float(score), float(part)) == pytest.approx((result.scores[i], result.ngram_scores[i]), abs=1e-4)
    assert {line.split()[1] for line in lines[2:]} == {"very", "good", "not", "bad"}
    page = render_attributions(result, tmp_path / "why.html").read_text(encoding="utf-8")
    tips = [html.unescape(t) for t in re.findall(r'title="([^"]*)"', page)]
    assert tips[1] == f"good: {result.scores[1]:+.4f} (of which the n-gram model {result.ngram_scores[1]:+.4f})"


@pytest.mark.parametrize("method", ["integrated_gradients", "occlusion"])
def test_a_word_baseline_counts_the_ngram_models_logits_of_the_baseline_text(classifier, method):
    from seqzoo.diagnostics import attributions

    stacked = classifier.stack_ngrams(TEXTS, LABELS, epochs=1, pair_buckets=64, weights=(1.0, 1.0))
    rng = np.random.default_rng(1)  # Every weight set, so that "not not" has logits of its own.
    for weight in stacked.ngram_logits.weights:
        weight.assign(rng.normal(size=weight.shape).astype("float32"))
    result = attributions(stacked, "hardly good", method=method, baseline="not")
    word = stacked.preprocessor.tokenizer.tokenize(["not"])[0].numpy().tolist()[0]
    base = np.array([[word, word]])
    assert np.abs(stacked.ngram_logits(base).numpy() - stacked.ngram_logits(np.zeros((1, 2), "int32"))).max() > 0.1
    network = classifier(base, training=False).numpy()[0] * classifier.temperature
    logits = (network + stacked.ngram_logits(base).numpy()[0]) / stacked.temperature
    index = stacked.labels.index(result.target)
    assert result.baseline_logit == pytest.approx(float(logits[index]), abs=1e-4)
    assert result.baseline_probability == pytest.approx(float(tf.nn.softmax(logits)[index]), abs=1e-5)
