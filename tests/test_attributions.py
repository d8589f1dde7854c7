"""seqzoo.diagnostics.attributions: completeness, faithfulness, known signs, the page and the CLI."""
import html
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest
import tensorflow as tf

import seqzoo
from seqzoo import diagnostics
from seqzoo.diagnostics.attribution_methods import integrated_gradients, residual
from seqzoo.errors import InputError

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # For benchmarks.attributions.


@pytest.fixture(scope="module")
def clf():
    return seqzoo.load("sentiment-lstm")


@pytest.fixture(scope="module")
def weather():
    return seqzoo.load("weather-lstm")


@pytest.fixture(scope="module")
def names():
    return seqzoo.load("names-lstm")


def _split(name, split="test"):
    from seqzoo import datasets
    from seqzoo.errors import DatasetError

    try:
        return datasets.load(name, split)
    except DatasetError:
        pytest.skip(f"{name} is not cached: run `seqzoo data fetch {name}` (CI fetches it)")


def _keras_logits(model, text):
    """The target logits through the Keras model itself (masked, with the temperature): a reference."""
    ids = model.preprocessor([text])
    return model(ids, training=False).numpy()[0]


# === Integrated gradients, the mechanism ===
def test_steps_double_until_completeness_holds():
    f = lambda z: tf.reduce_sum(z**4, axis=[1, 2])
    f_and_grad = lambda z: (f(z), 4 * z**3)
    x, base = tf.ones([1, 1, 1]), tf.zeros([1, 1, 1])
    # One Gauss-Legendre node (the midpoint) gives 0.5 instead of 1; two nodes are exact for 4a^3.
    explained = integrated_gradients(f, f_and_grad, x, base, steps=1)
    assert explained.steps == 2 and abs(explained.scores.sum() - 1.0) < 1e-6 and abs(explained.residual) < 1e-6
    g = lambda z: tf.reduce_sum(tf.exp(8 * z), axis=[1, 2])
    bounded = integrated_gradients(g, lambda z: (g(z), 8 * tf.exp(8 * z)), x, base, steps=1, max_steps=2)
    assert bounded.steps == 2 and bounded.residual < -0.05  # The bound holds and the residual is reported.


def test_an_exactly_known_part_makes_the_residual_relative_to_the_whole_difference():
    def g(z):
        return tf.reduce_sum(tf.exp(3 * z), axis=[1, 2])

    def g_and_grad(z):
        return g(z), 3 * tf.exp(3 * z)

    x, base = tf.ones([1, 1, 1]), tf.zeros([1, 1, 1])
    alone = integrated_gradients(g, g_and_grad, x, base, steps=1)
    assert alone.steps == 2 and -0.05 < alone.residual < -0.01  # 1.4% of this function's own change.
    # A known part of -99% of that change leaves 1% of it to explain: the same error is 140% of that.
    exact = -0.99 * (alone.value - alone.baseline_value)
    assert residual(alone.scores, alone.value, alone.baseline_value, exact=exact) == pytest.approx(
        alone.residual / 0.01, rel=1e-6)
    whole = integrated_gradients(g, g_and_grad, x, base, steps=1, exact=exact)
    assert whole.steps == 4 and abs(whole.residual) <= 0.05


# === Text classifiers ===
def test_completeness_on_test_snippets(clf):
    texts = _split("rt-snippets").x[:10]
    results = diagnostics.attributions(clf, texts)
    assert len(results) == 10
    for text, result in zip(texts, results):
        logits = _keras_logits(clf, text)
        target = clf.labels.index(result.target)
        assert target == int(np.argmax(logits))  # Default target: the predicted class.
        assert result.logit == pytest.approx(float(logits[target]), abs=1e-4)
        difference = result.logit - result.baseline_logit
        assert abs(sum(result.scores) - difference) <= 0.05 * max(abs(difference), 1e-2)
        assert abs(result.completeness_residual) <= 0.05


def test_probability_is_what_predict_says(clf):
    # sentiment-lstm divides its logits by a fitted temperature; attributions must too.
    text = "The plot is thin but the actors are wonderful."
    result = diagnostics.attributions(clf, text, target="negative")
    assert result.probability == pytest.approx(float(clf.predict([text])[0, 0]), abs=1e-5)
    assert 0.0 < result.baseline_probability < 1.0


def test_known_signs(clf):
    great = diagnostics.attributions(clf, "a great film", target="positive")
    assert great.tokens == ["a", "great", "film"]
    assert great.scores[1] > 0 and great.scores[1] == max(great.scores)
    awful = diagnostics.attributions(clf, "an awful film", target="positive")
    assert awful.scores[1] < 0 and awful.scores[1] == min(awful.scores)
    # Explaining the predicted class (negative) instead turns the sign round.
    predicted = diagnostics.attributions(clf, "an awful film")
    assert predicted.target == "negative" and predicted.scores[1] > 0
    occluded = diagnostics.attributions(clf, "an awful film", target="positive", method="occlusion")
    assert occluded.steps == 0 and occluded.scores[1] < 0


def test_faithfulness_small(clf):
    from benchmarks.attributions import faithful_texts, faithfulness

    texts = faithful_texts(clf, _split("rt-snippets").x, 25)
    drops = faithfulness(clf, texts, draws=10)
    assert drops["texts"] == 25
    assert drops["top"] > drops["random"] > drops["bottom"], drops


def test_the_stacked_preset_is_explained_whole_and_its_scores_hold_up():
    from benchmarks.attributions import completeness, faithful_texts, faithfulness

    stacked = seqzoo.load("sentiment-bilstm-ngram")
    test = _split("rt-snippets")
    assert completeness(stacked, test.x[:10]).max() <= 0.05  # Text 5 needs 64 steps: its two parts nearly cancel.
    texts = faithful_texts(stacked, test.x, 25)
    drops = faithfulness(stacked, texts, draws=10)
    assert drops["texts"] == 25 and drops["top"] > drops["random"] > drops["bottom"], drops
    with pytest.raises(InputError, match=r"read the network only. Pass the classifier it was stacked from "
                                         r"\(sentiment-bilstm\)"):
        diagnostics.gradient_norms(stacked, "a great film")


def test_unknown_words_are_marked(clf):
    result = diagnostics.attributions(clf, "Zzqxv film!")
    assert result.tokens == ["<unk>", "film", "!"] and result.words == ["zzqxv", "film", "!"]
    assert result.unknown == [True, False, False]


def test_occlusion_scores_are_the_drop_when_a_word_is_padding(clf):
    text = "a dull and lifeless mess"
    result = diagnostics.attributions(clf, text, target="positive", method="occlusion")
    ids = clf.preprocessor([text]).numpy()
    embedded = tf.identity(clf.backbone.token_embedding(ids))  # identity: no padding mask on it.
    pad = clf.backbone.token_embedding(np.zeros((1, 1), "int32"))
    x = tf.concat([embedded[:, :2], pad, embedded[:, 3:]], axis=1)  # "and" set to padding.
    for layer in clf.backbone.recurrent_layers:
        x = layer(x, training=False)[0]
    logit = clf.classifier_head(clf.pooler(x) if clf.pooler else x)[0, 1] / clf.temperature
    assert result.scores[2] == pytest.approx(result.logit - float(logit), abs=1e-4)


def test_to_dict_is_plain_python(clf):
    result = diagnostics.attributions(clf, ["a great film", "an awful film"])[1]
    data = json.loads(json.dumps(result.to_dict()))
    assert {"tokens", "scores", "target", "probability", "baseline_probability",
            "completeness_residual"} <= set(data)
    assert data["tokens"] == result.tokens and data["scores"] == pytest.approx(result.scores)
    assert all(type(s) is float for s in data["scores"]) and data["target"] == "negative"


# === Char LMs ===
def test_char_lm_explains_the_next_character(names):
    result = diagnostics.attributions(names, "Joh")
    (best, probability), _ = names.predict_next("Joh", k=2)
    assert result.tokens == ["<s>", "J", "o", "h"] and result.target == best
    assert result.probability == pytest.approx(probability, abs=1e-5)
    assert abs(result.completeness_residual) <= 0.05
    end = diagnostics.attributions(names, "Johanna", target="<end>")
    assert end.target == "<end>" and len(end.scores) == 8


# === Forecasters ===
def test_forecaster_scores_in_units_and_last_day_leads(weather):
    from benchmarks.attributions import forecaster_shares, weather_test_windows

    _split("seattle-weather")
    windows = weather_test_windows(weather)[:20]
    result = diagnostics.attributions(weather, windows[5], target="temp_max")
    assert result.scores.shape == (7, len(weather.input_columns))
    assert result.forecast == pytest.approx(float(weather.predict(windows[5:6])[0, 0]), abs=1e-3)
    assert result.scores.sum() == pytest.approx(result.forecast - result.baseline_forecast, rel=0.05, abs=1e-2)
    frame = result.to_frame()
    assert list(frame.index) == [f"t-{i}" for i in range(6, -1, -1)] and list(frame.columns) == weather.input_columns
    shares = forecaster_shares(weather, windows)
    assert shares["largest_cell"] == ["t-0", "temp_max"], shares
    assert shares["max_abs_residual"] <= 0.05


def test_forecaster_default_target_and_history_table(weather):
    history = weather.card.extra["example_history"]
    result = diagnostics.attributions(weather, history)
    assert result.target == weather.target_names[0]
    assert result.forecast == pytest.approx(float(weather.predict(history)[-1, 0]), abs=1e-3)
    plain = result.to_dict()  # the contract keys hold the forecast values too
    assert result.probability == result.forecast and result.baseline_probability == result.baseline_forecast
    assert {"scores", "target", "probability", "baseline_probability", "completeness_residual"} <= set(plain)
    assert plain["probability"] == pytest.approx(result.forecast)
    second = diagnostics.attributions(weather, history, target=1, method="occlusion")
    assert second.target == weather.target_names[1] and second.scores.shape == result.scores.shape


# === Bad input ===
@pytest.mark.parametrize("call, message", [
    (lambda c, w: diagnostics.attributions(c, "good", method="shap"), "method must be one of"),
    (lambda c, w: diagnostics.attributions(c, "good", steps=0), "steps must be from 1 to 512"),
    (lambda c, w: diagnostics.attributions(c, "good", steps=True), "steps must be an integer"),
    (lambda c, w: diagnostics.attributions(c, "good", target="neutral"), "target must be one of"),
    (lambda c, w: diagnostics.attributions(c, "good", target=2), "target must be from 0 to 1"),
    (lambda c, w: diagnostics.attributions(c, "good", baseline=3), "baseline for a text model"),
    (lambda c, w: diagnostics.attributions(c, "word " * 200), "split it"),
    (lambda c, w: diagnostics.attributions(c, []), "empty list"),
    (lambda c, w: diagnostics.attributions(c, "  "), "text is empty"),
    (lambda c, w: diagnostics.attributions(object(), "good"), "Expected a seqzoo task model"),
    (lambda c, w: diagnostics.attributions(w, w.card.extra["example_history"], baseline=np.zeros(3)),
     "baseline for a forecaster"),
    (lambda c, w: diagnostics.attributions(w, w.card.extra["example_history"], target="rain"),
     "target must be one of"),
])
def test_bad_arguments(clf, weather, call, message):
    with pytest.raises(InputError, match=message):
        call(clf, weather)


def test_char_lm_target_must_be_one_character(names):
    with pytest.raises(InputError, match="one character"):
        diagnostics.attributions(names, "Jo", target="hn")


# === The page ===
def test_text_page_escapes_highlights_and_has_a_legend(clf, tmp_path):
    result = diagnostics.attributions(clf, "<script>alert(1)</script> a great film & zzqxv", target="positive")
    path = diagnostics.render_attributions(result, tmp_path / "why.html")
    page = path.read_text(encoding="utf-8")
    assert "<script>" not in page and "&lt;" in page and "&amp;" in page
    assert "blue: against" in page and "red: towards" in page
    tips = re.findall(r'<span style="[^"]*background:(#[0-9a-f]{6})[^"]*" title="([^"]*)">', page)
    assert len(tips) == len(result.tokens)
    great = result.tokens.index("great")
    assert html.unescape(tips[great][1]).startswith(f"great: {result.scores[great]:+.4f}")
    assert tips[great][0].startswith("#ff") and tips[great][0] != "#ffffff"  # Positive: red.
    assert "dashed" in page  # zzqxv is outside the vocabulary.
    assert "src=" not in page and "http" not in page  # Self-contained.
    assert [p.name for p in tmp_path.iterdir()] == ["why.html"]  # No temporary file left.


def test_forecast_page_is_a_heatmap(weather, tmp_path):
    result = diagnostics.attributions(weather, weather.card.extra["example_history"])
    page = diagnostics.render_attributions(result, tmp_path / "f.html").read_text(encoding="utf-8")
    cells = re.findall(r'<td style="[^"]*background:#[0-9a-f]{6}" title="([^"]*)">([+-][0-9.]+)</td>', page)
    assert len(cells) == result.scores.size
    last_temp_max = -len(result.features) + result.features.index("temp_max")  # t-0 is the last row.
    assert float(cells[last_temp_max][1]) == pytest.approx(result.scores[-1, 1], abs=0.006)
    assert "t-0" in page and "raises temp_max" in page


def test_render_refuses_other_objects(tmp_path):
    with pytest.raises(InputError, match="results of seqzoo.diagnostics.attributions"):
        diagnostics.render_attributions({"scores": [1.0]}, tmp_path / "x.html")
    assert not (tmp_path / "x.html").exists()


# === The CLI ===
def test_cli_prints_the_top_contributions(capsys):
    from seqzoo.cli import main

    assert main(["explain", "sentiment-lstm", "an awful film", "--attributions", "--top", "2"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("negative: probability") and out[1].split() == ["rank", "token", "score"]
    assert out[2].split()[:2] == ["1", "awful"] and len(out) == 4


def test_cli_forecaster_table_and_page(weather, tmp_path, capsys):
    from seqzoo.cli import main

    history = weather.card.extra["example_history"]
    csv = tmp_path / "history.csv"
    columns = ["date", *weather.feature_names]
    rows = [",".join(str(row[c]) for c in columns) for row in history]
    csv.write_text("\n".join([",".join(columns), *rows]) + "\n")
    assert main(["explain", "weather-lstm", "--data", str(csv), "--attributions"]) == 0
    out = capsys.readouterr().out
    assert out.count("rank  day") == len(weather.target_names) and "temp_min: forecast" in out
    page = tmp_path / "f.html"
    assert main(["explain", "weather-lstm", "--data", str(csv), "--attributions", "--out", str(page)]) == 0
    assert page.read_text(encoding="utf-8").count("<table") == len(weather.target_names)
    assert main(["explain", "weather-lstm", "some text", "--attributions"]) == 2
    assert "pass its history as --data" in capsys.readouterr().err
    assert main(["explain", "sentiment-lstm", "--attributions"]) == 2
    assert "reads text" in capsys.readouterr().err
