"""seqzoo.diagnostics: gradient norms, memory span, unit activations, the explain report."""
import html
import re
import subprocess
import sys

import numpy as np
import pytest

import seqzoo
from seqzoo import diagnostics
from seqzoo.errors import InputError, SeqzooError

TEXT = 'Jo (Anna) said "Mary"\nMaria, Johanna'


@pytest.fixture(scope="module")
def tiny_classifier():
    import keras

    keras.utils.set_random_seed(0)
    return seqzoo.build("gru", "text_classification", texts=["good film", "bad film", "dull plot"],
                        hidden_size=6, embedding_dim=4, pooling="max_mean", bidirectional=True, num_layers=2)


def plain_text(fragment: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", fragment))


# === Gradient norms ===
@pytest.mark.parametrize("wrt", ["hidden", "input"])
def test_gradient_norms_one_per_step(tiny_lm, tiny_classifier, wrt):
    norms = diagnostics.gradient_norms(tiny_lm, TEXT, wrt=wrt)
    assert norms.shape == (len(TEXT),) and np.isfinite(norms).all() and (norms > 0).all()
    for last_step_only in (True, False):
        norms = diagnostics.gradient_norms(tiny_classifier, "good dull film bad", wrt=wrt,
                                           last_step_only=last_step_only)
        assert norms.shape == (4,) and np.isfinite(norms).all() and (norms > 0).all()


def test_gradient_norms_of_a_forecaster():
    model = seqzoo.load("weather-gru")
    history = model.card.extra["example_history"]
    norms = diagnostics.gradient_norms(model, history)
    assert norms.shape == (model.window,) and np.isfinite(norms).all()
    window = np.zeros((model.window, len(model.input_columns)), np.float32)
    assert diagnostics.gradient_norms(model, window, wrt="input").shape == (model.window,)


def test_lstm_keeps_the_gradient_longer_than_simple_rnn():
    """The zoo's names pair (same recipe, only the layer differs) on a text of 40 characters."""
    text = "Johanna Maria Anna Hannah Jonas Christopher"
    ratios = {}
    for name in ["names-rnn", "names-lstm"]:
        norms = diagnostics.gradient_norms(seqzoo.load(name), text)
        ratios[name] = norms[:5].mean() / norms[-1]
    assert ratios["names-lstm"] > 10 * ratios["names-rnn"], ratios


def test_plot_gradient_norms_writes_a_png(tmp_path):
    path = diagnostics.plot_gradient_norms({"a": [1e-6, 1e-3, 1.0], "b": [0.0, 0.5, 1.0]}, tmp_path / "g.png",
                                           relative_to_last=True)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_missing_matplotlib_says_what_to_install(monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # Makes `import matplotlib` fail.
    with pytest.raises(diagnostics.MissingDependencyError, match=r"pip install 'seqzoo\[plot\]'") as error:
        diagnostics.plot_gradient_norms({"a": [1.0]}, tmp_path / "g.png")
    assert isinstance(error.value, SeqzooError) and isinstance(error.value, ImportError)


# === Memory span ===
def test_memory_span_small_run():
    span = diagnostics.memory_span("simple_rnn", distances=(3,), hidden_size=4, embedding_dim=2,
                                   train_examples=32, test_examples=16, epochs=1, symbols=3)
    assert list(span.accuracy) == [3] and 0.0 <= span.accuracy[3] <= 1.0
    assert span.chance == pytest.approx(1 / 3) and span.seconds > 0 and span.settings["symbols"] == 3
    table = diagnostics.memory_table([span])
    assert "| simple_rnn |" in table and "d = 3" in table


def test_memory_task_answer_is_the_marked_symbol():
    from seqzoo.diagnostics.memory import memory_task

    x, y = memory_task(5, 10, symbols=4, lead=3, seed=1)
    marked = x > 4
    assert x.shape == (10, 9) and x.min() >= 1 and x.max() <= 8
    assert (marked.sum(axis=1) == 1).all() and marked[:, 3].all() and (x[:, 3] - 4 - 1 == y).all()


# === Activations and units ===
def test_activations_match_the_layer_and_have_lstm_cells(tiny_lm):
    acts = diagnostics.activations(tiny_lm, TEXT)
    assert acts.hidden.shape == acts.cell.shape == (len(TEXT), 16)
    ids = tiny_lm.preprocessor.with_markers([TEXT])[:, :-1].to_tensor()
    expected = tiny_lm.backbone(ids)[0, 1:].numpy()  # The whole layer at once, after each character.
    np.testing.assert_allclose(acts.hidden, expected, atol=1e-5)


@pytest.mark.parametrize("pattern", ["inside_quotes", "inside_brackets", "line_position", "vowel",
                                     lambda text: [c == "a" for c in text], np.arange(len(TEXT))])
def test_find_units_ranks_by_correlation(tiny_lm, pattern):
    units = diagnostics.find_units(tiny_lm, TEXT, pattern, top=5)
    assert len(units) == 5 and {u.state for u in units} <= {"hidden", "cell"}
    strengths = [abs(u.correlation) for u in units]
    assert strengths == sorted(strengths, reverse=True) and all(s <= 1.0 + 1e-9 for s in strengths)
    assert all(0 <= u.unit < 16 for u in units)


def test_render_activations_is_a_heatmap_of_the_text(tiny_lm, tmp_path):
    path = diagnostics.render_activations(tiny_lm, TEXT + " <b>&", 3, tmp_path / "unit.html", state="cell")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "http" not in page.replace("http://www.w3.org", "")
    assert (TEXT + " <b>&") in plain_text(page)
    assert len(re.findall(r"background:#[0-9a-f]{6}", page)) >= len(TEXT)
    assert re.search(r"background:#ff[0-9a-f]{4}", page) and re.search(r"background:#[0-9a-f]{4}ff", page)


# === The explain command ===
def test_cli_explain_writes_one_page(preset, tmp_path, capsys):
    from seqzoo.cli import main

    out = tmp_path / "report.html"
    assert main(["explain", str(preset), TEXT, "--out", str(out), "--top", "2"]) == 0
    page = out.read_text(encoding="utf-8")
    assert "<svg" in page and "<polyline" in page and page.count("<h3>") == 2
    assert TEXT in plain_text(page) and str(out) in capsys.readouterr().out


def test_cli_explain_error_is_one_line(preset, tmp_path, capsys):
    from seqzoo.cli import main

    assert main(["explain", str(preset), "  ", "--out", str(tmp_path / "r.html")]) == 2
    assert "text is empty" in capsys.readouterr().err


def test_import_and_parser_do_not_load_tensorflow():
    code = ("import sys, seqzoo.diagnostics, seqzoo.cli; seqzoo.cli.build_parser(); "
            "assert 'tensorflow' not in sys.modules, 'tensorflow was imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


# === Bad input ===
@pytest.mark.parametrize("call, message", [
    (lambda m, c: diagnostics.gradient_norms(m, ""), "text is empty"),
    (lambda m, c: diagnostics.gradient_norms(m, ["a", "b"]), "one text"),
    (lambda m, c: diagnostics.gradient_norms(m, TEXT, wrt="cell"), "wrt must be"),
    (lambda m, c: diagnostics.gradient_norms(m, TEXT, layer=3), "layer must be in 0..0"),
    (lambda m, c: diagnostics.gradient_norms(object(), TEXT), "Expected a seqzoo task model"),
    (lambda m, c: diagnostics.activations(m, "   "), "text is empty"),
    (lambda m, c: diagnostics.activations(c, "good film"), "char_lm"),
    (lambda m, c: diagnostics.activations(m, TEXT, layer=1), "layer must be in 0..0"),
    (lambda m, c: diagnostics.find_units(m, TEXT, "sarcasm"), "Unknown feature 'sarcasm'"),
    (lambda m, c: diagnostics.find_units(m, TEXT, [1.0, 2.0]), "one value per character"),
    (lambda m, c: diagnostics.find_units(m, "Maria", "inside_quotes"), "constant on this text"),
    (lambda m, c: diagnostics.render_activations(m, TEXT, 16, "x.html"), r"unit must be an index in 0..15"),
    (lambda m, c: diagnostics.render_activations(m, TEXT, -1, "x.html"), r"unit must be an index"),
    (lambda m, c: diagnostics.render_activations(m, TEXT, 0, "x.html", state="gate"), "state must be one of"),
    (lambda m, c: diagnostics.memory_span("transformer"), "Unknown architecture"),
    (lambda m, c: diagnostics.memory_span("lstm", distances=(0,)), "distances must be"),
])
def test_bad_input_is_a_clear_seqzoo_error(tiny_lm, tiny_classifier, call, message):
    with pytest.raises(SeqzooError, match=message):
        call(tiny_lm, tiny_classifier)


def test_cell_state_of_a_gru_is_refused():
    import keras

    keras.utils.set_random_seed(0)
    gru = seqzoo.build("gru", "char_lm", texts=["abc"], hidden_size=4, embedding_dim=2)
    with pytest.raises(InputError, match="Only LSTM layers have a cell state"):
        diagnostics.render_activations(gru, "abcab", 0, "x.html", state="cell")
