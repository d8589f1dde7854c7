"""The sentiment presets store their word embedding in float16, and it changed no card metric."""
import h5py
import numpy as np
import pytest

import seqzoo
from seqzoo.recipes.compact_embeddings import EMBEDDING_SUFFIX, TOLERANCE, _to_float16
from seqzoo.registry import get_entry


@pytest.mark.parametrize("name", ["sentiment-lstm", "sentiment-bilstm", "sentiment-rnn"])
def test_shipped_sentiment_presets_hold_a_float16_embedding_that_moved_no_metric(name):
    card = seqzoo.info(name)
    storage = card.recipe["storage"]
    assert storage["largest_metric_change"] <= TOLERANCE
    assert set(storage["metric_changes"]) >= {"test_accuracy", "test_calibration_error"}
    # The card's metrics are the stored (float16) weights' figures; the float32 ones are kept beside.
    assert set(storage["float32_metrics"]) == set(storage["metric_changes"])
    for key, change in storage["metric_changes"].items():
        assert abs(card.metrics[key]["value"] - storage["float32_metrics"][key]) == pytest.approx(change, abs=2e-5)
    with h5py.File(get_entry(name).preset / "model.weights.h5", "r") as f:
        assert f[storage["float16"][0]].dtype == np.float16


def test_to_float16_rewrites_only_the_embedding_and_loads_back(tmp_path):
    texts = ["a great film", "a dull film", "great", "dull"]
    model = seqzoo.build("lstm", "text_classification", texts=texts, hidden_size=8, num_layers=1,
                         embedding_dim=4)
    model.save_preset(tmp_path / "p")
    before = model.predict(texts)
    with h5py.File(tmp_path / "p" / "model.weights.h5", "r") as f:
        sizes = {}
        f.visititems(lambda n, o: sizes.update({n: o.dtype}) if isinstance(o, h5py.Dataset) else None)
    table = _to_float16(tmp_path / "p" / "model.weights.h5")
    assert table.endswith(EMBEDDING_SUFFIX)
    with h5py.File(tmp_path / "p" / "model.weights.h5", "r") as f:
        after = {}
        f.visititems(lambda n, o: after.update({n: o.dtype}) if isinstance(o, h5py.Dataset) else None)
    assert set(after) == set(sizes)
    assert {n for n in after if after[n] != sizes[n]} == {table}
    seqzoo.presets.rehash(tmp_path / "p")
    again = seqzoo.load(tmp_path / "p")
    assert again.backbone.token_embedding.embeddings.dtype == "float32"
    np.testing.assert_allclose(again.predict(texts), before, atol=2e-3)
