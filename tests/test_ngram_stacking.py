"""The n-gram model beside a sentiment network: the layer, its fit, and the stacking recipe (no data loaded)."""
from __future__ import annotations

import json

import numpy as np
import pytest

from seqzoo.errors import InputError, SeqzooError
from seqzoo.layers.word_tokenizer import WordTokenizer
from seqzoo.models.ngram_logits import (
    PAIR_MULTIPLIER,
    NgramLogits,
    fit_ngram_logits,
    fit_scale_and_temperature,
)
from seqzoo.models.text_classifier_preprocessor import TextClassifierPreprocessor
from seqzoo.recipes import ngram_stacking


def layer_with(word_rows: dict, pair_rows: dict | None = None, *, buckets=11, bias=(0.0, 0.0), scale=1.0):
    layer = NgramLogits(vocabulary_size=10, num_classes=2, pair_buckets=buckets, scale=scale)
    layer.build((None, None))
    words = np.zeros((10, 2), "float32")
    for i, row in word_rows.items():
        words[i] = row
    layer.word_weights.assign(words)
    pairs = np.zeros((buckets, 2), "float32")
    for (a, b), row in (pair_rows or {}).items():
        pairs[(a * PAIR_MULTIPLIER + b) % buckets] = row
    layer.pair_weights.assign(pairs)
    layer.bias.assign(np.asarray(bias, "float32"))
    return layer


def test_the_logits_sum_the_words_and_the_adjacent_word_pairs_and_ignore_padding():
    layer = layer_with({5: (1.0, 2.0), 7: (0.5, -1.0), 3: (10.0, 10.0)},
                       {(5, 7): (0.25, 4.0), (0, 7): (100.0, 100.0), (5, 0): (100.0, 100.0)}, bias=(0.1, 0.2))
    out = layer(np.array([[5, 7, 0, 0], [7, 5, 0, 0], [5, 0, 7, 0]])).numpy()
    np.testing.assert_allclose(out[0], [1.0 + 0.5 + 0.25 + 0.1, 2.0 - 1.0 + 4.0 + 0.2], rtol=1e-6)
    # The pair counts in its order only, and not across padding.
    np.testing.assert_allclose(out[1], [1.6, 1.2], rtol=1e-6)
    np.testing.assert_allclose(out[2], [1.6, 1.2], rtol=1e-6)


def test_scale_multiplies_everything_and_no_buckets_means_words_only():
    scaled = layer_with({5: (1.0, 2.0)}, {(5, 5): (3.0, 3.0)}, bias=(1.0, 0.0), scale=0.5)
    np.testing.assert_allclose(scaled(np.array([[5, 5]])).numpy(), [[(1 + 1 + 3 + 1) * 0.5, (2 + 2 + 3) * 0.5]])
    words_only = NgramLogits(vocabulary_size=10, num_classes=3, pair_buckets=0)
    assert words_only(np.array([[1, 2]])).shape == (1, 3)
    assert words_only.pair_weights is None and len(words_only.weights) == 2


def test_the_config_round_trips_and_l2_adds_a_training_loss():
    layer = NgramLogits(vocabulary_size=10, num_classes=2, pair_buckets=7, scale=0.3, l2=1e-3, name="ngrams")
    again = NgramLogits.from_config(layer.get_config())
    settings = (again.vocabulary_size, again.num_classes, again.pair_buckets, again.scale, again.l2)
    assert settings == (10, 2, 7, 0.3, 1e-3)
    layer(np.array([[1, 2]]))
    layer.word_weights.assign(np.ones((10, 2), "float32"))
    assert float(sum(layer.losses)) == pytest.approx(1e-3 * 20)
    assert NgramLogits(vocabulary_size=10, num_classes=2).losses == []


@pytest.mark.parametrize("arguments, message", [
    ({"vocabulary_size": 0}, "vocabulary_size"), ({"num_classes": 1}, "num_classes"),
    ({"pair_buckets": -1}, "pair_buckets"), ({"scale": "big"}, "scale"), ({"l2": -0.1}, "l2"),
    ({"vocabulary_size": True}, "vocabulary_size"), ({"pair_buckets": 2 ** 24 + 1}, "pair_buckets"),
])
def test_bad_arguments_are_refused_by_name(arguments, message):
    with pytest.raises(InputError, match=message):
        NgramLogits(**{"vocabulary_size": 10, "num_classes": 2, **arguments})


def test_the_fit_checks_its_arguments_by_name():
    tokenizer = WordTokenizer(max_vocabulary_size=20)
    tokenizer.adapt(["good film", "bad film"])
    preprocessor = TextClassifierPreprocessor(tokenizer, 8)
    for arguments, message in (({"epochs": 0}, "epochs"), ({"batch_size": 0}, "batch_size"),
                               ({"learning_rate": 0.0}, "learning_rate"), ({"seed": -1}, "seed"),
                               ({"labels": [1]}, "Got 2 texts but labels of shape")):
        given = {"labels": [1, 0], "num_classes": 2, "l2": 0.0, "epochs": 1, **arguments}
        with pytest.raises(InputError, match=message):
            fit_ngram_logits(preprocessor, ["good film", "bad film"], given.pop("labels"), **given)


def test_word_pairs_learn_what_single_words_cannot():
    # Each word is as often positive as negative; only the pairs tell the labels apart.
    texts = ["very good", "not good", "very bad", "not bad"] * 16
    labels = np.array([1, 0, 0, 1] * 16)
    tokenizer = WordTokenizer(max_vocabulary_size=20)
    tokenizer.adapt(texts)
    preprocessor = TextClassifierPreprocessor(tokenizer, 8)
    ids = preprocessor(texts[:4])
    accuracy = {}
    for buckets in (0, 64):
        layer = fit_ngram_logits(preprocessor, texts, labels, num_classes=2, l2=0.0, epochs=30,
                                 pair_buckets=buckets, batch_size=8, learning_rate=0.1)
        accuracy[buckets] = float(np.mean(layer(ids).numpy().argmax(1) == labels[:4]))
    assert accuracy[64] == 1.0
    assert accuracy[0] <= 0.75


def test_the_scale_and_temperature_are_the_ones_that_made_the_labels():
    rng = np.random.default_rng(0)
    network, other = rng.normal(size=(2, 6_000)) * 2
    made = 1 / (1 + np.exp(-(network + 0.5 * other) / 2))  # scale 0.5, temperature 2
    labels = (rng.random(6_000) < made).astype(int)
    as_logits = lambda logit: np.stack([np.zeros_like(logit), logit], axis=1)
    rows = np.arange(6_000)
    scale, temperature = fit_scale_and_temperature(as_logits(network), as_logits(other), rows, np.ones(6_000), labels)
    assert scale == pytest.approx(0.5, abs=0.08)
    assert temperature == pytest.approx(2.0, rel=0.08)
    noise = rng.normal(size=6_000)
    assert fit_scale_and_temperature(as_logits(network), as_logits(noise), rows, np.ones(6_000), labels)[0] < 0.1


def fold_line(fold, network, labels, *, seed=0, folds=3, headline=0.8):
    positive = 1 / (1 + np.exp(-np.asarray(network)))
    return json.dumps({"preset": "sentiment-lstm", "seed": seed, "overrides": {}, "headline_positive": headline,
                       "held_out": f"fold {fold} of {folds} of train + validation",
                       "validation_positive_probabilities": positive.tolist(),
                       "validation_labels": [int(y) for y in labels]})


def synthetic(folds=3, size=400, informative=True, seed=0, noise=(2.0, 2.0, 2.0)):
    rng = np.random.default_rng(seed)
    lines, ngram = [], {}
    for fold in range(folds):
        truth = rng.normal(size=size) * 2
        labels = (rng.random(size) < 1 / (1 + np.exp(-truth))).astype(int)
        network = truth + rng.normal(size=size) * 2  # Two noisy views of the same signal.
        other = (truth + rng.normal(size=size) * noise[fold]) if informative else rng.normal(size=size)
        lines.append(fold_line(fold, network, labels))
        ngram[fold] = (other, -1.0)
    return lines, ngram


def cells(row):
    return [c.strip() for c in row.strip("|").split("|")]


def test_an_informative_second_model_raises_the_accuracy_and_a_noise_one_gets_no_weight():
    lines, ngram = synthetic()
    rows = ngram_stacking.stacking_table(lines, ngram, size=200, draws=5)
    assert len(rows) == 3
    row = cells(rows[2])
    assert row[0] == "sentiment-lstm seed 0 {}"
    assert float(row[3].rstrip("%")) > 3.0  # Two views of equal noise: a large gain.
    network_weight, ngram_weight = map(float, row[-1].split(","))
    assert ngram_weight == pytest.approx(network_weight, abs=0.2)
    # Each fold's weights are fitted on the other folds only, as a twin's temperature is.
    lines, ngram = synthetic(noise=(8.0, 1.0, 1.0))
    row = cells(ngram_stacking.stacking_table(lines, ngram, size=200, draws=5)[2])
    parts = [(np.log(np.asarray(p) / (1 - np.asarray(p))), np.asarray(y)) for p, y in (
        (json.loads(x)["validation_positive_probabilities"], json.loads(x)["validation_labels"]) for x in lines)]
    as_logits = lambda logit: np.stack([np.zeros_like(logit), logit], axis=1)
    fitted = []
    for f in range(3):
        others = [o for o in range(3) if o != f]
        labels = np.concatenate([parts[o][1] for o in others])
        scale, temperature = fit_scale_and_temperature(
            as_logits(np.concatenate([parts[o][0] for o in others])),
            as_logits(np.concatenate([ngram[o][0] for o in others])),
            np.arange(len(labels)), np.ones(len(labels)), labels)
        fitted.append([1 / temperature, scale / temperature])
    expected = np.mean(fitted, axis=0)
    assert row[-1] == f"{expected[0]:.2f}, {expected[1]:.2f}"
    # The headline: 0.8 under the network's temperature; the n-gram logit (-1) pulls it down.
    alone, stacked = row[9].split(" / ")
    assert all(float(a) > float(s) for a, s in zip(alone.split(), stacked.split()))
    noise_lines, noise = synthetic(informative=False)
    row = cells(ngram_stacking.stacking_table(noise_lines, noise, size=200, draws=5)[2])
    assert abs(float(row[-1].split(",")[1])) < 0.1
    assert abs(float(row[3].rstrip("%"))) < 1.0


def test_runs_without_every_fold_are_left_out_and_mismatched_logits_refused():
    lines, ngram = synthetic()
    assert len(ngram_stacking.stacking_table(lines[:2], ngram, size=200, draws=5)) == 2  # No run has all folds.
    short = {**ngram, 1: (ngram[1][0][:-1], -1.0)}
    with pytest.raises(SeqzooError, match="do not match its folds"):
        ngram_stacking.stacking_table(lines, short, size=200, draws=5)
    with pytest.raises(SeqzooError, match="Line 1 is not a tuning result"):
        ngram_stacking.stacking_table(["{}"], ngram)


def test_the_command_refuses_more_pair_buckets_than_a_layer_takes(capsys):
    with pytest.raises(SystemExit):
        ngram_stacking.main(["--twins", "sentiment-lstm", "--pair-buckets", str(2 ** 24 + 1)])
    assert "--pair-buckets" in capsys.readouterr().err


def test_the_command_refuses_a_missing_log_and_a_log_without_cross_validation(tmp_path, capsys):
    assert ngram_stacking.main([str(tmp_path / "missing.jsonl")]) == 2
    assert "is not a file" in capsys.readouterr().err
    log = tmp_path / "cv.jsonl"
    log.write_text(synthetic(folds=2)[0][0] + "\n")
    assert ngram_stacking.main([str(log), "--folds", "3"]) == 2
    assert "holds out all 3 folds" in capsys.readouterr().err
    assert ngram_stacking.main([str(log), "--l2", "-1"]) == 2
    assert "l2" in capsys.readouterr().err


def test_the_search_by_thirds_finds_the_temperature_that_the_full_grid_does():
    from seqzoo.models.calibration import (
        TEMPERATURES,
        fit_temperature,
        negative_log_likelihood,
    )
    from seqzoo.models.ngram_logits import grid_minimum

    rng = np.random.default_rng(1)
    rows = np.arange(500)
    for spread in (0.3, 1.0, 4.0, 30.0):
        logits = rng.normal(size=(500, 3)) * spread
        labels = rng.integers(0, 3, 500)

        def likelihood(t, z=logits, y=labels):
            return negative_log_likelihood(z, rows, np.ones(500), y, t)

        found, value = grid_minimum(likelihood, TEMPERATURES)
        assert found == fit_temperature(logits, rows, np.ones(500), labels)
        assert value == negative_log_likelihood(logits, rows, np.ones(500), labels, found)
    assert grid_minimum(lambda x: abs(x - 3), np.arange(10.0)) == (3.0, 0.0)
    assert grid_minimum(lambda x: x, np.arange(10.0)) == (0.0, 0.0)
    assert grid_minimum(lambda x: -x, np.arange(10.0)) == (9.0, -9.0)


def test_the_likelihood_of_one_chunk_texts_is_the_one_of_their_chunk_probabilities():
    from seqzoo.models.calibration import chunk_probabilities, negative_log_likelihood

    rng = np.random.default_rng(2)
    logits = (rng.normal(size=(300, 4)) * 5).astype(np.float32)
    labels = rng.integers(0, 4, 300)
    rows, sizes = np.arange(300), np.ones(300, np.float32)
    for temperature in (0.05, 0.7, 1.0, 6.0):
        probabilities = chunk_probabilities(logits, rows, sizes, 300, temperature)
        expected = -np.mean(np.log(np.maximum(probabilities[rows, labels], 1e-12)))
        assert negative_log_likelihood(logits, rows, sizes, labels, temperature) == pytest.approx(expected, rel=1e-6)
    # One chunk per text in another order: each chunk still counts for its own text.
    order = rng.permutation(300)
    shuffled = negative_log_likelihood(logits[order], rows[order], sizes, labels)
    assert shuffled == pytest.approx(negative_log_likelihood(logits, rows, sizes, labels), rel=1e-6)
    # Two chunks of one text: the chunk-averaged probabilities, not a log-softmax per chunk.
    two = negative_log_likelihood(logits[:2], np.array([0, 0]), np.array([1.0, 3.0]), labels[:1])
    mixed = chunk_probabilities(logits[:2], np.array([0, 0]), np.array([1.0, 3.0]), 1)
    assert two == pytest.approx(-np.log(mixed[0, labels[0]]), rel=1e-6)


def test_a_twin_row_compares_the_twin_under_its_temperature_with_it_stacked():
    import types

    import seqzoo

    texts = ["very good", "not good", "very bad", "not bad"] * 8
    train = types.SimpleNamespace(x=texts, y=[1, 0, 0, 1] * 8)
    validation = types.SimpleNamespace(x=texts[:12], y=[1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0])
    twin = seqzoo.build("gru", "text_classification", texts=texts, hidden_size=4, sequence_length=8, seed=0)
    row = cells(ngram_stacking.twin_row("toy", twin, train, validation, epochs=10))
    assert row[0] == "toy" and row[1].startswith("0 → ") and float(row[1].split(" → ")[1]) > 0
    assert twin.temperature != 1.0 and row[2].split(" → ")[0] == f"{twin.temperature:.3f}"  # Refitted first.
    before, after = (float(x.rstrip("%")) for x in row[3].split(" → "))
    assert after > before
    assert len(row) == 5  # No parent, no last cell.


def test_a_twin_row_with_its_parent_stacks_the_parent_under_the_twins_weights(monkeypatch):
    import types

    import seqzoo
    from seqzoo.models.text_classifier import TextClassifier

    texts = ["very good", "not good", "very bad", "not bad"] * 8
    train = types.SimpleNamespace(x=texts, y=np.array([1, 0, 0, 1] * 8))
    validation = types.SimpleNamespace(x=texts[:12], y=np.array([1, 0, 0, 1, 1, 0, 1, 1, 1, 1, 0, 0]))
    twin, parent = (seqzoo.build("gru", "text_classification", texts=texts, hidden_size=4, sequence_length=8,
                                 seed=seed) for seed in (0, 1))
    calls = []
    original = TextClassifier.stack_ngrams

    def recorded(self, *args, **kwargs):
        calls.append((self, args, kwargs))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(TextClassifier, "stack_ngrams", recorded)
    row = cells(ngram_stacking.twin_row("toy", twin, train, validation, epochs=10, pair_buckets=0, parent=parent))
    (first, _, twin_fit), (second, parent_args, parent_fit) = calls
    assert first is twin and second is parent
    assert twin_fit["pair_buckets"] == parent_fit["pair_buckets"] == 0 and parent_fit["epochs"] == 10
    assert list(parent_args[0]) == texts + texts[:12] and list(parent_args[1]) == [1, 0, 0, 1] * 8 + list(
        validation.y)
    scale, temperature = float(row[1].split(" → ")[1]), float(row[2].split(" → ")[1])
    assert parent_fit["weights"] == pytest.approx((scale, temperature), abs=5e-3)
    alone, stacked = (float(x) for x in row[5].split(" → "))
    assert alone == pytest.approx(float(parent.predict([ngram_stacking.HEADLINE])[0, 1]), abs=5e-4)
    assert stacked != alone


def test_the_command_asks_for_a_log_or_twins_and_names_a_missing_twin(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path))
    assert ngram_stacking.main([]) == 2
    assert "or --twins PRESET" in capsys.readouterr().err
    assert ngram_stacking.main(["--twins", "sentiment-lstm"]) == 2
    assert "holds no train-only twin of the shipped sentiment-lstm" in capsys.readouterr().err
    assert ngram_stacking.main(["--twins", "sentiment-foo"]) == 2
    assert "'sentiment-foo' is not a shipped preset" in capsys.readouterr().err
    # A twin of other hyper-parameters (a stale run) is not the shipped preset's twin.
    import seqzoo
    from seqzoo.recipes.sentiment_calibration import twin_dir

    card = seqzoo.info("sentiment-lstm")
    card.recipe = {**card.recipe, "hparams": {**card.recipe["hparams"], "training_data": "train split",
                                              "hidden_size": 7}}
    twin_dir("sentiment-lstm").mkdir(parents=True)
    (twin_dir("sentiment-lstm") / "card.json").write_text(card.to_json(), encoding="utf-8")
    assert ngram_stacking.main(["--twins", "sentiment-lstm"]) == 2
    assert "holds no train-only twin of the shipped sentiment-lstm" in capsys.readouterr().err


def test_a_twin_is_kept_in_its_training_run_where_sentiment_train_puts_it(tmp_path, monkeypatch):
    from seqzoo.recipes.runner import run_dir
    from seqzoo.recipes.sentiment_calibration import twin_dir

    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path))
    # sentiment.train(twin=True) names its run "{preset}-seed{seed}-twin"; the twin preset lies inside it.
    assert twin_dir("sentiment-bilstm", 2) == run_dir("sentiment-bilstm-seed2-twin") / "preset"
    assert twin_dir("sentiment-bilstm", 2).is_relative_to(tmp_path)


def test_the_folds_n_gram_models_are_fitted_with_the_pair_buckets_asked_for(monkeypatch):
    import dataclasses

    from seqzoo.recipes import sentiment

    @dataclasses.dataclass
    class Split:
        x: list
        y: np.ndarray

    texts = ["very good", "not good", "very bad", "not bad"] * 6
    split = Split(texts, np.array([1, 0, 0, 1] * 6))
    monkeypatch.setattr(sentiment, "load_splits", lambda *args, **kwargs: [split, split])
    fitted = []
    real_fit = ngram_stacking.fit_ngram_logits

    def fit(*args, **kwargs):
        fitted.append(real_fit(*args, **kwargs))
        return fitted[-1]

    monkeypatch.setattr(ngram_stacking, "fit_ngram_logits", fit)
    for buckets in (0, 32):
        folds = ngram_stacking.fold_ngram_logits(2, epochs=1, pair_buckets=buckets)
        assert sorted(folds) == [0, 1] and all(len(logits) == 24 for logits, _ in folds.values())
        assert [layer.pair_buckets for layer in fitted[-2:]] == [buckets, buckets]
