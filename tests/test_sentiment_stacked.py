"""sentiment-bilstm-ngram: the shipped sentiment-bilstm with an n-gram model beside it, and the recipe that makes it."""
from __future__ import annotations

import re

import numpy as np
import pytest
import tensorflow as tf

import seqzoo
from seqzoo.card import ModelCard
from seqzoo.datasets.fetch import read_cached
from seqzoo.datasets.sources import get_source
from seqzoo.recipes import sentiment, sentiment_stacked

NAME = "sentiment-bilstm-ngram"
HEADLINE = "This movie is absolutely fantastic!"
TEXTS = ["A gorgeous, witty film.", "Dull and lifeless.", "This movie is absolutely fantastic!",
         "Not bad at all, and at times wonderful; but the second half drags badly and the jokes wear thin."]


def _snippets_missing() -> bool:
    return read_cached(get_source("rt-snippets")) is None


@pytest.fixture(scope="module")
def stacked():
    return seqzoo.load(NAME)


def test_the_network_is_the_shipped_parents_and_the_branch_is_the_recipes(stacked):
    card, settings = stacked.card, sentiment_stacked.PRESETS[NAME]
    parent = seqzoo.load(settings["parent"])
    assert card.recipe["parent"]["name"] == settings["parent"]
    assert card.recipe["parent"]["test_accuracy"] == parent.card.metrics["test_accuracy"]["value"]
    for mine, theirs in zip(stacked.backbone.weights + stacked.classifier_head.weights,
                            parent.backbone.weights + parent.classifier_head.weights, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())
    branch = stacked.ngram_logits
    assert (branch.l2, branch.pair_buckets) == (settings["l2"], settings["pair_buckets"])
    assert card.recipe["ngram_logits"]["epochs"] == settings["epochs"]
    assert card.recipe["ngram_logits"]["scale"] == pytest.approx(branch.scale, abs=1e-5) and branch.scale > 0
    assert card.recipe["calibration"]["temperature"] == pytest.approx(stacked.temperature, abs=1e-5)
    assert card.recipe["hparams"] == parent.card.recipe["hparams"]


def test_its_probabilities_are_the_parents_logits_plus_the_scaled_ngram_logits(stacked):
    parent = seqzoo.load(sentiment_stacked.PRESETS[NAME]["parent"])
    ids = parent.preprocessor(TEXTS)
    network = parent(ids, training=False).numpy() * parent.temperature
    expected = tf.nn.softmax((network + stacked.ngram_logits(ids).numpy()) / stacked.temperature).numpy()
    np.testing.assert_allclose(stacked.predict(TEXTS), expected, atol=1e-5)
    assert [label for label, _ in stacked.classify(TEXTS[:3])] == ["positive", "negative", "positive"]


def test_the_card_states_what_it_gives_the_headline_review(stacked):
    # The recipe writes the review's probability into the limitations; the shipped weights must give it.
    given = re.search(r'"This movie is absolutely fantastic!" gets ([0-9.]+) positive, (\S+) alone ([0-9.]+)',
                      stacked.card.limitations)
    assert given and given[2] == "sentiment-bilstm"
    assert stacked.classify(["This movie is absolutely fantastic!"])[0][1] == pytest.approx(float(given[1]), abs=5e-4)
    alone = seqzoo.load("sentiment-bilstm").classify(["This movie is absolutely fantastic!"])[0][1]
    assert alone == pytest.approx(float(given[3]), abs=5e-4)


@pytest.mark.skipif(_snippets_missing(), reason="rt-snippets is not cached: run `seqzoo data fetch rt-snippets`")
def test_the_card_compares_it_with_its_network_on_the_test_split(stacked):
    from seqzoo import datasets
    from seqzoo.recipes.paired import paired_difference

    test = datasets.load("rt-snippets", "test")
    parent = seqzoo.load("sentiment-bilstm")
    pair = paired_difference(stacked.predict(test.x).argmax(1) == test.y, parent.predict(test.x).argmax(1) == test.y)
    recorded = stacked.card.recipe["against_parent"]
    assert (recorded["only_stacked_right"], recorded["only_parent_right"]) == (pair["only_a"], pair["only_b"])
    assert recorded["difference"] == pytest.approx(pair["difference"], abs=1e-5)
    assert recorded["mcnemar_p"] == pytest.approx(pair["mcnemar_p"], abs=1e-4)
    assert recorded["interval"] == pytest.approx(list(pair["interval"]), abs=1e-5)
    parent_error = parent.card.metrics["test_calibration_error"]["value"]
    assert stacked.card.recipe["parent"]["test_calibration_error"] == parent_error


def test_the_zoo_runs_its_recipe():
    from seqzoo.recipes import RECIPES

    assert RECIPES[NAME] == ("seqzoo.recipes.sentiment_stacked", {"preset": NAME})
    assert seqzoo.info(NAME).recipe["command"].startswith(f"python -m seqzoo.recipes.sentiment_stacked --preset {NAME}")


def _tiny(folder, texts, labels, training_data: str):
    model = seqzoo.build("lstm", "text_classification", texts=texts, hidden_size=4, sequence_length=16, seed=0)
    model.compile()
    model.fit(texts, labels, epochs=1, batch_size=32, verbose=0)
    model.temperature = 1.3
    card = ModelCard(name="sentiment-bilstm", task="text_classification", architecture="lstm", dataset="rt-snippets",
                     description="tiny", headline_metric="test_accuracy",
                     metrics={name: {"value": 0.5, "split": "test", "unit": "", "description": ""}
                              for name in ("test_accuracy", "test_calibration_error")},
                     recipe={"seed": 0, "hparams": {"hidden_size": 4, "training_data": training_data}},
                     limitations="Tiny.", extra={"labels": model.labels})
    model.save_preset(folder, card=card)
    return model


@pytest.mark.skipif(_snippets_missing(), reason="rt-snippets is not cached: run `seqzoo data fetch rt-snippets`")
def test_the_recipe_weighs_on_the_twin_and_stacks_the_parent_on_all_its_texts(tmp_path, monkeypatch):
    load_splits = sentiment.load_splits
    monkeypatch.setattr(sentiment, "load_splits", lambda limit=None, names=("train", "validation", "test"):
                        load_splits(240, names))
    tr, va, _ = sentiment.load_splits()
    parent = _tiny(tmp_path / "parent", list(tr.x) + list(va.x), np.concatenate([tr.y, va.y]),
                   "train + validation splits")
    twin = _tiny(tmp_path / "twin", list(tr.x), tr.y, "train split")
    monkeypatch.setattr(sentiment_stacked, "parent_dir", lambda name, seed: tmp_path / "parent")
    monkeypatch.setattr(sentiment_stacked, "twin_dir", lambda name, seed: tmp_path / "twin")
    card = sentiment_stacked.train(NAME, out=tmp_path / "out", epochs=2)

    # The two weights are the twin's, fitted on validation; the n-gram model is fitted on train + validation.
    weighed = twin.stack_ngrams(tr.x, tr.y, va.x, va.y, epochs=2)
    made = seqzoo.load(tmp_path / "out")
    assert made.ngram_logits.scale == pytest.approx(weighed.ngram_logits.scale)
    assert made.temperature == pytest.approx(weighed.temperature)
    direct = parent.stack_ngrams(list(tr.x) + list(va.x), np.concatenate([tr.y, va.y]), epochs=2,
                                 weights=(weighed.ngram_logits.scale, weighed.temperature))
    _, _, test = sentiment.load_splits()
    np.testing.assert_allclose(made.predict(test.x), direct.predict(test.x), atol=1e-5)
    accuracy = float(np.mean(direct.predict(test.x).argmax(1) == test.y))
    assert card.metrics["test_accuracy"]["value"] == pytest.approx(accuracy, abs=1e-5)
    assert card.recipe["ngram_logits"]["epochs"] == 2 and card.recipe["parent"]["name"] == "sentiment-bilstm"
    assert card.recipe["calibration"]["twin_validation_accuracy"] == pytest.approx(
        float(np.mean(weighed.predict(va.x).argmax(1) == va.y)), abs=1e-5)
    assert made.card == card
    pair = card.recipe["against_parent"]
    right = {name: m.predict(test.x).argmax(1) == test.y for name, m in (("stacked", direct), ("parent", parent))}
    only_stacked = int(np.sum(right["stacked"] & ~right["parent"]))
    only_parent = int(np.sum(right["parent"] & ~right["stacked"]))
    assert (pair["only_stacked_right"], pair["only_parent_right"]) == (only_stacked, only_parent)
    assert only_stacked != only_parent and pair["texts"] == len(test.y)  # So a swap of the two would show.
    assert card.recipe["headline_review"] == pytest.approx(direct.predict([HEADLINE])[0, 1], abs=1e-4)


@pytest.mark.skipif(_snippets_missing(), reason="rt-snippets is not cached: run `seqzoo data fetch rt-snippets`")
def test_a_missing_twin_is_trained_and_a_parent_no_twin_can_match_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(sentiment_stacked, "parent_dir", lambda name, seed: tmp_path / "parent")
    monkeypatch.setattr(sentiment_stacked, "twin_dir", lambda name, seed: tmp_path / "twin")
    tr, va = sentiment.load_splits(240, ("train", "validation"))
    _tiny(tmp_path / "parent", list(tr.x) + list(va.x), np.concatenate([tr.y, va.y]), "train + validation splits")
    trained = []  # Today's recipe would train a twin of other settings than the tiny parent's.
    monkeypatch.setattr(sentiment, "train",
                        lambda parent, *, out, seed, twin: trained.append((parent, out, seed, twin)))
    with pytest.raises(seqzoo.SeqzooError, match="other settings than today's sentiment-bilstm recipe.*retrain it"):
        sentiment_stacked.train(NAME, out=tmp_path / "out", seed=3)
    assert trained == [("sentiment-bilstm", tmp_path / "twin", 3, True)]
    assert not (tmp_path / "out").exists()


def test_the_parent_is_the_shipped_preset_for_its_seed_and_trained_for_another(tmp_path, monkeypatch):
    from seqzoo.registry import builtin_presets_dir

    trained = []  # Never train for real here, whatever parent_dir decides.
    monkeypatch.setattr(sentiment_stacked, "run_dir", lambda name: tmp_path / name)
    monkeypatch.setattr(sentiment, "train", lambda parent, *, out, seed: trained.append(("train", parent, seed)))
    monkeypatch.setattr(sentiment_stacked, "calibrate", lambda parent, *, out, seed: trained.append(
        ("calibrate", parent, seed)))
    assert sentiment_stacked.parent_dir("sentiment-bilstm", 0) == builtin_presets_dir() / "sentiment-bilstm"
    assert trained == []
    folder = sentiment_stacked.parent_dir("sentiment-bilstm", 1)
    assert folder == tmp_path / "sentiment-bilstm-seed1" / "preset"
    assert trained == [("train", "sentiment-bilstm", 1), ("calibrate", "sentiment-bilstm", 1)]
    # A calibrated parent of that seed, already trained, is used as it is.
    card = seqzoo.info("sentiment-bilstm")
    card.recipe["seed"] = 1
    folder.mkdir(parents=True)
    (folder / "card.json").write_text(card.to_json())
    trained.clear()
    assert sentiment_stacked.parent_dir("sentiment-bilstm", 1) == folder and trained == []
    del card.recipe["calibration"]  # Trained but not calibrated yet: both steps run again.
    (folder / "card.json").write_text(card.to_json())
    sentiment_stacked.parent_dir("sentiment-bilstm", 1)
    assert [step for step, _, _ in trained] == ["train", "calibrate"]
