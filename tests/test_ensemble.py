"""Folding an ensemble of text classifiers into one: exact logits, a plain preset, clear refusals."""
from __future__ import annotations

import keras
import numpy as np
import pytest

import seqzoo
from seqzoo.models.ensemble import fold_ensemble

TEXTS = ["a good film", "a bad bad film that never ends", "good", "", "film good bad and dull"] * 2


def members(architecture="lstm", *, count=3, bidirectional=False, pooling="max_mean", texts=TEXTS, **changes):
    out = []
    for seed in range(count):
        keras.utils.set_random_seed(seed)
        out.append(seqzoo.build(architecture, "text_classification", texts=texts, hidden_size=5, embedding_dim=4,
                                num_layers=2, bidirectional=bidirectional, pooling=pooling, vocabulary_size=40,
                                sequence_length=8, dropout=0.2, **changes))
    return out


def mean_logits(models, texts):
    ids = models[0].preprocessor(texts)
    return np.mean([m(ids, training=False).numpy() for m in models], axis=0)


@pytest.mark.parametrize("architecture, bidirectional, pooling", [
    ("lstm", False, "max_mean"), ("lstm", True, "max_mean"), ("gru", True, "last"), ("simple_rnn", False, "last")])
def test_the_folded_model_outputs_the_mean_of_the_members_logits(architecture, bidirectional, pooling):
    group = members(architecture, bidirectional=bidirectional, pooling=pooling)
    folded = fold_ensemble(group)
    ids = group[0].preprocessor(TEXTS)
    np.testing.assert_allclose(folded(ids, training=False).numpy(), mean_logits(group, TEXTS), atol=1e-5)
    assert folded.backbone.hidden_size == 15 and folded.backbone.embedding_dim == 12
    # Each member alone differs from the mean: the fold really uses all three.
    assert all(np.abs(m(ids, training=False).numpy() - mean_logits(group, TEXTS)).max() > 1e-4 for m in group)


def test_a_folded_preset_saves_loads_and_predicts_the_same(tmp_path):
    group = members()
    folded = fold_ensemble(group)
    folded.save_preset(tmp_path / "folded")
    loaded = seqzoo.load(tmp_path / "folded")
    np.testing.assert_allclose(loaded.predict(TEXTS), folded.predict(TEXTS), atol=1e-6)
    logits = mean_logits(group, TEXTS)
    expected = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(loaded.predict(TEXTS), expected, atol=1e-5)
    assert loaded.embedding_source == {"ensemble_members": 3}


def test_a_folded_model_keeps_the_members_words_and_source():
    group = members()
    for m in group:
        m.embedding_source = {"source": "glove-6b-50d", "dim": 4}
    folded = fold_ensemble(group)
    assert folded.preprocessor.tokenizer.vocabulary == group[0].preprocessor.tokenizer.vocabulary
    assert folded.embedding_source == {"source": "glove-6b-50d", "dim": 4, "ensemble_members": 3}
    # Member m owns embedding columns 4m..4m+3.
    np.testing.assert_array_equal(folded.backbone.token_embedding.embeddings.numpy()[:, 4:8],
                                  group[1].backbone.token_embedding.embeddings.numpy())


def test_a_folded_model_fine_tunes_on_raw_strings():
    folded = fold_ensemble(members(count=2))
    before = folded.predict(TEXTS)
    folded.fit(TEXTS, [1, 0, 1, 0, 0] * 2, epochs=2, batch_size=4, verbose=0)
    assert np.abs(folded.predict(TEXTS) - before).max() > 1e-4


@pytest.mark.parametrize("make, message", [
    (lambda: [members(count=1)[0]], "at least two"),
    (lambda: "not a list", "at least two"),
    (lambda: members(count=1) + [seqzoo.load("names-rnn")], "Member 1"),
    (lambda: members(count=1) + members(count=1, word_dropout=0.1), "backbone"),
    (lambda: members(count=1) + members(count=1, labels=["bad", "good"]), "labels"),
    (lambda: members(count=1) + members(count=1, pooling="last"), "pooling"),
    # Same sizes, other words: member 1's ids would mean other words.
    (lambda: members(count=1) + members(count=1, texts=TEXTS + ["brand new words"]), "in vocabulary;"),
])
def test_members_that_do_not_match_are_refused(make, message):
    with pytest.raises(seqzoo.SeqzooError, match=message):
        fold_ensemble(make())
