"""`seqzoo finetune`: a CSV in, a preset out; optional temperature calibration on held-out rows."""
import re

import numpy as np
import pytest

import seqzoo
from seqzoo.cli import main

GOOD = ["great good film", "good plot and good cast", "a great cast", "good fun"]
BAD = ["bad dull film", "a dull plot", "bad cast and bad plot", "dull and bad"]


def _csv(path, rows):
    path.write_text("review,stars\n" + "".join(f'"{text}",{label}\n' for text, label in rows), encoding="utf-8")
    return str(path)


@pytest.fixture()
def base(tmp_path):
    import keras

    keras.utils.set_random_seed(0)
    model = seqzoo.build("lstm", "text_classification", texts=GOOD + BAD, hidden_size=6, embedding_dim=4)
    model.save_preset(tmp_path / "base")
    return str(tmp_path / "base")


def _finetune(base, data, out, *extra):
    return main(["finetune", base, "--data", data, "--text-column", "review", "--label-column", "stars",
                 "--epochs", "2", "--batch-size", "4", "--out", str(out), *extra])


def test_finetune_with_calibration_saves_a_calibrated_preset(base, tmp_path, capsys):
    data = _csv(tmp_path / "train.csv", [(t, "positive") for t in GOOD] + [(t, "negative") for t in BAD])
    held = _csv(tmp_path / "held.csv", [("good film", "positive"), ("dull plot", "negative"), ("great fun", "positive")])
    assert _finetune(base, data, tmp_path / "tuned", "--calibration-data", held) == 0
    printed = float(re.search(r"calibrated on 3 held-out texts: temperature ([0-9.]+)", capsys.readouterr().out)[1])
    tuned = seqzoo.load(tmp_path / "tuned")
    assert tuned.temperature == pytest.approx(printed, abs=5e-4)
    assert tuned.labels == ["negative", "positive"]
    probs = tuned.predict(["good film", "bad plot"])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)


def test_finetune_to_new_labels_replaces_the_head(base, tmp_path, capsys):
    data = _csv(tmp_path / "topics.csv", [("the app crashes", "bug"), ("add dark mode", "feature"),
                                          ("it crashes again", "bug"), ("please add sync", "feature")])
    assert _finetune(base, data, tmp_path / "topics") == 0
    assert "new labels ['bug', 'feature']" in capsys.readouterr().out
    topics = seqzoo.load(tmp_path / "topics")
    assert topics.labels == ["bug", "feature"] and topics.temperature == 1.0


def test_calibration_data_needs_labels_and_a_classifier(base, tmp_path, capsys, tiny_lm):
    data = _csv(tmp_path / "train.csv", [(t, "positive") for t in GOOD] + [(t, "negative") for t in BAD])
    unlabelled = tmp_path / "held.csv"
    unlabelled.write_text("review\ngood film\n", encoding="utf-8")
    assert _finetune(base, data, tmp_path / "out", "--calibration-data", str(unlabelled)) == 2
    assert "seqzoo: error:" in capsys.readouterr().err
    tiny_lm.save_preset(tmp_path / "lm")
    assert _finetune(str(tmp_path / "lm"), data, tmp_path / "out2", "--calibration-data", data) == 2
    assert "calibrates a text classifier" in capsys.readouterr().err
