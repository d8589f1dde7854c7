"""Property: every public task method and CLI command answers bad arguments with a SeqzooError.

Hypothesis picks a call, one of its arguments and a bad value for it (wrong
types, NaN and infinities, huge and negative numbers, empty and huge
containers). The call may succeed, or raise a `SeqzooError`; any other
exception is a bug. CLI commands may also end through argparse's usage error
(SystemExit 2), never with a traceback.

CI runs a short, deterministic profile (derandomize=True, no deadline);
SEQZOO_PROPERTY_EXAMPLES=500 runs a longer, random one.
"""
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

import seqzoo
from seqzoo import SeqzooError
from seqzoo.cli import main

EXAMPLES = int(os.environ.get("SEQZOO_PROPERTY_EXAMPLES", "40"))
LONG = "SEQZOO_PROPERTY_EXAMPLES" in os.environ
# The CI profile is deterministic and does not shrink (a TensorFlow call per step makes shrinking slow).
PROFILE = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                   phases=list(Phase) if LONG else [Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))
TEXTS = ["great film", "dull plot"]
LABELS = ["positive", "negative"]


class Opaque:
    """An object of no type seqzoo knows."""


BAD = st.one_of(
    st.none(), st.booleans(), st.just(Opaque()),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, -1, 2**31, 2**63, 10**30]),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, 1e39, -1e-320, 2.5]),
    st.text(max_size=12), st.sampled_from(["", "5", "nan", "\x00", "../../x"]),
    st.binary(max_size=8),
    st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), max_size=4),
    st.sampled_from([[], (), {}, set(), np.zeros(0), np.full(3, np.nan), np.zeros((2, 2, 2)),
                     ["x"] * 1_000, list(range(1_000)), {"a": [1]}]),
)


@pytest.fixture(scope="module")
def models(tiny_lm):
    import keras

    keras.utils.set_random_seed(0)
    clf = seqzoo.build("gru", "text_classification", texts=TEXTS * 2, hidden_size=4, embedding_dim=4)
    return {"lm": tiny_lm, "clf": clf, "fc": seqzoo.load("weather-lstm")}


def _history(models):
    return models["fc"].card.extra["example_history"]


# name -> (call(models, **arguments), the good arguments; one of them is replaced by a bad value)
CALLS = {
    "CharLM.predict": (lambda m, texts: m["lm"].predict(texts), {"texts": TEXTS}),
    "CharLM.predict_next": (lambda m, prefix, k: m["lm"].predict_next(prefix, k=k), {"prefix": "Jo", "k": 3}),
    "CharLM.generate": (
        lambda m, **a: m["lm"].generate(**a),
        {"prompt": "J", "max_length": 5, "temperature": 1.0, "top_k": 3, "top_p": 0.9, "seed": 1, "n": 2}),
    "CharLM.stream": (
        lambda m, **a: list(m["lm"].stream(**a)),
        {"prompt": "J", "max_length": 5, "temperature": 0.5, "seed": 1, "n": 1, "chunk_size": 2}),
    "CharLM.score": (lambda m, **a: m["lm"].score(**a), {"texts": TEXTS, "batch_size": 2, "chunk_length": 8}),
    "CharLM.fit": (lambda m, **a: m["lm"].fit(verbose=0, **a),
                   {"x": TEXTS, "epochs": 1, "batch_size": 2, "seed": 0, "shuffle": True}),
    "TextClassifier.predict": (lambda m, **a: m["clf"].predict(**a), {"texts": TEXTS, "batch_size": 4}),
    "TextClassifier.classify": (lambda m, texts: m["clf"].classify(texts), {"texts": TEXTS}),
    "TextClassifier.fit": (lambda m, **a: m["clf"].fit(verbose=0, **a),
                           {"x": TEXTS, "y": LABELS, "epochs": 1, "batch_size": 2, "seed": 0}),
    "TextClassifier.evaluate": (lambda m, **a: m["clf"].evaluate(verbose=0, **a),
                                {"x": TEXTS, "y": LABELS, "batch_size": 2}),
    "TextClassifier.calibrate": (lambda m, **a: m["clf"].calibrate(**a),
                                 {"texts": TEXTS, "labels": LABELS, "batch_size": 4}),
    "TextClassifier.with_new_head": (lambda m, **a: m["clf"].with_new_head(**a),
                                     {"num_classes": 3, "labels": ["a", "b", "c"]}),
    "TextClassifier.temperature": (lambda m, value: setattr(m["clf"], "temperature", value), {"value": 1.0}),
    "Forecaster.predict": (lambda m, **a: m["fc"].predict(**a),
                           {"x": np.zeros((2, 7, 6), np.float32), "batch_size": 2}),
    "Forecaster.forecast": (lambda m, **a: m["fc"].forecast(**a), {"history": None, "horizon": 2}),
    "Forecaster.demo": (lambda m, horizon: m["fc"].demo(horizon), {"horizon": 2}),
    "Forecaster.read_csv": (lambda m, path: m["fc"].read_csv(path), {"path": "/nonexistent.csv"}),
    "seqzoo.load": (lambda m, **a: seqzoo.load(**a),
                    {"name_or_path": "sentiment-rnn", "num_classes": None, "weights": True, "labels": None,
                     "inference_precision": "float32"}),
    "seqzoo.info": (lambda m, name: seqzoo.info(name), {"name": "names-lstm"}),
    "seqzoo.list_models": (lambda m, **a: seqzoo.list_models(**a), {"pattern": "*", "task": None}),
    "seqzoo.build": (lambda m, **a: seqzoo.build(**a),
                     {"architecture": "gru", "task": "char_lm", "hidden_size": 4, "embedding_dim": 4,
                      "num_layers": 1, "dropout": 0.0, "texts": TEXTS}),
    "Task.save_preset": (lambda m, **a: m["lm"].save_preset(**a),
                         {"directory": None, "extra_files": None, "overwrite": False}),
}


def _arguments(models, name, tmp_path):
    arguments = dict(CALLS[name][1])
    if name == "Forecaster.forecast":
        arguments["history"] = _history(models)
    if name == "Task.save_preset":
        arguments["directory"] = tmp_path / "saved"
    return arguments


@PROFILE
@given(call=st.sampled_from(sorted(CALLS)), data=st.data())
def test_public_methods_raise_only_seqzoo_errors(models, tmp_path_factory, call, data):
    function, _ = CALLS[call]
    arguments = _arguments(models, call, tmp_path_factory.mktemp("bad"))
    key = data.draw(st.sampled_from(sorted(arguments)), label="argument")
    arguments[key] = data.draw(BAD, label="bad value")
    try:
        function(models, **arguments)
    except SeqzooError:
        pass


COMMANDS = {
    "list": ["list", "*", "--task", "{}"],
    "info": ["info", "{}"],
    "predict": ["predict", "names-lstm", "Jo", "-k", "{}"],
    "predict-name": ["predict", "{}", "Jo"],
    "generate-length": ["generate", "names-lstm", "--length", "{}", "--seed", "1"],
    "generate-temperature": ["generate", "names-lstm", "--length", "3", "--temperature", "{}"],
    "generate-top-k": ["generate", "names-lstm", "--length", "3", "--top-k", "{}"],
    "generate-top-p": ["generate", "names-lstm", "--length", "3", "--top-p", "{}"],
    "generate-seed": ["generate", "names-lstm", "--length", "3", "--seed", "{}"],
    "forecast-horizon": ["forecast", "weather-lstm", "--data", "{csv}", "--horizon", "{}"],
    "forecast-data": ["forecast", "weather-lstm", "--data", "{}"],
    "finetune-out": ["finetune", "{base}", "--data", "{train}", "--label-column", "label", "--epochs", "1",
                     "--out", "{}"],
    "finetune-epochs": ["finetune", "{base}", "--data", "{train}", "--label-column", "label",
                        "--epochs", "{}", "--out", "{out}"],
    "finetune-label-column": ["finetune", "{base}", "--data", "{train}", "--label-column", "{}",
                              "--epochs", "1", "--out", "{out}"],
    "data-info": ["data", "info", "{}"],
}
BAD_FLAG = st.one_of(
    st.sampled_from(["", "nan", "inf", "-inf", "-1", "0", "1e39", "2147483648", "9" * 40, "2.5", "abc",
                     "\x00", "../..", "-", "--", "~", "names-lstm", "/dev/null", "/"]),
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=10),
    st.integers(-(2**70), 2**70).map(str),
    st.floats().map(str),
)


@pytest.fixture(scope="module")
def cli_files(models, tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    history = _history(models)
    columns = list(history[0])
    (folder / "history.csv").write_text(
        ",".join(columns) + "\n" + "".join(",".join(str(r[c]) for c in columns) + "\n" for r in history))
    (folder / "train.csv").write_text("text,label\n" + "".join(f"{t},{lab}\n" for t, lab in zip(TEXTS, LABELS)))
    models["clf"].save_preset(folder / "base", overwrite=True)
    work = folder / "work"  # Relative paths the command writes land here, not in the repository.
    work.mkdir()
    before = os.getcwd()
    os.chdir(work)
    yield {"csv": folder / "history.csv", "train": folder / "train.csv", "base": folder / "base",
            "out": folder / "out"}
    os.chdir(before)


# Flags whose large valid values mean real work (a long text, many epochs): such a value is
# not a bad argument, and running it would only make the test slow.
WORK_FLAGS = {"generate-length": 20, "finetune-epochs": 2, "forecast-horizon": 20, "predict": 100,
              "generate-top-k": 10**9}


def _much_work(command: str, value: str) -> bool:
    try:
        number = int(value.strip())
    except ValueError:
        return False
    return command in WORK_FLAGS and number > WORK_FLAGS[command]


@PROFILE
@given(command=st.sampled_from(sorted(COMMANDS)), value=BAD_FLAG)
def test_cli_commands_fail_only_with_usage_or_seqzoo_errors(cli_files, command, value, capsys):
    if "\x00" in value:  # The OS cannot pass a NUL inside an argument.
        value = value.replace("\x00", "")
    assume(not _much_work(command, value))
    argv = [value if part == "{}" else part.format(**cli_files) for part in COMMANDS[command]]
    try:
        code = main(argv)
    except SystemExit as exit_:  # argparse's usage error: a message, no traceback.
        assert exit_.code == 2
        return
    assert code in (0, 2)
    if code == 2:
        assert "seqzoo: error:" in capsys.readouterr().err
