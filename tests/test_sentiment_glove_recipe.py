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
    seqzoo.load(copy)  # re-signed: the hashes match the rewritten card and weights
