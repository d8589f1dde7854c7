"""Issue 18, reliability round 2: one test (or more) per defect, each failing on the code before its fix.

The numbered sections follow the issue's items; docs/guides/security.md and
docs/guides/input-handling.md name these tests next to the protection each proves.
"""
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import h5py
import numpy as np
import pytest

import seqzoo
from seqzoo import InputError, PresetError, SeqzooError
from seqzoo.cli import main
from seqzoo.presets import CONFIG_FILE, WEIGHTS_FILE, rehash

ROOT = Path(__file__).resolve().parents[1]
GOOD = ["great good film", "good plot and good cast", "a great cast", "good fun"]
BAD = ["bad dull film", "a dull plot", "bad cast and bad plot", "dull and bad"]


@pytest.fixture(scope="module")
def tiny_clf():
    import keras

    keras.utils.set_random_seed(0)
    return seqzoo.build("lstm", "text_classification", texts=GOOD + BAD, hidden_size=6, embedding_dim=4)


@pytest.fixture(scope="module")
def weather():
    return seqzoo.load("weather-lstm")


def _csv(path, rows, header="review,stars"):
    path.write_text(header + "\n" + "".join(f'"{t}",{label}\n' for t, label in rows), encoding="utf-8")
    return str(path)


# === 1. Saving never deletes what is not a preset ===
def test_save_preset_refuses_a_folder_that_is_not_a_preset(tiny_lm, tmp_path):
    project = tmp_path / "project"
    (project / "src").mkdir(parents=True)
    (project / "src" / "thesis.tex").write_text("years of work")
    with pytest.raises(SeqzooError, match=f"{project}.*not a seqzoo preset.*overwrite=True"):
        tiny_lm.save_preset(project)
    assert (project / "src" / "thesis.tex").read_text() == "years of work"
    assert not list(tmp_path.glob(".project*"))  # No temporary left behind either.


def test_save_preset_refuses_a_file_and_a_preset_holding_unlisted_files(tiny_lm, tmp_path, preset):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with pytest.raises(SeqzooError, match="notes.txt exists and is not a preset directory"):
        tiny_lm.save_preset(target)
    assert target.read_text() == "keep me"
    (preset / "my_notes.md").write_text("mine")
    with pytest.raises(SeqzooError, match="my_notes.md"):
        tiny_lm.save_preset(preset)
    assert (preset / "my_notes.md").read_text() == "mine"


def test_save_preset_replaces_a_preset_and_overwrite_replaces_anything(tiny_lm, tmp_path, preset):
    tiny_lm.save_preset(preset)  # An existing preset is replaced without asking.
    seqzoo.load(preset)
    target = tmp_path / "notes.txt"
    target.write_text("replace me")
    tiny_lm.save_preset(target, overwrite=True)
    assert target.is_dir() and seqzoo.load(target).count_params() == tiny_lm.count_params()
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".notes.txt")]


def test_killed_saves_leave_no_temporaries_behind(tiny_lm, tmp_path, preset):
    import fcntl

    stale = [tmp_path / f".tiny.tmp-killed{i}" for i in range(3)]
    for path in stale:
        (path / "assets").mkdir(parents=True)
        (path / WEIGHTS_FILE).write_bytes(b"x" * 100)
        os.utime(path, (time.time() - 3600, time.time() - 3600))
    busy = tmp_path / ".tiny.tmp-running"
    busy.mkdir()
    os.utime(busy, (time.time() - 3600, time.time() - 3600))
    fd = os.open(busy, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)  # A save in progress in another process holds its lock.
    try:
        tiny_lm.save_preset(preset)
    finally:
        os.close(fd)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".tiny")] == [busy.name]


def test_cli_finetune_refuses_a_non_preset_out_before_training(tmp_path, tiny_clf, capsys, monkeypatch):
    tiny_clf.save_preset(tmp_path / "base")
    project = tmp_path / "project"
    project.mkdir()
    (project / "thesis.tex").write_text("years of work")
    data = _csv(tmp_path / "d.csv", [(t, "positive") for t in GOOD] + [(t, "negative") for t in BAD])
    trained = []
    monkeypatch.setattr(seqzoo.TextClassifier, "fit", lambda self, *a, **k: trained.append(1))
    args = ["finetune", str(tmp_path / "base"), "--data", data, "--text-column", "review",
            "--label-column", "stars", "--epochs", "1", "--out", str(project)]
    assert main(args) == 2
    assert "not a seqzoo preset" in capsys.readouterr().err and not trained
    assert (project / "thesis.tex").read_text() == "years of work"
    assert main(args + ["--overwrite"]) == 0 and trained == [1]
    assert seqzoo.load(project).labels == ["negative", "positive"]


# === 2. finetune labels are the column's values ===
@pytest.mark.parametrize("values, expected", [((-1, 1), ["-1", "1"]), ((7, 10), ["7", "10"])])
def test_finetune_integer_labels_are_the_distinct_values(tmp_path, tiny_clf, values, expected):
    tiny_clf.save_preset(tmp_path / "base")
    low, high = values
    rows = [(t, high) for t in GOOD] + [(t, low) for t in BAD]
    data = _csv(tmp_path / "d.csv", rows)
    assert main(["finetune", str(tmp_path / "base"), "--data", data, "--text-column", "review",
                 "--label-column", "stars", "--epochs", "1", "--batch-size", "4",
                 "--out", str(tmp_path / "out")]) == 0
    tuned = seqzoo.load(tmp_path / "out")
    assert tuned.labels == expected  # Sorted numerically, no class that never occurs.


# === 3. A hard-link loop in the weights fails fast ===
def test_hdf5_hard_link_loop_is_refused_quickly(tmp_path):
    path = tmp_path / "loop.h5"
    with h5py.File(path, "w") as f:
        group = f.create_group("x")
        group["loop"] = group
    script = ("import sys; from seqzoo.weights_safety import check_weights_file\n"
              "from seqzoo.errors import PresetError\n"
              "try:\n    check_weights_file(sys.argv[1], {})\n"
              "except PresetError as e:\n    print('REFUSED', e)\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", script, str(path)], env=env, capture_output=True,
                         text=True, timeout=120).stdout
    assert "REFUSED" in out and "links back to an object already seen" in out
    assert time.perf_counter() - start < 60


# === 4. Config sizes are bounded before anything is built ===
def _edit_config(preset, edit):
    config = json.loads((preset / CONFIG_FILE).read_text())
    edit(config["config"]["backbone"]["config"])
    (preset / CONFIG_FILE).write_text(json.dumps(config))
    rehash(preset)


@pytest.mark.parametrize("key, value, variable", [
    ("embedding_dim", 600_000, "SEQZOO_MAX_UNITS"),
    ("num_layers", 160, "SEQZOO_MAX_LAYERS"),
    ("vocabulary_size", 10_000_000, "SEQZOO_MAX_VOCABULARY"),
])
def test_oversized_config_is_refused_before_building(preset, key, value, variable):
    _edit_config(preset, lambda c: c.update({key: value}))
    start = time.perf_counter()
    with pytest.raises(PresetError, match=f"{key} = {value:,} is over the limit.*{variable}"):
        seqzoo.load(preset)
    assert time.perf_counter() - start < 10


def test_size_limits_come_from_the_environment(preset, monkeypatch):
    monkeypatch.setenv("SEQZOO_MAX_UNITS", "8")  # The tiny LM has 16 units.
    with pytest.raises(PresetError, match="hidden_size = 16 is over the limit of 8"):
        seqzoo.load(preset)
    monkeypatch.setenv("SEQZOO_MAX_UNITS", "16")
    monkeypatch.setenv("SEQZOO_MAX_PARAMS", "1000")
    with pytest.raises(PresetError, match="estimated parameter count.*SEQZOO_MAX_PARAMS"):
        seqzoo.load(preset)
    monkeypatch.setenv("SEQZOO_MAX_PARAMS", "lots")
    with pytest.raises(InputError, match="SEQZOO_MAX_PARAMS='lots' is not an integer"):
        seqzoo.load(preset)


def test_tensor_byte_limit_is_read_through_env_int(preset, monkeypatch):
    monkeypatch.setenv("SEQZOO_MAX_TENSOR_BYTES", "1_000")
    with pytest.raises(PresetError, match="over the limit of 1,000"):
        seqzoo.load(preset)
    monkeypatch.setenv("SEQZOO_MAX_TENSOR_BYTES", "-5")
    with pytest.raises(InputError, match="SEQZOO_MAX_TENSOR_BYTES"):
        seqzoo.load(preset)


# === 5. What is parsed is what was hashed ===
def test_weights_swapped_right_after_the_hash_check_are_not_loaded(preset, tmp_path, monkeypatch):
    import seqzoo.presets as presets

    expected = seqzoo.load(preset).predict(["Jo"])
    other = seqzoo.load(preset)
    other.lm_head.kernel.assign(other.lm_head.kernel * -3.0)
    other.save_preset(tmp_path / "other")
    swapped = (tmp_path / "other" / WEIGHTS_FILE).read_bytes()
    real = presets.verify_files

    def verify_then_swap(preset_dir, card, **kwargs):
        real(preset_dir, card, **kwargs)
        (Path(preset_dir) / WEIGHTS_FILE).write_bytes(swapped)  # A writer racing the loader.

    monkeypatch.setattr(presets, "verify_files", verify_then_swap)
    np.testing.assert_allclose(seqzoo.load(preset).predict(["Jo"]), expected, rtol=1e-6)


# === 6. generate's memory follows the text, max_length is bounded ===
def test_generate_decodes_in_bounded_chunks_and_bounds_max_length(tiny_lm, monkeypatch):
    from seqzoo.models.char_lm import GENERATE_CHUNK, MAX_GENERATE_LENGTH

    class Stop(Exception):
        pass

    steps = []

    def recording(logits, states, done, n, *rest):
        steps.append(int(n))
        raise Stop

    monkeypatch.setattr(tiny_lm.decoder, "decode", recording)
    with pytest.raises(Stop):
        tiny_lm.generate("J", max_length=MAX_GENERATE_LENGTH, seed=0)
    assert steps == [GENERATE_CHUNK]  # One compiled call holds at most this many steps.
    with pytest.raises(InputError, match="max_length must be from 0 to 1000000; got 250000000"):
        tiny_lm.generate("J", max_length=250_000_000)


def test_long_generation_equals_short_chunks(tiny_lm):
    whole = tiny_lm.generate("J", max_length=40, temperature=1.0, seed=3, n=2)
    streamed = ["J", "J"]
    for pieces in tiny_lm.stream("J", max_length=40, temperature=1.0, seed=3, n=2, chunk_size=7):
        streamed = [s + p for s, p in zip(streamed, pieces)]
    assert whole == streamed


# === 7. Values too large for float32 ===
def test_forecast_refuses_values_that_overflow_float32(weather):
    history = [dict(row) for row in weather.card.extra["example_history"]]
    history[-1]["temp_max"] = 1e39
    with pytest.raises(InputError, match="'temp_max', row 6: 1e\\+39 is too large for float32"):
        weather.forecast(history)


# === 8. forecast reads a CSV with a byte-order mark ===
def test_cli_forecast_reads_a_csv_with_a_byte_order_mark(weather, tmp_path, capsys):
    history = weather.card.extra["example_history"]
    columns = list(history[0])
    text = ",".join(columns) + "\n" + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in history)
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    assert main(["forecast", "weather-lstm", "--data", str(path)]) == 0
    assert "2015-01-01" in capsys.readouterr().out


# === 9. fit/evaluate take any 1-D sequence of strings ===
def test_classifier_fit_and_evaluate_take_pandas_series_tuples_and_arrays(tiny_clf):
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"text": GOOD + BAD, "label": ["positive"] * 4 + ["negative"] * 4})
    history = tiny_clf.fit(frame.text, frame.label, epochs=1, batch_size=4, verbose=0)
    assert len(history.history["loss"]) == 1
    by_series = tiny_clf.evaluate(frame.text, frame.label, verbose=0)
    by_list = tiny_clf.evaluate(list(frame.text), list(frame.label), verbose=0)
    by_array = tiny_clf.evaluate(np.array(GOOD + BAD), tuple(frame.label), verbose=0)
    np.testing.assert_allclose(by_series, by_list, rtol=1e-5)
    np.testing.assert_allclose(by_array, by_list, rtol=1e-5)


# === 10. --calibration-data is checked before training ===
def test_bad_calibration_labels_fail_before_training(tmp_path, tiny_clf, capsys, monkeypatch):
    tiny_clf.save_preset(tmp_path / "base")
    data = _csv(tmp_path / "d.csv", [(t, "positive") for t in GOOD] + [(t, "negative") for t in BAD])
    held = _csv(tmp_path / "held.csv", [("good film", "positive"), ("dull", "neutral")])

    def no_training(self, *args, **kwargs):
        raise AssertionError("training started before the calibration data was checked")

    monkeypatch.setattr(seqzoo.TextClassifier, "fit", no_training)
    assert main(["finetune", str(tmp_path / "base"), "--data", data, "--text-column", "review",
                 "--label-column", "stars", "--calibration-data", held, "--out", str(tmp_path / "o")]) == 2
    assert "['neutral'] are not among the model's labels" in capsys.readouterr().err


# === 11. Deeply nested JSON ===
DEEP = "[" * 100_000 + "]" * 100_000


def test_deeply_nested_config_is_a_preset_error(preset):
    config = (preset / CONFIG_FILE).read_text()
    (preset / CONFIG_FILE).write_text('{"deep": ' + DEEP + ', "rest": ' + config + "}")
    rehash(preset)
    with pytest.raises(PresetError, match="config.json nests deeper than 64 levels"):
        seqzoo.load(preset)
    assert main(["predict", str(preset), "Jo"]) == 2


def test_deeply_nested_card_is_a_preset_error(preset, capsys):
    card = json.loads((preset / "card.json").read_text())
    card["extra"]["deep"] = "DEEP"
    (preset / "card.json").write_text(json.dumps(card).replace('"DEEP"', DEEP))
    with pytest.raises(PresetError, match="card.json nests deeper than 64 levels"):
        seqzoo.info(preset)
    assert main(["info", str(preset)]) == 2
    assert "nests deeper" in capsys.readouterr().err


# === 12. A card that is a symbolic link is refused before it is read ===
def test_card_symlink_is_refused_before_reading(preset, tmp_path, capsys):
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"AWS_SECRET_KEY_NAME": 1}))
    (preset / "card.json").unlink()
    (preset / "card.json").symlink_to(secret)
    for call in (seqzoo.load, seqzoo.info):
        with pytest.raises(PresetError, match="symbolic link") as error:
            call(preset)
        assert "AWS_SECRET" not in str(error.value)


def test_info_refuses_a_card_symlink_to_a_valid_card(preset, tmp_path):
    real = tmp_path / "elsewhere.json"
    shutil.move(preset / "card.json", real)
    (preset / "card.json").symlink_to(real)
    with pytest.raises(PresetError, match="symbolic link"):
        seqzoo.info(preset)


def test_card_fifo_is_refused_without_blocking(preset):
    (preset / "card.json").unlink()
    os.mkfifo(preset / "card.json")
    with pytest.raises(PresetError, match="not a plain file"):
        seqzoo.info(preset)


# === 13. Empty input, empty output ===
@pytest.mark.parametrize("fast", [True, False], ids=["fast-path", "batched-path"])
def test_empty_inputs_give_empty_results_of_the_right_shape(tiny_lm, tiny_clf, weather, monkeypatch, fast):
    from seqzoo.models import fast_path

    if not fast:  # Large inputs skip the fast path; an empty one must work there too.
        for hook in ("char_lm_predict", "classifier_predict", "forecaster_predict"):
            monkeypatch.setattr(fast_path, hook, lambda *args: None)
    assert tiny_lm.predict([]).shape == (0, tiny_lm.backbone.vocabulary_size)
    assert tiny_clf.predict([]).shape == (0, 2) and tiny_clf.classify([]) == []
    assert weather.predict(np.zeros((0, 7, 6), np.float32)).shape == (0, 2)


# === 14. Every option's type is checked, naming the argument ===
@pytest.mark.parametrize("call, name", [
    (lambda m: m.predict_next("J", k=None), "k"),
    (lambda m: m.predict_next("J", k=2.5), "k"),
    (lambda m: m.predict_next(None), "prefix"),
    (lambda m: m.generate("J", max_length=2.5), "max_length"),
    (lambda m: m.generate("J", max_length="5"), "max_length"),
    (lambda m: m.generate("J", temperature="1"), "temperature"),
    (lambda m: m.generate("J", temperature=float("nan")), "temperature"),
    (lambda m: m.generate("J", seed="abc"), "seed"),
    (lambda m: m.generate("J", n=2.5), "n"),
    (lambda m: m.generate("J", top_k=0), "top_k"),
    (lambda m: m.generate("J", top_p=1.5), "top_p"),
    (lambda m: list(m.stream("J", chunk_size=0)), "chunk_size"),
    (lambda m: m.score(["J"], batch_size=0), "batch_size"),
])
def test_bad_options_are_input_errors_naming_the_argument(tiny_lm, call, name):
    with pytest.raises(InputError, match=f"^{name} must"):
        call(tiny_lm)


def test_huge_top_k_keeps_every_token(tiny_lm, preset, capsys):
    assert tiny_lm.generate("J", max_length=8, top_k=2**31, seed=1) == tiny_lm.generate("J", max_length=8, seed=1)
    assert main(["generate", str(preset), "--prompt", "J", "--length", "5", "--top-k", "2147483648",
                 "--seed", "1"]) == 0


# === 15. Banned tokens stay banned at any temperature ===
def test_banned_tokens_are_never_sampled_even_at_huge_temperature(tiny_lm):
    import tensorflow as tf

    from seqzoo.layers.tokenizer import END_ID, OOV_ID, PAD_ID, START_ID

    ids = tf.repeat(tiny_lm._prompt_ids("J"), 64, axis=0)
    logits, states = tiny_lm.decoder.prefill(ids)
    options = (tf.constant(1e12), tf.constant(0), tf.constant(1.0), tf.constant(7))
    tokens, *_ = tiny_lm.decoder.decode(logits, states, tf.zeros([64], tf.bool), tf.constant(30), *options,
                                        tf.constant(0))
    drawn = []
    for row in tokens.numpy():
        for token in row:
            if token == END_ID:
                break
            drawn.append(int(token))
    banned = [t for t in drawn if t in (PAD_ID, START_ID, OOV_ID)]
    assert len(drawn) > 64 and banned == []


# === 16. Card field types are validated on read ===
@pytest.mark.parametrize("field, value", [("num_params", "many"), ("metrics", {"acc": {"value": "high"}}),
                                          ("files", ["config.json"]), ("num_params", True)])
def test_card_fields_of_the_wrong_type_are_preset_errors(preset, field, value, capsys):
    card = json.loads((preset / "card.json").read_text())
    card[field] = value
    (preset / "card.json").write_text(json.dumps(card))
    with pytest.raises(PresetError, match=f"'{field}'|metric 'acc' field 'value'"):
        seqzoo.load(preset)
    assert main(["info", str(preset)]) == 2
    assert "seqzoo: error:" in capsys.readouterr().err


# === 17. The weights-mismatch message and walk are bounded ===
def _junk_weights(preset, count):
    with h5py.File(preset / WEIGHTS_FILE, "a") as f:
        junk = f.create_group("junk")
        for i in range(count):
            junk.create_dataset(f"d{i}", data=np.zeros(1, np.float32))
    rehash(preset)


def test_weights_mismatch_message_is_capped(preset):
    _junk_weights(preset, 1_000)
    with pytest.raises(PresetError) as error:
        seqzoo.load(preset)
    message = str(error.value)
    assert "and 995 more file tensors no variable expects" in message
    assert len(message) < 2_000 and message.count("\n") < 15


def test_weights_walk_stops_at_the_object_limit(preset, monkeypatch):
    _junk_weights(preset, 300)
    monkeypatch.setenv("SEQZOO_MAX_WEIGHT_OBJECTS", "200")
    with pytest.raises(PresetError, match="more than 200 groups and datasets"):
        seqzoo.load(preset)


# === 18. extra_files stay inside the preset ===
@pytest.mark.parametrize("name", ["../../x.txt", "../x.txt", "ABSOLUTE", "a/../../x.txt"])
def test_extra_files_cannot_escape_the_preset(tiny_lm, tmp_path, name):
    source = tmp_path / "source.txt"
    source.write_text("data")
    out = tmp_path / "deep" / "er" / "preset"
    absolute = tmp_path / "absolute-escape.txt"
    name = str(absolute) if name == "ABSOLUTE" else name
    with pytest.raises(InputError, match="must be a relative path inside the preset"):
        tiny_lm.save_preset(out, extra_files={name: source})
    assert not (tmp_path / "x.txt").exists() and not (tmp_path / "deep" / "x.txt").exists()
    assert not absolute.exists() and not out.exists()


@pytest.mark.parametrize("name", ["./config.json", "config.json/", "./model.weights.h5", "./card.json",
                                  "./assets/vocabulary.txt"])
def test_extra_files_cannot_replace_the_presets_own_files_under_another_spelling(tiny_lm, tmp_path, name):
    source = tmp_path / "source.txt"
    source.write_text("not a config")
    with pytest.raises(InputError, match="would replace a file the preset writes itself"):
        tiny_lm.save_preset(tmp_path / "preset", extra_files={name: source})
    assert not (tmp_path / "preset").exists()


def test_an_extra_file_named_card_json_in_a_folder_is_listed_and_loads(tiny_lm, tmp_path):
    source = tmp_path / "notes.json"
    source.write_text('{"note": 1}')
    tiny_lm.save_preset(tmp_path / "preset", extra_files={"docs/card.json": source})
    card = json.loads((tmp_path / "preset" / "card.json").read_text())
    assert "docs/card.json" in card["files"] and "card.json" not in card["files"]
    assert seqzoo.load(tmp_path / "preset").card.files["docs/card.json"] == card["files"]["docs/card.json"]


# === 19. load(None), load(bytes) ===
@pytest.mark.parametrize("value", [None, b"names-lstm", 3, ["names-lstm"], ""])
def test_load_and_info_refuse_non_names(value):
    with pytest.raises(InputError, match="Expected a model name"):
        seqzoo.load(value)
    with pytest.raises(InputError, match="Expected a model name"):
        seqzoo.info(value)


# === 20. A zoo name means the zoo entry ===
def test_zoo_name_wins_over_a_local_folder_unless_written_as_a_path(tiny_lm, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    tiny_lm.save_preset(tmp_path / "names-lstm")
    zoo_params = seqzoo.info("names-lstm").num_params
    assert zoo_params != tiny_lm.count_params()
    assert seqzoo.load("names-lstm").count_params() == zoo_params
    assert seqzoo.load("./names-lstm").count_params() == tiny_lm.count_params()
    assert seqzoo.info("./names-lstm").num_params == tiny_lm.count_params()
    tiny_lm.save_preset(tmp_path / "not-in-zoo")  # No zoo entry of that name: the folder.
    assert seqzoo.load("not-in-zoo").count_params() == tiny_lm.count_params()
    monkeypatch.setenv("HOME", str(tmp_path))
    assert seqzoo.info("~/names-lstm").num_params == tiny_lm.count_params()


# === 21. A FIFO in the dataset cache is refetched, never read ===
def test_fifo_in_dataset_cache_is_refetched_not_read(tmp_path, monkeypatch):
    from test_datasets import STOCKS_CSV, sha, swap_source, write_wheel

    from seqzoo import datasets
    from seqzoo.datasets import fetch

    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", str(links))
    member = "vega_datasets/_data/stocks.csv"
    wheel = write_wheel(links, "vega_datasets", "0.9.0", {member: STOCKS_CSV})
    swap_source(monkeypatch, "stocks", wheel, files={member: sha(STOCKS_CSV)})
    datasets.load("stocks")
    cached = tmp_path / "home" / "datasets" / "stocks" / "stocks.csv"
    cached.unlink()
    os.mkfifo(cached)
    calls = []
    real_run = fetch.subprocess.run
    monkeypatch.setattr(fetch.subprocess, "run", lambda cmd, *a, **k: calls.append(cmd) or real_run(cmd, *a, **k))
    result = {}
    worker = threading.Thread(target=lambda: result.update(split=datasets.load("stocks", "all")), daemon=True)
    worker.start()
    worker.join(60)
    if worker.is_alive():  # Unblock the reader so the suite goes on, then fail.
        os.close(os.open(cached, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(10)
        pytest.fail("datasets.load blocked reading a FIFO in the cache")
    assert len(calls) == 1 and cached.is_file() and cached.read_bytes() == STOCKS_CSV
    assert result["split"].meta["feature_names"] == ["GOOG", "MSFT"]
