import json
import shutil

import numpy as np
import pytest

import seqzoo
from seqzoo import PresetError
from seqzoo.presets import WEIGHTS_FILE


def test_save_and_load_give_identical_outputs(tiny_lm, preset):
    again = seqzoo.load(preset)
    for loaded, saved in zip(again.get_weights(), tiny_lm.get_weights(), strict=True):
        np.testing.assert_array_equal(loaded, saved)
    # Same weights, same maths; a predict function traced for other shapes first (as the
    # other tests leave tiny_lm's) may pick other oneDNN kernels, so allow float rounding.
    np.testing.assert_allclose(again.predict(["Jo", "M"]), tiny_lm.predict(["Jo", "M"]), rtol=1e-6, atol=1e-7)
    assert again.generate("Ma", max_length=10, seed=4) == tiny_lm.generate("Ma", max_length=10, seed=4)
    assert again.card.task == "char_lm" and again.card.num_params == tiny_lm.count_params()


def test_preset_holds_vocabulary_as_asset_not_in_config(preset):
    config = (preset / "config.json").read_text()
    assert '"vocabulary": null' in config
    assert (preset / "assets" / "char_tokenizer" / "vocabulary.txt").is_file()


def test_weights_false_keeps_tokenizer_but_not_weights(tiny_lm, preset):
    fresh = seqzoo.load(preset, weights=False)
    assert fresh.tokenizer.vocabulary == tiny_lm.tokenizer.vocabulary
    assert not np.allclose(fresh.lm_head.get_weights()[0], tiny_lm.lm_head.get_weights()[0])


def test_unlisted_extra_file_is_refused(preset):
    (preset / "payload.py").write_text("print('hi')")
    with pytest.raises(PresetError, match="payload.py"):
        seqzoo.load(preset)


def test_altered_config_is_refused_by_hash(preset):
    config = preset / "config.json"
    config.write_text(config.read_text().replace('"hidden_size": 16', '"hidden_size": 17'))
    # The hash check refuses it before Keras could notice the weights' shapes no longer fit.
    with pytest.raises(PresetError, match=r"config\.json does not match the sha256 in card\.json"):
        seqzoo.load(preset)


def test_config_naming_unsafe_objects_is_refused_even_with_matching_hash(preset, tmp_path):
    sentinel = tmp_path / "pwned"
    config = json.loads((preset / "config.json").read_text())
    config["config"]["backbone"] = {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"function": {"class_name": "__lambda__", "config": {"code": "open(%r,'w')" % str(sentinel)}}},
    }
    _rewrite_with_hash(preset, "config.json", json.dumps(config))
    with pytest.raises(PresetError, match="Lambda"):
        seqzoo.load(preset)
    config["config"]["backbone"] = {"module": "os", "class_name": "system", "config": {}, "registered_name": None}
    _rewrite_with_hash(preset, "config.json", json.dumps(config))
    with pytest.raises(PresetError, match="os"):
        seqzoo.load(preset)
    assert not sentinel.exists()


def test_corrupt_card_is_a_clear_error(preset):
    (preset / "card.json").write_text("{not json")
    with pytest.raises(PresetError, match="card.json"):
        seqzoo.load(preset)


def test_interrupted_save_keeps_the_old_preset(tiny_lm, preset, monkeypatch):
    before = (preset / WEIGHTS_FILE).read_bytes()

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("seqzoo.presets._save_weights_without_optimizer", crash)
    with pytest.raises(KeyboardInterrupt):
        tiny_lm.save_preset(preset)
    assert (preset / WEIGHTS_FILE).read_bytes() == before
    assert sorted(p.name for p in preset.parent.iterdir()) == ["tiny"]  # No temporary leftovers.
    seqzoo.load(preset)


def test_saved_card_of_a_fine_tuned_model_does_not_claim_old_metrics(tmp_path):
    model = seqzoo.load("names-lstm")
    model.save_preset(tmp_path / "mine")
    card = seqzoo.load(tmp_path / "mine").card
    assert card.metrics == {}
    assert "names-lstm" in card.description


def _rewrite_with_hash(preset, name, text):
    from seqzoo.presets import sha256_file

    (preset / name).write_text(text)
    card = json.loads((preset / "card.json").read_text())
    card["files"][name] = sha256_file(preset / name)
    (preset / "card.json").write_text(json.dumps(card))


def test_preset_weights_hold_no_optimizer_state(preset):
    import h5py

    with h5py.File(preset / WEIGHTS_FILE) as f:
        assert "optimizer" not in f


def test_copied_preset_directory_loads(preset, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(preset, copy)
    assert seqzoo.load(copy).predict_next("J", k=1)
