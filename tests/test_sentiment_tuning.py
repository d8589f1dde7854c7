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
                                           overrides={**TINY, "adversarial_epsilon": 2.0})
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
