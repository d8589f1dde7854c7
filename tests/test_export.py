"""Export: SavedModels that a TensorFlow-only process serves exactly like seqzoo, and TFLite.

One preset per task is exported (the smallest); one subprocess that imports only
tensorflow and tensorflow_text calls every signature with real inputs and the
presets' golden inputs, so TensorFlow is imported there once.
"""
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import seqzoo
from seqzoo.cli import main
from seqzoo.export import ExportExistsError, NotExportableError, golden
from seqzoo.export.saved_model import METADATA_FILE
from seqzoo.registry import get_entry

ROOT = Path(__file__).resolve().parent.parent
EXPORTED = {"char_lm": "names-rnn", "text_classification": "sentiment-rnn", "forecasting": "weather-gru"}
PREFIXES = ["", "Joh", "Mar", "Ann", "Zzq", "é"]
# prompt, max_length, temperature, seed. One length: XLA compiles the decode loop once per length.
GENERATIONS = [
    ("", 30, 1.0, 0), ("Ma", 30, 0.8, 1), ("Ma", 30, 0.8, 2), ("Joh", 30, 1.5, 123456789),
    ("An", 30, 0.0, 7), ("Ä", 30, 1.0, -5), ("Ma", 0, 1.0, 3), ("", 30, 1.0, 2**40),
]
TEXTS = ["This movie is absolutely fantastic!", "A dull, lifeless mess.", "", "   ",
         "Ünïcode façade 🙂", "a strangely moving film that grows on you " * 30]

SERVE = r"""
import json, sys, time
import tensorflow as tf
import tensorflow_text  # noqa: F401  (registers the text ops the classifier's graph uses)
assert "seqzoo" not in sys.modules
jobs, results = json.load(open(sys.argv[1])), {}
for task, job in jobs.items():
    start = time.time()
    model = tf.saved_model.load(job["dir"])
    out = results[task] = {"load_s": time.time() - start, "signatures": sorted(model.signatures)}
    sig = model.signatures
    if task == "char_lm":
        def next_chars(prefixes):
            r = sig["predict_next"](prefix=tf.constant(prefixes, tf.string))
            return [[c.decode() for c in row] for row in r["characters"].numpy()], r["probabilities"].numpy().tolist()
        def generate(prompt, n, t, seed):
            r = sig["generate"](prompt=tf.constant(prompt), max_length=tf.constant(n, tf.int32),
                                temperature=tf.constant(t, tf.float32), seed=tf.constant(seed, tf.int64))
            return r["text"].numpy().decode()
        out["next"] = next_chars(job["prefixes"])
        out["generated"] = [generate(*g) for g in job["generations"]]
        out["golden_next"] = next_chars(job["golden"]["next"]["prefixes"])
        out["golden_greedy"] = [generate(g["prompt"], g["max_length"], 0.0, 0) for g in job["golden"]["greedy"]]
    elif task == "text_classification":
        for key, texts in (("mine", job["texts"]), ("golden", job["golden"]["texts"])):
            r = sig["serving_default"](texts=tf.constant(texts, tf.string))
            out[key] = {"probabilities": r["probabilities"].numpy().tolist(),
                        "label": [x.decode() for x in r["label"].numpy()]}
    else:
        g = job["golden"]
        r = sig["serving_default"](features=tf.constant(g["features"], tf.float32), dates=tf.constant(g["dates"]))
        out["forecast"] = r["forecast"].numpy().tolist()
json.dump(results, open(sys.argv[2], "w"))
exec(compile(open(sys.argv[3]).read(), "docs/guides/export.md (TensorFlow-only example)", "exec"), {})
assert "seqzoo" not in sys.modules
"""


def page_example() -> str:
    """The guide's TensorFlow-only example, on the models exported here (same tasks, smaller)."""
    text = (ROOT / "docs" / "guides" / "export.md").read_text(encoding="utf-8")
    match = re.search(r"<!-- export-example: TensorFlow only -->\n```python\n(.*?)^```", text,
                      re.DOTALL | re.MULTILINE)
    assert match, "docs/guides/export.md lost its TensorFlow-only example"
    return match.group(1).replace("names-lstm", EXPORTED["char_lm"]).replace(
        "sentiment-lstm", EXPORTED["text_classification"]).replace("weather-gru", EXPORTED["forecasting"])


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    """One SavedModel per task (through the method and the CLI) and the in-process references."""
    root = tmp_path_factory.mktemp("exports") / "serving"
    models, jobs = {}, {}
    for task, name in EXPORTED.items():
        model = models[task] = seqzoo.load(name)
        if task == "forecasting":
            assert main(["export", name, "--format", "saved_model", "--out", str(root / name)]) == 0
            version_dir = root / name / "1"
        else:
            version_dir = model.export_saved_model(root / name)
        jobs[task] = {"dir": str(version_dir), "golden": golden.read(get_entry(name).preset)}
    jobs["char_lm"].update(prefixes=PREFIXES, generations=GENERATIONS)
    jobs["text_classification"]["texts"] = TEXTS
    (root / "jobs.json").write_text(json.dumps(jobs), encoding="utf-8")
    (root / "example.py").write_text(page_example(), encoding="utf-8")
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONPATH": ""}
    start = time.time()
    files = [str(root / f) for f in ("jobs.json", "out.json", "example.py")]
    result = subprocess.run([sys.executable, "-c", SERVE, *files], capture_output=True, text=True, env=env,
                            cwd=root.parent, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    served = json.loads((root / "out.json").read_text(encoding="utf-8"))
    print(f"\nTF-only process: {time.time() - start:.1f} s; loads: "
          + ", ".join(f"{EXPORTED[t]} {r['load_s']:.2f} s" for t, r in served.items()))
    return {"root": root, "models": models, "jobs": jobs, "served": served}


def test_layout_is_tf_serving_versioned(exports):
    for task, name in EXPORTED.items():
        version_dir = exports["root"] / name / "1"
        assert (version_dir / "saved_model.pb").is_file() and (version_dir / "variables").is_dir()
        meta = json.loads((version_dir / METADATA_FILE).read_text())
        assert meta["model"] == name and meta["task"] == task
        if task == "char_lm":
            assert meta["signatures"]["generate"]["inputs"] == {
                "prompt": "string []", "max_length": "int32 []", "temperature": "float32 []", "seed": "int64 []"}
        assert [p.name for p in (exports["root"] / name).iterdir()] == ["1"]  # No temporary leftovers.
    signatures = {task: r["signatures"] for task, r in exports["served"].items()}
    assert signatures == {"char_lm": ["generate", "predict_next"], "text_classification": ["serving_default"],
                          "forecasting": ["serving_default"]}


def test_predict_next_matches_seqzoo(exports):
    model = exports["models"]["char_lm"]
    characters, probabilities = exports["served"]["char_lm"]["next"]
    for prefix, chars, probs in zip(PREFIXES, characters, probabilities):
        expected = model.predict_next(prefix, k=5)
        assert chars == [c for c, _ in expected], prefix
        np.testing.assert_allclose(probs, [p for _, p in expected], atol=1e-5)


def test_generate_gives_seqzoos_text_for_the_same_seed(exports):
    model = exports["models"]["char_lm"]
    expected = [model.generate(p, max_length=n, temperature=t, seed=s) for p, n, t, s in GENERATIONS]
    assert exports["served"]["char_lm"]["generated"] == expected
    assert len(set(expected[1:3])) == 2  # Different seeds do sample differently.


def test_classifier_matches_seqzoo(exports):
    model = exports["models"]["text_classification"]
    served = exports["served"]["text_classification"]["mine"]
    np.testing.assert_allclose(served["probabilities"], model.predict(TEXTS), atol=1e-5)
    assert served["label"] == [label for label, _ in model.classify(TEXTS)]


def test_exports_reproduce_the_golden_outputs(exports):
    """The SavedModel, in a TensorFlow-only process, gives each preset's golden outputs."""
    served, jobs = exports["served"], exports["jobs"]
    lm = exports["models"]["char_lm"]
    expected = jobs["char_lm"]["golden"]
    characters, probabilities = served["char_lm"]["golden_next"]
    problems = []
    for prefix, chars, probs, full in zip(expected["next"]["prefixes"], characters, probabilities,
                                          expected["next"]["probabilities"]):
        full = np.array(full)
        full[[0, 2]] = 0.0  # Pad and start are never answers.
        top = np.argsort(-full)[:len(chars)]
        if chars != [lm._readable(int(i)) for i in top] or not np.allclose(probs, full[top], atol=1e-5):
            problems.append(f"predict_next({prefix!r}): {list(zip(chars, np.round(probs, 6)))}")
    problems += golden.compare({"greedy": [{**g, "text": t} for g, t in zip(expected["greedy"],
                                                                             served["char_lm"]["golden_greedy"])]},
                               {"greedy": expected["greedy"]})
    clf = jobs["text_classification"]["golden"]
    problems += golden.compare({"probabilities": served["text_classification"]["golden"]["probabilities"]},
                               {"probabilities": clf["probabilities"], "tolerance": clf["tolerance"]})
    weather = jobs["forecasting"]["golden"]
    problems += golden.compare({"forecast": served["forecasting"]["forecast"]},
                               {"forecast": weather["forecast"], "tolerance": weather["tolerance"]})
    assert not problems, golden.mismatch_message(", ".join(EXPORTED.values()) + " (SavedModel)", problems)


def test_existing_version_is_not_clobbered(exports, capsys):
    target = exports["root"] / EXPORTED["forecasting"]
    before = (target / "1" / "saved_model.pb").stat().st_mtime_ns
    with pytest.raises(ExportExistsError, match="overwrite"):
        exports["models"]["forecasting"].export_saved_model(target)
    assert main(["export", EXPORTED["forecasting"], "--out", str(target)]) == 2
    assert "exists already" in capsys.readouterr().err
    assert (target / "1" / "saved_model.pb").stat().st_mtime_ns == before


def test_interrupted_export_leaves_nothing(tmp_path, monkeypatch):
    import tensorflow as tf

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(tf.saved_model, "save", crash)
    with pytest.raises(KeyboardInterrupt):
        seqzoo.load("weather-gru").export_saved_model(tmp_path / "w")
    assert list((tmp_path / "w").iterdir()) == []


def test_bad_requests_are_clear_errors(tmp_path, capsys):
    model = seqzoo.load("weather-gru")
    model.preprocessor = None
    with pytest.raises(NotExportableError, match="no preprocessor"):
        model.export_saved_model(tmp_path / "x")
    assert main(["export", "weather-gru", "--format", "onnx", "--out", str(tmp_path / "y")]) == 2
    assert "Unknown export format 'onnx'" in capsys.readouterr().err
    assert not (tmp_path / "y").exists()


def test_tflite_exports_run_in_the_tflite_interpreter(tmp_path):
    import datetime

    import tensorflow as tf

    from seqzoo.export import export_tflite
    from seqzoo.layers.tokenizer import START_ID

    weather = seqzoo.load("weather-gru")
    history = weather.card.extra["example_history"]
    assert main(["export", "weather-gru", "--format", "tflite", "--out", str(tmp_path / "w.tflite")]) == 0
    runner = tf.lite.Interpreter(model_path=str(tmp_path / "w.tflite")).get_signature_runner("serving_default")
    features = np.array([[[row[c] for c in weather.feature_names] for row in history]], np.float32)
    days = np.array([[datetime.date.fromisoformat(r["date"]).timetuple().tm_yday - 1 for r in history]], np.int32)
    np.testing.assert_allclose(runner(features=features, day_of_year=days)["forecast"],
                               weather.predict(weather.reader.windows(history)), atol=1e-5)

    lm = seqzoo.load("names-rnn")
    path = export_tflite(lm, tmp_path)
    assert path == tmp_path / "model.tflite"
    with pytest.raises(ExportExistsError):
        export_tflite(lm, path)
    runner = tf.lite.Interpreter(model_path=str(path)).get_signature_runner("serving_default")
    ids = np.concatenate([[START_ID], lm.tokenizer.tokenize(["Joh"])[0].numpy()])[None].astype(np.int32)
    np.testing.assert_allclose(runner(token_ids=ids)["probabilities"], lm.predict(["Joh"]), atol=1e-5)


def test_importing_the_export_package_does_not_import_tensorflow():
    code = "import sys, seqzoo.export, seqzoo.export.cli; assert 'tensorflow' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_day_of_year_across_february_matches_python_in_leap_and_common_years():
    """The served season reads the day of the year; February 29 shifts only the days after it."""
    import datetime

    import tensorflow as tf

    from seqzoo.export.forecaster_signatures import day_of_year

    days = [datetime.date(year, 1, 1) + datetime.timedelta(days=d)
            for year in (1900, 2000, 2015, 2016) for d in range(100)]
    days += [datetime.date(year, 12, 31) for year in (1900, 2000, 2015, 2016)]
    ours = day_of_year(tf.constant([d.isoformat() for d in days])).numpy()
    expected = [d.timetuple().tm_yday - 1 for d in days]
    assert ours.tolist() == expected
    # The leap day itself and the days around it, spelled out.
    assert day_of_year(tf.constant(["2016-02-28", "2016-02-29", "2016-03-01", "2015-03-01",
                                    "1900-03-01", "2000-03-01"])).numpy().tolist() == [58, 59, 60, 59, 59, 60]
