"""The GloVe sentiment recipe end to end on a tiny subset (a few snippets, a 4-unit LSTM, one epoch).

Needs the cached rt-snippets and glove-6b-50d data (`seqzoo data fetch rt-snippets glove-6b-50d`).
"""
from __future__ import annotations

import json

import numpy as np
import pytest

import seqzoo
from seqzoo.datasets.fetch import read_cached
from seqzoo.datasets.sources import get_source

pytestmark = pytest.mark.skipif(
    any(read_cached(get_source(name)) is None for name in ("rt-snippets", "glove-6b-50d")),
    reason="rt-snippets or glove-6b-50d is not cached")


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    from seqzoo.recipes import sentiment
    from seqzoo.recipes.runner import training_session

    folder = tmp_path_factory.mktemp("glove-recipe")
    with training_session(runs_dir=folder / "runs", verbose=0):
        card = sentiment.train("sentiment-lstm", out=folder / "preset", epochs=1,
                               overrides={"limit": 96, "hidden_size": 4, "embeddings_extra_words": 50})
    return card, folder / "preset"


def test_card_records_glove_and_the_unseen_words_accuracy(tiny_run):
    card, _ = tiny_run
    assert card.recipe["embeddings"]["source"] == "glove-6b-50d"
    assert card.recipe["embeddings"]["extra_words"] == 50
    unseen = card.metrics["unseen_words_test_accuracy"]
    assert unseen["split"] == "test" and 0.0 <= unseen["value"] <= 1.0
    # 96 training + 96 validation snippets leave most test snippets with a word they lack.
    assert "test snippets with at least one word absent from the training text" in unseen["description"]
    assert int(unseen["description"].split()[1]) > 48


def test_extra_glove_words_keep_their_vectors_in_the_saved_preset(tiny_run):
    from seqzoo.datasets import load_embeddings

    card, preset = tiny_run
    model = seqzoo.load(preset)
    vocabulary = model.preprocessor.tokenizer.vocabulary
    words, vectors = load_embeddings("glove-6b-50d")
    extra = vocabulary[-1]  # the 50th extra word: in GloVe, absent from the 192 snippets
    assert card.recipe["embeddings"]["vocabulary"] == len(vocabulary)
    table = model.backbone.token_embedding.embeddings.numpy()
    np.testing.assert_array_equal(table[len(vocabulary) + 3], vectors[words.index(extra)])
    assert json.loads((preset / "config.json").read_text())["config"]["embedding_source"]["source"] == "glove-6b-50d"


@pytest.fixture(scope="module")
def tiny_ensemble(tmp_path_factory):
    from seqzoo.recipes import sentiment
    from seqzoo.recipes.runner import training_session

    folder = tmp_path_factory.mktemp("glove-ensemble")
    with training_session(runs_dir=folder / "runs", verbose=0):
        card = sentiment.train("sentiment-lstm", out=folder / "preset", epochs=1, seed=1,
                               overrides={"limit": 64, "hidden_size": 4, "embeddings_extra_words": 20,
                                          "ensemble_members": 2, "adversarial_epsilon": None})
    return card, folder / "preset"


def test_ensemble_members_are_trained_from_their_own_seeds_and_folded_into_one_network(tiny_ensemble):
    from seqzoo.datasets import load_embeddings

    card, preset = tiny_ensemble
    model = seqzoo.load(preset)
    assert model.backbone.hidden_size == 8 and model.backbone.embedding_dim == 100
    assert card.recipe["hparams"]["hidden_size"] == 4  # per member
    assert card.recipe["hparams"]["ensemble"].startswith("2 members, seeds [2, 3]")
    assert card.recipe["embeddings"]["member_seeds"] == [2, 3]
    assert card.recipe["embeddings"]["ensemble_members"] == 2
    assert "an ensemble of 2 2-layer lstms" in card.description
    assert len(card.recipe["history"]["loss"]) == 1  # the members' mean, one value per epoch
    # Each member holds an extra word's GloVe vector in its own columns; the trained rows differ.
    words, vectors = load_embeddings("glove-6b-50d")
    vocabulary = model.preprocessor.tokenizer.vocabulary
    table = model.backbone.token_embedding.embeddings.numpy()
    np.testing.assert_array_equal(table[len(vocabulary) + 3], np.tile(vectors[words.index(vocabulary[-1])], 2))
    assert np.abs(table[4, :50] - table[4, 50:]).max() > 0


def test_members_histories_are_averaged_over_the_epochs_they_all_ran():
    from seqzoo.recipes.sentiment import mean_history

    one = {"loss": [0.7, 0.5]}
    assert mean_history([one]) is one
    averaged = mean_history([{"loss": [0.6, 0.4, 0.3], "accuracy": [0.5]}, {"loss": [0.8, 0.6]}])
    assert averaged.keys() == {"loss"} and averaged["loss"] == pytest.approx([0.7, 0.5])


def test_member_seeds_do_not_overlap_between_recipe_seeds():
    from seqzoo.recipes.sentiment import member_seeds

    assert member_seeds(0, 1) == [0] and member_seeds(2, 1) == [2]
    assert member_seeds(0, 3) == [0, 1, 2] and member_seeds(1, 3) == [3, 4, 5]


def test_compact_writes_the_stored_weights_figures_into_the_card(tiny_run, tmp_path, monkeypatch):
    import shutil

    import h5py

    from seqzoo.recipes import compact_embeddings

    _, preset = tiny_run
    copy = shutil.copytree(preset, tmp_path / "sentiment-lstm")
    float32 = {"test_accuracy": 0.8, "unseen_words_test_accuracy": 0.75, "long_text_test_accuracy": 1.0}
    float16 = {**float32, "test_accuracy": 0.7992138}  # one answer of 1,272 moved: within the tolerance

    def measure(preset_dir):  # Which table the weights hold decides the figures.
        with h5py.File(preset_dir / "model.weights.h5", "r") as f:
            halves = []
            f.visititems(lambda n, o: halves.append(n) if getattr(o, "dtype", None) == np.float16 else None)
        return dict(float16 if halves else float32)

    monkeypatch.setattr(compact_embeddings, "measure", measure)
    changes = compact_embeddings.compact(copy)
    card = seqzoo.info(copy)
    assert changes == {"test_accuracy": 0.000786, "unseen_words_test_accuracy": 0.0, "long_text_test_accuracy": 0.0}
    assert {k: card.metrics[k]["value"] for k in float16} == {**float32, "test_accuracy": 0.79921}
    assert card.recipe["storage"]["float32_metrics"] == float32
    assert card.metrics["test_accuracy"]["split"] == "test"  # the rest of the record is kept
    compacted = seqzoo.load(copy)  # re-signed: the hashes match the rewritten card and weights
    with h5py.File(copy / "model.weights.h5", "r") as f:
        filters = {}
        f.visititems(lambda n, o: filters.update({n: (o.compression, o.size)}) if isinstance(o, h5py.Dataset) else None)
    assert {c for c, size in filters.values() if size >= compact_embeddings.COMPRESS_FROM} == {"gzip"}
    assert {c for c, size in filters.values() if size < compact_embeddings.COMPRESS_FROM} == {None}
    original = seqzoo.load(preset)  # gzip is lossless; only the table's float16 rounding moves answers
    np.testing.assert_allclose(compacted.predict(["A fine film.", "Dull."]),
                               original.predict(["A fine film.", "Dull."]), atol=2e-3)
