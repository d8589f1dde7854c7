import subprocess
import sys
import textwrap

import pytest

import seqzoo
from seqzoo import SeqzooError, UnknownModelError


def test_list_models_patterns_and_tasks():
    names = seqzoo.list_models()
    assert names == sorted(names)
    assert {"names-lstm", "names-rnn"} <= set(names)
    assert "names-lstm" in seqzoo.list_models("*lstm*")
    assert "names-rnn" not in seqzoo.list_models("*lstm*")
    assert set(seqzoo.list_models(task="char_lm")) >= {"names-lstm", "names-rnn"}
    with pytest.raises(SeqzooError, match="task"):
        seqzoo.list_models(task="translation")


def test_unknown_name_suggests_close_matches():
    with pytest.raises(UnknownModelError, match="Did you mean 'names-lstm'"):
        seqzoo.load("name-lstm")
    with pytest.raises(SeqzooError):
        seqzoo.info("nothing-like-it")


def test_info_is_the_card():
    card = seqzoo.info("names-lstm")
    assert card.task == "char_lm" and card.architecture == "lstm" and card.dataset == "names-us-ssa"
    assert card.metrics["test_nll"]["split"] == "test"
    assert set(card.files) >= {"config.json", "model.weights.h5"}
    assert "recipes.names" in card.recipe["command"]
    text = str(card)
    assert "names-lstm" in text and "test_nll" in text


def test_changing_the_card_info_returned_leaves_the_zoo_as_it_was():
    card = seqzoo.info("names-lstm")
    card.recipe["hparams"]["hidden_size"] = -1
    card.metrics.clear()
    card.description = "changed"
    again = seqzoo.info("names-lstm")
    assert again.metrics and again.description != "changed" and again.recipe["hparams"]["hidden_size"] != -1


def test_register_a_preset_directory(tiny_lm, tmp_path):
    tiny_lm.save_preset(tmp_path / "mine")
    seqzoo.register("test-mine", preset=tmp_path / "mine", overwrite=True)
    assert "test-mine" in seqzoo.list_models("test-*")
    assert seqzoo.load("test-mine").predict_next("J", k=1)
    with pytest.raises(SeqzooError, match="already"):
        seqzoo.register("test-mine", preset=tmp_path / "mine")


def test_register_a_builder_without_weights():
    seqzoo.register("test-builder", builder=lambda: seqzoo.build("gru", "char_lm", hidden_size=4),
                    card={"task": "char_lm", "architecture": "gru"}, overwrite=True)
    model = seqzoo.load("test-builder", weights=False)
    assert model.backbone.architecture == "gru"
    with pytest.raises(SeqzooError, match="no pretrained weights"):
        seqzoo.load("test-builder")


def test_plugin_package_adds_entries_through_the_entry_point(tiny_lm, tmp_path):
    """A real throw-away distribution on a site directory, found by importlib.metadata."""
    site = tmp_path / "site"
    package = site / "zoo_plugin"
    package.mkdir(parents=True)
    tiny_lm.save_preset(package / "plugin-names")
    (package / "__init__.py").write_text(textwrap.dedent("""
        from pathlib import Path

        def models():
            return [{"name": "plugin-names", "preset": Path(__file__).parent / "plugin-names"}]
    """))
    dist = site / "zoo_plugin-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: zoo-plugin\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text("[seqzoo.models]\nnames = zoo_plugin:models\n")
    script = (
        "import sys, seqzoo; sys.path.insert(0, sys.argv[1]);"
        "print(seqzoo.list_models('plugin-*')); print(seqzoo.load('plugin-names').predict_next('J', k=1)[0][0])"
    )
    result = subprocess.run([sys.executable, "-c", script, str(site)], capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    lines = result.stdout.strip().splitlines()
    assert lines[0] == "['plugin-names']"
    assert lines[1] == tiny_lm.predict_next("J", k=1)[0][0]
