"""The validation-only tuning recipe on a tiny subset: it never loads the test split.

Needs the cached rt-snippets and glove-6b-50d data (`seqzoo data fetch rt-snippets glove-6b-50d`).
"""
from __future__ import annotations

import argparse
import json

import numpy as np
import pytest

from seqzoo.datasets.fetch import read_cached
from seqzoo.datasets.sources import get_source
from seqzoo.errors import SeqzooError

pytestmark = pytest.mark.skipif(
    any(read_cached(get_source(name)) is None for name in ("rt-snippets", "glove-6b-50d")),
    reason="rt-snippets or glove-6b-50d is not cached")

TINY = {"limit": 64, "hidden_size": 4, "epochs": 1, "embeddings_extra_words": 20, "average_from_epoch": 1}


@pytest.fixture(scope="module")
def tiny_tuning(tmp_path_factory):
    from seqzoo import datasets
    from seqzoo.recipes import sentiment, sentiment_tuning
    from seqzoo.recipes.runner import training_session

    folder = tmp_path_factory.mktemp("tuning")
    loaded, epsilons = [], []
    real_load, real_adversarial = datasets.load, sentiment.adversarial_embedding_training
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets, "load", lambda name, split: loaded.append(split) or real_load(name, split))
        patch.setattr(sentiment, "adversarial_embedding_training",
                      lambda model, epsilon: epsilons.append(epsilon) or real_adversarial(model, epsilon))
        with training_session(runs_dir=folder / "runs", verbose=0):
            result = sentiment_tuning.tune("sentiment-lstm", seed=3, log=folder / "log.jsonl",
                                           overrides={**TINY, "adversarial_epsilon": 2.0}, save=folder / "saved")
    return result, folder, loaded, epsilons


def test_reads_train_and_validation_only_and_applies_the_adversarial_setting(tiny_tuning):
    result, _, loaded, epsilons = tiny_tuning
    assert sorted(loaded) == ["train", "validation"]
    assert epsilons == [2.0]
    assert result["overrides"]["adversarial_epsilon"] == 2.0 and result["seed"] == 3


def test_figures_are_the_validation_splits_and_the_log_holds_them(tiny_tuning):
    from seqzoo.recipes import sentiment

    result, folder, _, _ = tiny_tuning
    lines = (folder / "log.jsonl").read_text().splitlines()
    assert [json.loads(line) for line in lines] == [result]
    assert len(result["validation_accuracy_per_epoch"]) == 1
    validation = sentiment.load_splits(64, ("validation",))[0]
    assert result["unseen_words_validation_snippets"] <= len(validation.x)
    for key in ("validation_accuracy", "unseen_words_validation_accuracy", "headline_positive"):
        assert 0.0 <= result[key] <= 1.0
    # 64 snippets of each label-mixed split: accuracy is a multiple of 1/64.
    assert np.isclose(result["validation_accuracy"] * 64, round(result["validation_accuracy"] * 64), atol=0.01)


def test_per_snippet_probabilities_are_logged_and_the_saved_model_gives_them(tiny_tuning):
    import seqzoo
    from seqzoo.recipes import sentiment

    result, folder, _, _ = tiny_tuning
    validation = sentiment.load_splits(64, ("validation",))[0]
    positive = np.asarray(result["validation_positive_probabilities"])
    assert positive.shape == (64,) and result["validation_labels"] == validation.y.tolist()
    assert np.mean((positive > 0.5) == validation.y) == pytest.approx(result["validation_accuracy"], abs=1e-4)
    saved = seqzoo.load(folder / "saved")
    np.testing.assert_allclose(saved.predict(validation.x)[:, 1], positive, atol=1e-5)
    assert saved.embedding_source["extra_words"] == TINY["embeddings_extra_words"]


def test_save_with_folds_is_a_usage_error(capsys, tmp_path):
    from seqzoo.recipes.sentiment_tuning import main

    assert main(["--folds", "3", "--save", str(tmp_path / "x")]) == 2
    assert "--save keeps the model of one run" in capsys.readouterr().err
    assert not (tmp_path / "x").exists()


def test_an_unknown_setting_is_refused_before_training():
    from seqzoo.recipes import sentiment_tuning

    with pytest.raises(SeqzooError, match="Unknown overrides"):
        sentiment_tuning.tune("sentiment-lstm", overrides={"hiden_size": 4})


@pytest.mark.parametrize("text, expected", [("dropout=0.4", ("dropout", 0.4)), ("pooling=last", ("pooling", "last")),
                                            ("bidirectional=true", ("bidirectional", True))])
def test_settings_are_read_as_json_or_text(text, expected):
    from seqzoo.recipes.sentiment_tuning import parse_setting

    assert parse_setting(text) == expected


@pytest.mark.parametrize("text", ["dropout", "=0.4"])
def test_a_setting_without_key_and_value_is_refused(text):
    from seqzoo.recipes.sentiment_tuning import parse_setting

    with pytest.raises(argparse.ArgumentTypeError, match="key=value"):
        parse_setting(text)


# === Cross-validation over train + validation (--folds) ===
def _tiny_splits():
    from seqzoo.recipes import sentiment

    return sentiment.load_splits(64, ("train", "validation"))


def test_folds_hold_out_every_snippet_once_with_its_label():
    from seqzoo.recipes.sentiment_tuning import fold_splits

    train, validation = _tiny_splits()
    label = dict(zip(list(train.x) + list(validation.x), np.concatenate([train.y, validation.y]).tolist()))
    held_out = []
    for fold in range(4):
        rest, held = fold_splits(train, validation, folds=4, fold=fold)
        assert len(held.x) == 32 and len(rest.x) == 96
        assert not set(rest.x) & set(held.x)
        assert [label[x] for x in held.x] == held.y.tolist() and [label[x] for x in rest.x] == rest.y.tolist()
        held_out += held.x
    assert sorted(held_out) == sorted(label)
    # Fixed: every recipe and seed is scored on the same parts, and they are shuffled, not the splits in order.
    again = fold_splits(train, validation, folds=4, fold=1)[1]
    assert again.x == fold_splits(train, validation, folds=4, fold=1)[1].x
    assert set(again.x) & set(train.x) and set(again.x) & set(validation.x)


@pytest.mark.parametrize("folds, fold", [(1, 0), (4, 4), (4, -1), (2.0, 0), (200, 0)])
def test_bad_folds_are_refused(folds, fold):
    from seqzoo.recipes.sentiment_tuning import fold_splits

    with pytest.raises(SeqzooError, match="fold"):
        fold_splits(*_tiny_splits(), folds=folds, fold=fold)


def test_a_fold_run_scores_its_held_out_part(tmp_path):
    from seqzoo.recipes import sentiment_tuning
    from seqzoo.recipes.runner import training_session

    loaded = []
    from seqzoo import datasets

    real_load = datasets.load
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(datasets, "load", lambda name, split: loaded.append(split) or real_load(name, split))
        with training_session(runs_dir=tmp_path / "runs", verbose=0):
            result = sentiment_tuning.tune("sentiment-lstm", seed=0, overrides=TINY, folds=4, fold=3)
    assert sorted(loaded) == ["train", "validation"]
    assert result["held_out"] == "fold 3 of 4 of train + validation" and result["validation_snippets"] == 32
    assert np.isclose(result["validation_accuracy"] * 32, round(result["validation_accuracy"] * 32), atol=0.01)
    assert [p.name for p in (tmp_path / "runs").iterdir() if "fold3of4" in p.name]


def test_pooled_figures_weigh_each_fold_by_its_snippets():
    from seqzoo.recipes.sentiment_tuning import pooled

    results = [{"preset": "p", "seed": 0, "overrides": {}, "validation_snippets": n, "validation_accuracy": a,
                "unseen_words_validation_snippets": u, "unseen_words_validation_accuracy": ua,
                "validation_calibration_error": e, "training_seconds": 10}
               for n, a, u, ua, e in [(100, 0.8, 10, 0.5, 0.02), (300, 0.6, 30, 0.9, 0.04)]]
    summary = pooled(results)
    assert summary["validation_accuracy"] == pytest.approx(0.65)  # (80 + 180) / 400
    assert summary["unseen_words_validation_accuracy"] == pytest.approx(0.8)  # (5 + 27) / 40
    assert summary["validation_calibration_error"] == pytest.approx(0.035)
    assert summary["validation_snippets"] == 400 and summary["training_seconds"] == 20
    assert summary["validation_accuracy_per_fold"] == [0.8, 0.6]


def test_fold_without_folds_is_a_usage_error(capsys):
    from seqzoo.recipes.sentiment_tuning import main

    assert main(["--fold", "1"]) == 2
    assert "--fold needs --folds" in capsys.readouterr().err
