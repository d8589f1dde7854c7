"""Pins seqzoo/cli.py exactly: every flag, default and help line, each command's calls, printed lines and exit codes."""
import argparse
import inspect
import io
import os
import sys
import types
import warnings
from pathlib import Path

import numpy as np
import pytest

import seqzoo
import seqzoo.datasets
import seqzoo.datasets.cli
import seqzoo.diagnostics.cli
import seqzoo.export.cli
import seqzoo.presets
import seqzoo.training
import seqzoo.training.supervise
from seqzoo import cli
from seqzoo.card import ModelCard
from seqzoo.errors import SeqzooError, SeqzooWarning

PRECISION_HELP = ("matmul precision of the recurrent layers (bfloat16: faster on CPUs with "
                  "AVX512-BF16 or AMX, outputs change slightly)")
STORE, TRUE, APPEND = "_StoreAction", "_StoreTrueAction", "_AppendAction"
WHOLE, NUMBER = "whole number", "number"
PRECISION = (("--precision",), None, "float32", False, PRECISION_HELP, ["float32", "bfloat16"], STORE, None)
NAME = ((), None, None, True, None, None, STORE, None)

# dest -> (option strings, nargs, default, required, help, choices, action class, type name)
SPEC = {
    "list": {
        "pattern": ((), "?", None, False, 'shell wildcards, such as "*lstm*"', None, STORE, None),
        "task": (("--task",), None, None, False, "char_lm, text_classification or forecasting", None, STORE, None),
    },
    "info": {"name": NAME},
    "predict": {
        "name": NAME,
        "texts": ((), "+", None, True, None, None, STORE, None),
        "k": (("-k",), None, 5, False, "answers per text (char LMs)", None, STORE, WHOLE),
        "precision": PRECISION,
    },
    "generate": {
        "name": NAME,
        "prompt": (("--prompt",), None, "", False, None, None, STORE, None),
        "length": (("--length",), None, 200, False, None, None, STORE, WHOLE),
        "temperature": (("--temperature",), None, 1.0, False, None, None, STORE, NUMBER),
        "top_k": (("--top-k",), None, None, False, None, None, STORE, WHOLE),
        "top_p": (("--top-p",), None, None, False, None, None, STORE, NUMBER),
        "seed": (("--seed",), None, None, False, None, None, STORE, WHOLE),
        "precision": PRECISION,
    },
    "forecast": {
        "name": NAME,
        "data": (("--data",), None, None, True, "CSV with a date column and the model's feature columns", None,
                 STORE, None),
        "horizon": (("--horizon",), None, 1, False, "steps to forecast", None, STORE, WHOLE),
        "precision": PRECISION,
    },
    "demo": {},
    "finetune": {
        "name": NAME,
        "data": (("--data",), None, None, True, "a CSV file", None, STORE, None),
        "text_column": (("--text-column",), None, None, False, None, None, STORE, None),
        "label_column": (("--label-column",), None, None, False, None, None, STORE, None),
        "epochs": (("--epochs",), None, 3, False, None, None, STORE, WHOLE),
        "batch_size": (("--batch-size",), None, 32, False, None, None, STORE, WHOLE),
        "calibration_data": (("--calibration-data",), None, None, False, ("a CSV of held-out labelled texts (same "
                             "columns): fit the classifier's temperature on it"), None, STORE, None),
        "out": (("--out",), None, None, True, ("the preset directory to write (refused if it holds anything but a "
                "seqzoo preset, unless --overwrite)"), None, STORE, None),
        "overwrite": (("--overwrite",), 0, False, False, ("replace whatever is at --out, even a folder or file that "
                      "is not a preset"), None, TRUE, None),
    },
    "train": {
        "name": NAME,
        "out": (("--out",), None, None, False, "preset directory (default: $SEQZOO_HOME/trained/NAME)", None,
                STORE, None),
        "epochs": (("--epochs",), None, None, False, "most epochs (default: the recipe's)", None, STORE, WHOLE),
        "seed": (("--seed",), None, 0, False, None, None, STORE, WHOLE),
        "workers": (("--workers",), None, None, False, ("HOST:PORT,HOST:PORT,... of every worker of a multi-worker "
                    "job (default: TF_CONFIG, else one machine)"), None, STORE, None),
        "worker_index": (("--worker-index",), None, None, False, "this worker's position in --workers, from 0", None,
                         STORE, WHOLE),
        "peer_timeout": (("--peer-timeout",), None, 300.0, False, ("seconds to wait for another worker before failing "
                         "(default: 300, at most a week)"), None, STORE, NUMBER),
        "override": (("--override",), None, None, False, argparse.SUPPRESS, None, APPEND, None),
        "worker_stage_file": (("--worker-stage-file",), None, None, False, argparse.SUPPRESS, None, STORE, None),
    },
}
COMMANDS = {
    "list": ("list the zoo's models", "cmd_list"),
    "info": ("show a model card", "cmd_info"),
    "predict": ("next characters (char LMs) or labels (classifiers)", "cmd_predict"),
    "generate": ("generate text with a char LM, streamed", "cmd_generate"),
    "forecast": ("forecast the next steps after a CSV of past rows", "cmd_forecast"),
    "demo": ("run every pretrained model on a short example", "cmd_demo"),
    "finetune": ("fine-tune a model on a CSV file and save a preset", "cmd_finetune"),
    "train": ("retrain a zoo entry from its recipe, on one machine or several", "cmd_train"),
}


# --- helpers -------------------------------------------------------------------------------------


def _commands(parser):
    return next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))


def _described(action):
    return (tuple(action.option_strings), action.nargs, action.default, action.required, action.help,
            action.choices, type(action).__name__, getattr(action.type, "__name__", None))


def _parse(*argv):
    return vars(cli.build_parser().parse_args(list(argv)))


def _run(capsys, *argv):
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


class Calls(list):
    """An ordered log of (name, args, kwargs) that fakes append to."""

    def method(self, name, result=None):
        def record(*args, **kwargs):
            self.append((name, args, kwargs))
            return result
        return record

    def named(self, name):
        return [(args, kwargs) for n, args, kwargs in self if n == name]

    def order(self):
        return [name for name, _, _ in self]


class Stdout(io.StringIO):
    """A stdout that remembers what had been written at its last flush."""

    flushed = ""

    def flush(self):
        self.flushed = self.getvalue()


def _raiser(error):
    def fail(*args, **kwargs):
        raise error
    return fail


@pytest.fixture()
def calls():
    return Calls()


@pytest.fixture()
def zoo(monkeypatch, calls):
    """`seqzoo.load` answers from this dict of fake models, recording each load."""
    models = {}

    def load(name, **kwargs):
        calls.append(("load", (name,), kwargs))
        return models[name]

    monkeypatch.setattr(seqzoo, "load", load)
    return models


def _char_lm(calls, **attrs):
    return types.SimpleNamespace(task_name="char_lm",
                                 predict_next=calls.method("predict_next", [("n", 0.5), ("a", 0.25)]), **attrs)


def _classifier(calls, labels=("negative", "positive"), prefix=""):
    return types.SimpleNamespace(task_name="text_classification", labels=list(labels),
                                 classify=calls.method(prefix + "classify", [("positive", 0.98765)]),
                                 fit=calls.method(prefix + "fit"), calibrate=calls.method("calibrate", 1.23456),
                                 save_preset=calls.method(prefix + "save_preset"))


# --- the parser ----------------------------------------------------------------------------------


def test_parser_is_named_seqzoo_and_requires_a_command(capsys):
    parser = cli.build_parser()
    assert (parser.prog, parser.description) == ("seqzoo", "A zoo of pretrained recurrent models.")
    commands = _commands(parser)
    assert (commands.dest, commands.metavar, commands.required) == ("command", "COMMAND", True)
    with pytest.raises(SystemExit) as exit_info:
        parser.parse_args([])
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == "seqzoo: error: the following arguments are required: COMMAND"


def test_each_command_has_its_help_line_and_handler():
    commands = _commands(cli.build_parser())
    assert list(commands.choices) == [*COMMANDS, "data", "export", "explain"]
    helps = {action.dest: action.help for action in commands._choices_actions}
    for name, (help_line, handler) in COMMANDS.items():
        assert helps[name] == help_line
        assert commands.choices[name].get_default("func") is getattr(cli, handler)
        assert commands.choices[name].prog == f"seqzoo {name}"


@pytest.mark.parametrize("command", list(SPEC))
def test_each_command_declares_exactly_these_arguments(command):
    sub = _commands(cli.build_parser()).choices[command]
    declared = {a.dest: _described(a) for a in sub._actions if a.dest != "help"}
    assert declared == SPEC[command]


@pytest.mark.parametrize("argv, expected", [
    (["list"], {"pattern": None, "task": None}),
    (["list", "*gru*", "--task", "forecasting"], {"pattern": "*gru*", "task": "forecasting"}),
    (["info", "names-lstm"], {"name": "names-lstm"}),
    (["predict", "m", "Jo", "Ma"], {"name": "m", "texts": ["Jo", "Ma"], "k": 5, "precision": "float32"}),
    (["predict", "m", "Jo", "-k", "2", "--precision", "bfloat16"],
     {"name": "m", "texts": ["Jo"], "k": 2, "precision": "bfloat16"}),
    (["generate", "m"], {"name": "m", "prompt": "", "length": 200, "temperature": 1.0, "top_k": None,
                         "top_p": None, "seed": None, "precision": "float32"}),
    (["generate", "m", "--prompt", "Ma", "--length", "7", "--temperature", "0.5", "--top-k", "3", "--top-p", "0.9",
      "--seed", "4"], {"name": "m", "prompt": "Ma", "length": 7, "temperature": 0.5, "top_k": 3, "top_p": 0.9,
                       "seed": 4, "precision": "float32"}),
    (["forecast", "w", "--data", "d.csv"], {"name": "w", "data": "d.csv", "horizon": 1, "precision": "float32"}),
    (["forecast", "w", "--data", "d.csv", "--horizon", "3"],
     {"name": "w", "data": "d.csv", "horizon": 3, "precision": "float32"}),
    (["demo"], {}),
    (["finetune", "m", "--data", "d.csv", "--out", "o"],
     {"name": "m", "data": "d.csv", "text_column": None, "label_column": None, "epochs": 3, "batch_size": 32,
      "calibration_data": None, "out": "o", "overwrite": False}),
    (["finetune", "m", "--data", "d.csv", "--out", "o", "--text-column", "t", "--label-column", "l", "--epochs", "2",
      "--batch-size", "4", "--calibration-data", "c.csv", "--overwrite"],
     {"name": "m", "data": "d.csv", "text_column": "t", "label_column": "l", "epochs": 2, "batch_size": 4,
      "calibration_data": "c.csv", "out": "o", "overwrite": True}),
    (["train", "n"], {"name": "n", "out": None, "epochs": None, "seed": 0, "workers": None, "worker_index": None,
                      "peer_timeout": 300.0, "override": None, "worker_stage_file": None}),
    (["train", "n", "--out", "o", "--epochs", "2", "--seed", "5", "--workers", "a:1,b:2", "--worker-index", "1",
      "--peer-timeout", "9.5", "--override", "x=1", "--override", "y=2", "--worker-stage-file", "s"],
     {"name": "n", "out": "o", "epochs": 2, "seed": 5, "workers": "a:1,b:2", "worker_index": 1, "peer_timeout": 9.5,
      "override": ["x=1", "y=2"], "worker_stage_file": "s"}),
])
def test_arguments_and_defaults_reach_the_namespace(argv, expected):
    parsed = _parse(*argv)
    assert parsed.pop("command") == argv[0]
    assert parsed.pop("func") is getattr(cli, COMMANDS[argv[0]][1])
    assert parsed == expected
    assert [type(parsed[k]) for k in expected] == [type(v) for v in expected.values()]


@pytest.mark.parametrize("argv, flag, lowest, parsed, refused", [
    (["predict", "m", "t"], "-k", "1", 1, ["0"]),
    (["generate", "m"], "--length", "0", 0, ["-1"]),
    (["generate", "m"], "--temperature", "0", 0.0, ["-0.5"]),
    (["generate", "m"], "--top-k", "1", 1, ["0"]),
    (["generate", "m"], "--top-p", "0.5", 0.5, ["0", "-0.5", "1.5"]),
    (["generate", "m"], "--top-p", "1", 1.0, ["0"]),
    (["generate", "m"], "--seed", "0", 0, ["-1"]),
    (["forecast", "w", "--data", "d"], "--horizon", "1", 1, ["0"]),
    (["finetune", "m", "--data", "d", "--out", "o"], "--epochs", "1", 1, ["0"]),
    (["finetune", "m", "--data", "d", "--out", "o"], "--batch-size", "1", 1, ["0"]),
    (["train", "n"], "--epochs", "1", 1, ["0"]),
    (["train", "n"], "--seed", "0", 0, ["-1"]),
    (["train", "n"], "--worker-index", "0", 0, ["-1"]),
    (["train", "n"], "--peer-timeout", "0.5", 0.5, ["0", "-1", "604801"]),
    (["train", "n"], "--peer-timeout", "604800", 604800.0, ["inf"]),
])
def test_typed_flags_accept_their_range_and_refuse_outside(argv, flag, lowest, parsed, refused, capsys):
    dest = flag.lstrip("-").replace("-", "_")
    got = _parse(*argv, flag, lowest)[dest]
    assert (got, type(got)) == (parsed, type(parsed))
    for value in refused:
        with pytest.raises(SystemExit) as exit_info:
            _parse(*argv, f"{flag}={value}")
        assert exit_info.value.code == 2
        assert f"error: argument {flag}: " in capsys.readouterr().err


@pytest.mark.parametrize("argv, message", [
    (["predict", "m", "t", "-k", "0"], "seqzoo predict: error: argument -k: must be >= 1; got 0."),
    (["generate", "m", "--top-p", "0"], "seqzoo generate: error: argument --top-p: must be greater than 0.0; got 0.0."),
    (["train", "n", "--peer-timeout", "604801"],
     "seqzoo train: error: argument --peer-timeout: must be from 0.0 to 604800; got 604801.0."),
    (["predict", "m", "t", "--precision", "float16"],
     "seqzoo predict: error: argument --precision: invalid choice: 'float16' (choose from 'float32', 'bfloat16')"),
    (["forecast", "w"], "seqzoo forecast: error: the following arguments are required: --data"),
    (["finetune", "m", "--data", "d"], "seqzoo finetune: error: the following arguments are required: --out"),
    (["finetune", "m", "--out", "o"], "seqzoo finetune: error: the following arguments are required: --data"),
    (["predict", "m"], "seqzoo predict: error: the following arguments are required: texts"),
])
def test_bad_flags_exit_2_with_this_last_line(argv, message, capsys):
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    assert capsys.readouterr().err.splitlines()[-1] == message


def test_quiet_tensorflow_sets_defaults_but_keeps_the_users_values(monkeypatch):
    monkeypatch.delenv("TF_CPP_MIN_LOG_LEVEL", raising=False)
    monkeypatch.delenv("KERAS_BACKEND", raising=False)
    cli._quiet_tensorflow()
    assert (os.environ["TF_CPP_MIN_LOG_LEVEL"], os.environ["KERAS_BACKEND"]) == ("3", "tensorflow")
    monkeypatch.setenv("TF_CPP_MIN_LOG_LEVEL", "1")
    monkeypatch.setenv("KERAS_BACKEND", "jax")
    cli._quiet_tensorflow()
    assert (os.environ["TF_CPP_MIN_LOG_LEVEL"], os.environ["KERAS_BACKEND"]) == ("1", "jax")


# --- list and info -------------------------------------------------------------------------------


def test_list_prints_one_aligned_line_per_model_with_its_headline(monkeypatch, calls, capsys):
    cards = {
        "tiny-lstm": ModelCard("tiny-lstm", "char_lm", "lstm", 1234567, {"test_nll": {"value": 1.234567}},
                               headline_metric="test_nll"),
        "bare-gru": ModelCard("bare-gru", "forecasting", "gru", 42),
    }
    monkeypatch.setattr(seqzoo, "list_models", calls.method("list_models", list(cards)))
    monkeypatch.setattr(seqzoo, "info", lambda name: calls.append(("info", (name,), {})) or cards[name])
    code, out, err = _run(capsys, "list", "*t*", "--task", "char_lm")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "tiny-lstm                char_lm              lstm        1,234,567  test_nll=1.235",
        "bare-gru                 forecasting          gru                42  ",
    ]
    assert calls == [("list_models", ("*t*",), {"task": "char_lm"}), ("info", ("tiny-lstm",), {}),
                     ("info", ("bare-gru",), {})]


def test_list_without_arguments_asks_for_every_model(monkeypatch, calls, capsys):
    monkeypatch.setattr(seqzoo, "list_models", calls.method("list_models", []))
    assert _run(capsys, "list") == (0, "", "")
    assert calls == [("list_models", (None,), {"task": None})]


def test_info_prints_the_card_of_the_named_model(monkeypatch, calls, capsys):
    monkeypatch.setattr(seqzoo, "info", calls.method("info", "THE CARD\nsecond line"))
    assert _run(capsys, "info", "names-lstm") == (0, "THE CARD\nsecond line\n", "")
    assert calls == [("info", ("names-lstm",), {})]


def test_info_of_the_real_preset_prints_its_card(capsys):
    assert _run(capsys, "info", "names-lstm") == (0, f"{seqzoo.info('names-lstm')}\n", "")


# --- predict -------------------------------------------------------------------------------------


def test_predict_char_lm_prints_each_texts_answers_with_three_decimals(zoo, calls, capsys):
    zoo["lm"] = _char_lm(calls)
    code, out, err = _run(capsys, "predict", "lm", "Joh", "Ma", "-k", "2", "--precision", "bfloat16")
    assert (code, err) == (0, "")
    assert out == "'Joh' -> 'n' 0.500, 'a' 0.250\n'Ma' -> 'n' 0.500, 'a' 0.250\n"
    assert calls == [("load", ("lm",), {"inference_precision": "bfloat16"}),
                     ("predict_next", ("Joh",), {"k": 2}), ("predict_next", ("Ma",), {"k": 2})]


def test_predict_classifier_prints_label_probability_and_text_tab_separated(zoo, calls, capsys):
    zoo["clf"] = _classifier(calls)
    assert _run(capsys, "predict", "clf", "Great film") == (0, "positive\t0.988\tGreat film\n", "")
    assert calls == [("load", ("clf",), {"inference_precision": "float32"}), ("classify", (["Great film"],), {})]


def test_predict_refuses_a_forecaster(zoo, calls, capsys):
    zoo["wx"] = types.SimpleNamespace(task_name="forecasting")
    assert _run(capsys, "predict", "wx", "x") == (
        2, "", "seqzoo: error: `predict` does not apply to 'wx'; use `seqzoo forecast`.\n")


# --- generate ------------------------------------------------------------------------------------


def _streaming_lm(calls, stdout, pieces=("ab", "cd"), on_piece=None):
    """A char LM whose `stream` records its call and, at each piece, what stdout had flushed."""
    def stream(prompt, **kwargs):
        calls.append(("stream", (prompt,), kwargs))

        def generate():
            for i, piece in enumerate(pieces):
                calls.append(("flushed", (stdout.flushed,), {}))
                if on_piece:
                    on_piece(i)
                yield piece
            calls.append(("flushed", (stdout.flushed,), {}))
        return generate()
    return types.SimpleNamespace(task_name="char_lm", stream=stream)


def test_generate_passes_every_sampling_flag_to_stream(zoo, calls, monkeypatch):
    monkeypatch.setattr(sys, "stdout", Stdout())
    zoo["lm"] = _streaming_lm(calls, sys.stdout)
    assert cli.main(["generate", "lm", "--prompt", "Ma", "--length", "12", "--temperature", "0.7", "--top-k", "3",
                     "--top-p", "0.9", "--seed", "11", "--precision", "bfloat16"]) == 0
    assert calls.named("load") == [(("lm",), {"inference_precision": "bfloat16"})]
    assert calls.named("stream") == [(("Ma",), {"max_length": 12, "temperature": 0.7, "top_k": 3, "top_p": 0.9,
                                                "seed": 11, "chunk_size": 8})]


def test_generate_streams_the_prompt_then_each_piece_flushed_then_a_newline(zoo, calls, monkeypatch):
    stdout = Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    zoo["lm"] = _streaming_lm(calls, stdout)
    assert cli.main(["generate", "lm", "--prompt", "Ma"]) == 0
    assert stdout.getvalue() == "Maabcd\n"
    assert [args[0] for args, _ in calls.named("flushed")] == ["Ma", "Maab", "Maabcd"]
    assert calls.named("stream") == [(("Ma",), {"max_length": 200, "temperature": 1.0, "top_k": None,
                                                "top_p": None, "seed": None, "chunk_size": 8})]
    assert calls.named("load") == [(("lm",), {"inference_precision": "float32"})]


def test_generate_stops_after_the_written_chunk_when_interrupted(zoo, calls, monkeypatch):
    stdout = Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    stop = types.SimpleNamespace(flag=False)
    stop.is_set = lambda: stop.flag

    class Exited(Exception):
        pass

    def exit_now(*args, **kwargs):
        calls.append(("exit_now", args, kwargs))
        raise Exited

    def interrupt_at(i):
        stop.flag = i == 0

    monkeypatch.setattr(cli, "_stop_on_interrupt", lambda: _Yielding(stop))
    monkeypatch.setattr(cli, "_exit_now", exit_now)
    zoo["lm"] = _streaming_lm(calls, stdout, on_piece=interrupt_at)
    with pytest.raises(Exited):
        cli.main(["generate", "lm", "--prompt", "Ma"])
    assert stdout.getvalue() == "Maab"
    assert calls.named("exit_now") == [((130,), {})]


class _Yielding:
    """A context manager that hands out `value` (stands in for `_stop_on_interrupt`)."""

    def __init__(self, value):
        self.value = value

    def __enter__(self):
        return self.value

    def __exit__(self, *exc):
        return False


def test_generate_refuses_a_model_that_is_not_a_char_lm(zoo, calls, capsys):
    zoo["clf"] = _classifier(calls)
    assert _run(capsys, "generate", "clf") == (
        2, "", "seqzoo: error: 'clf' is a text_classification model; generation needs a char_lm.\n")


# --- _exit_now -----------------------------------------------------------------------------------


@pytest.fixture()
def exits(monkeypatch, calls):
    monkeypatch.setattr(os, "_exit", calls.method("os._exit"))
    return calls


def test_exit_now_prints_and_flushes_a_newline_then_exits_with_the_code(exits, monkeypatch):
    stdout, stderr = Stdout(), Stdout()
    monkeypatch.setattr(sys, "stdout", stdout)
    monkeypatch.setattr(sys, "stderr", stderr)
    stderr.write("partial")
    cli._exit_now(130)
    assert (stdout.getvalue(), stdout.flushed, stderr.flushed) == ("\n", "\n", "partial")
    assert exits == [("os._exit", (130,), {})]


def test_exit_now_from_another_thread_writes_the_newline_straight_to_the_descriptor(exits, monkeypatch):
    read_end, write_end = os.pipe()
    stdout = Stdout()
    stdout.fileno = lambda: write_end
    monkeypatch.setattr(sys, "stdout", stdout)
    try:
        cli._exit_now(7, flush=False)
    finally:
        os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        assert pipe.read() == b"\n"
    assert (stdout.getvalue(), stdout.flushed) == ("", "")
    assert exits == [("os._exit", (7,), {})]


def test_exit_now_still_exits_when_stdout_is_unusable(exits, monkeypatch):
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(fileno=_raiser(ValueError("closed"))))
    cli._exit_now(130, flush=False)
    assert exits == [("os._exit", (130,), {})]


# --- forecast ------------------------------------------------------------------------------------


def _forecaster(calls, *warned):
    def forecast(history, **kwargs):
        calls.append(("forecast", (history,), kwargs))
        for message, category in warned:
            warnings.warn_explicit(message, category, "fake_forecaster.py", 42)
        return [{"date": "2015-01-02", "temp_max": 8.123}, {"date": "2015-01-03", "temp_max": 10.0}]
    return types.SimpleNamespace(task_name="forecasting", forecast=forecast,
                                 read_csv=calls.method("read_csv", {"history": "rows"}))


TABLE = "date        temp_max\n2015-01-02      8.12\n2015-01-03     10.00\n"


def test_forecast_reads_the_csv_and_prints_the_table(zoo, calls, capsys):
    zoo["wx"] = _forecaster(calls)
    assert _run(capsys, "forecast", "wx", "--data", "past.csv", "--horizon", "2", "--precision", "bfloat16") == (
        0, TABLE, "")
    assert calls == [("load", ("wx",), {"inference_precision": "bfloat16"}), ("read_csv", ("past.csv",), {}),
                     ("forecast", ({"history": "rows"},), {"horizon": 2})]


def test_forecast_always_reports_seqzoo_warnings_on_stderr(zoo, calls, capsys, monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", calls.method("showwarning"))
    zoo["wx"] = _forecaster(calls, ("history above the training range", SeqzooWarning), ("plain", UserWarning))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the user's filter; seqzoo's own warnings still show
        assert _run(capsys, "forecast", "wx", "--data", "past.csv") == (
            0, TABLE, "seqzoo: warning: history above the training range\n")
    assert calls.named("showwarning") == []


def test_forecast_hands_other_warnings_to_showwarning(zoo, calls, capsys, monkeypatch):
    monkeypatch.setattr(warnings, "showwarning", calls.method("showwarning"))
    zoo["wx"] = _forecaster(calls, ("plain", UserWarning))
    with warnings.catch_warnings():
        warnings.simplefilter("always")
        assert _run(capsys, "forecast", "wx", "--data", "past.csv") == (0, TABLE, "")
    [(args, kwargs)] = calls.named("showwarning")
    assert (str(args[0]), *args[1:], kwargs) == ("plain", UserWarning, "fake_forecaster.py", 42, {})


def test_forecast_refuses_a_model_that_is_not_a_forecaster(zoo, calls, capsys):
    zoo["lm"] = _char_lm(calls)
    assert _run(capsys, "forecast", "lm", "--data", "past.csv") == (
        2, "", "seqzoo: error: 'lm' is a char_lm model; `forecast` needs a forecaster.\n")


# --- demo ----------------------------------------------------------------------------------------


def _demo_zoo(zoo, calls):
    zoo["lm"] = _char_lm(calls, card=ModelCard("lm", "char_lm", "lstm"), generate=calls.method("generate", "John"))
    zoo["lm2"] = _char_lm(calls, card=ModelCard("lm2", "char_lm", "gru", extra={"demo_prompt": "Ma",
                                                                                   "demo_length": 7}),
                          generate=calls.method("generate", "Mary"))
    zoo["clf"] = _classifier(calls)
    zoo["clf"].card = ModelCard("clf", "text_classification", "simple_rnn")
    zoo["clf"].classify = calls.method("classify", [("positive", 0.987), ("negative", 0.912)])
    zoo["wx"] = types.SimpleNamespace(card=ModelCard("wx", "forecasting", "gru"), demo=calls.method("demo", "TABLE"))
    zoo["odd"] = types.SimpleNamespace(card=ModelCard("odd", "other_task", "lstm"))
    return list(zoo)


def test_demo_prints_a_block_per_model(zoo, calls, capsys, monkeypatch):
    monkeypatch.setattr(seqzoo, "list_models", _demo_zoo(zoo, calls).copy)
    code, out, err = _run(capsys, "demo")
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        "== lm (char_lm, lstm) ==",
        "  next after 'Joh': 'n' 0.50, 'a' 0.25",
        "  generated: 'John'",
        "== lm2 (char_lm, gru) ==",
        "  next after 'Ma': 'n' 0.50, 'a' 0.25",
        "  generated: 'Mary'",
        "== clf (text_classification, simple_rnn) ==",
        "  positive 0.99  This movie is absolutely fantastic!",
        "  negative 0.91  A dull, lifeless mess.",
        "== wx (forecasting, gru) ==",
        "TABLE",
        "== odd (other_task, lstm) ==",
    ]
    assert calls == [
        ("load", ("lm",), {}), ("predict_next", ("Joh",), {"k": 3}),
        ("generate", ("Joh",), {"max_length": 20, "temperature": 0.8, "seed": 0}),
        ("load", ("lm2",), {}), ("predict_next", ("Ma",), {"k": 3}),
        ("generate", ("Ma",), {"max_length": 7, "temperature": 0.8, "seed": 0}),
        ("load", ("clf",), {}), ("classify", (["This movie is absolutely fantastic!", "A dull, lifeless mess."],), {}),
        ("load", ("wx",), {}), ("demo", (), {}), ("load", ("odd",), {}),
    ]


def test_demo_of_an_empty_zoo_is_an_error(monkeypatch, capsys):
    monkeypatch.setattr(seqzoo, "list_models", list)
    assert _run(capsys, "demo") == (2, "", "seqzoo: error: The zoo is empty: no presets were found.\n")


# --- finetune ------------------------------------------------------------------------------------


@pytest.fixture()
def csv_files(monkeypatch, calls):
    """`datasets.from_csv` answers from this dict path -> split; `check_save_target` is recorded."""
    splits = {}

    def from_csv(path, **kwargs):
        calls.append(("from_csv", (path,), kwargs))
        return splits[path]

    monkeypatch.setattr(seqzoo.datasets, "from_csv", from_csv)
    monkeypatch.setattr(seqzoo.presets, "check_save_target", calls.method("check_save_target"))
    return splits


def _split(x, y=None, label_names=None):
    return types.SimpleNamespace(x=x, y=None if y is None else np.array(y),
                                 meta={"label_names": label_names} if label_names else {})


def _finetune(capsys, name, *extra):
    return _run(capsys, "finetune", name, "--data", "train.csv", "--text-column", "review", "--epochs", "2",
                "--batch-size", "4", "--out", "tuned", *extra)


def test_finetune_char_lm_checks_the_target_first_then_fits_and_saves(zoo, calls, csv_files, capsys):
    zoo["lm"] = _char_lm(calls, fit=calls.method("fit"), save_preset=calls.method("save_preset"))
    csv_files["train.csv"] = _split(["John", "Mary"])
    assert _finetune(capsys, "lm") == (0, "saved tuned; load it with seqzoo.load('tuned')\n", "")
    assert calls == [
        ("check_save_target", ("tuned",), {"overwrite": False}), ("load", ("lm",), {}),
        ("from_csv", ("train.csv",), {"text_column": "review", "label_column": None}),
        ("fit", (["John", "Mary"],), {"epochs": 2, "batch_size": 4}),
        ("save_preset", ("tuned",), {"overwrite": False}),
    ]


def test_finetune_overwrite_reaches_the_check_and_the_save(zoo, calls, csv_files, capsys):
    zoo["lm"] = _char_lm(calls, fit=calls.method("fit"), save_preset=calls.method("save_preset"))
    csv_files["train.csv"] = _split(["John"])
    assert _finetune(capsys, "lm", "--overwrite")[0] == 0
    assert calls.named("check_save_target") == [(("tuned",), {"overwrite": True})]
    assert calls.named("save_preset") == [(("tuned",), {"overwrite": True})]


def test_finetune_calibration_data_is_refused_for_a_char_lm(zoo, calls, csv_files, capsys):
    zoo["lm"] = _char_lm(calls, fit=calls.method("fit"))
    csv_files["train.csv"] = _split(["John"])
    assert _finetune(capsys, "lm", "--calibration-data", "held.csv") == (
        2, "", ("seqzoo: error: --calibration-data calibrates a text classifier's probabilities; "
               "'lm' is a char_lm model.\n"))
    assert calls.order() == ["check_save_target", "load", "from_csv"]


def test_finetune_classifier_needs_a_label_column(zoo, calls, csv_files, capsys):
    zoo["clf"] = _classifier(calls)
    csv_files["train.csv"] = _split(["good", "bad"])
    assert _finetune(capsys, "clf") == (2, "", "seqzoo: error: Fine-tuning a classifier needs --label-column.\n")
    assert "fit" not in calls.order()


def test_finetune_classifier_on_its_own_labels_keeps_the_head(zoo, calls, csv_files, capsys):
    zoo["clf"] = _classifier(calls)
    csv_files["train.csv"] = _split(["good", "bad", "fine"], [1, 0, 1], ["negative", "positive"])
    assert _finetune(capsys, "clf", "--label-column", "stars") == (
        0, "saved tuned; load it with seqzoo.load('tuned')\n", "")
    assert calls.named("from_csv") == [(("train.csv",), {"text_column": "review", "label_column": "stars"})]
    assert calls.named("fit") == [((["good", "bad", "fine"], ["positive", "negative", "positive"]),
                                   {"epochs": 2, "batch_size": 4})]
    assert calls.order()[-2:] == ["fit", "save_preset"]


def test_finetune_classifier_on_new_integer_labels_replaces_the_head_sorted_numerically(zoo, calls, csv_files,
                                                                                         capsys):
    zoo["clf"] = _classifier(calls)
    new_head = _classifier(calls, labels=["7", "10"], prefix="new.")
    zoo["clf"].with_new_head = lambda **kwargs: calls.append(("with_new_head", (), kwargs)) or new_head
    csv_files["train.csv"] = _split(["a", "b", "c"], [10, 7, 10])
    assert _finetune(capsys, "clf", "--label-column", "stars") == (0, (
        "new labels ['7', '10']: replacing the head (tokenizer and backbone stay pretrained)\n"
        "saved tuned; load it with seqzoo.load('tuned')\n"), "")
    assert calls.order()[-3:] == ["with_new_head", "new.fit", "new.save_preset"]
    assert calls.named("with_new_head") == [((), {"labels": ["7", "10"]})]
    assert calls.named("new.fit") == [((["a", "b", "c"], ["10", "7", "10"]), {"epochs": 2, "batch_size": 4})]


def test_finetune_with_calibration_data_calibrates_after_fitting(zoo, calls, csv_files, capsys):
    zoo["clf"] = _classifier(calls)
    csv_files["train.csv"] = _split(["good", "bad"], [1, 0], ["negative", "positive"])
    csv_files["held.csv"] = _split(["fine", "dull", "great"], [1, 0, 1], ["negative", "positive"])
    assert _finetune(capsys, "clf", "--label-column", "stars", "--calibration-data", "held.csv") == (0, (
        "calibrated on 3 held-out texts: temperature 1.235\n"
        "saved tuned; load it with seqzoo.load('tuned')\n"), "")
    assert calls.named("from_csv")[1] == (("held.csv",), {"text_column": "review", "label_column": "stars"})
    assert calls.named("calibrate") == [((["fine", "dull", "great"], ["positive", "negative", "positive"]), {})]
    assert calls.order() == ["check_save_target", "load", "from_csv", "from_csv", "fit", "calibrate", "save_preset"]


def test_finetune_calibration_data_without_labels_is_refused_before_training(zoo, calls, csv_files, capsys):
    zoo["clf"] = _classifier(calls)
    csv_files["train.csv"] = _split(["good", "bad"], [1, 0], ["negative", "positive"])
    csv_files["held.csv"] = _split(["fine"])
    assert _finetune(capsys, "clf", "--label-column", "stars", "--calibration-data", "held.csv") == (
        2, "", "seqzoo: error: held.csv: calibration needs the label column too.\n")
    assert "fit" not in calls.order()


def test_finetune_calibration_labels_unknown_to_the_model_are_refused_naming_five(zoo, calls, csv_files, capsys):
    zoo["clf"] = _classifier(calls)
    csv_files["train.csv"] = _split(["good", "bad"], [1, 0], ["negative", "positive"])
    names = ["f", "e", "d", "negative", "c", "b", "a"]
    csv_files["held.csv"] = _split(list("xxxxxxx"), list(range(7)), names)
    assert _finetune(capsys, "clf", "--label-column", "stars", "--calibration-data", "held.csv") == (
        2, "", ("seqzoo: error: held.csv: the labels ['a', 'b', 'c', 'd', 'e'] are not among the model's labels "
               "['negative', 'positive']; calibration data must use the same labels.\n"))
    assert "fit" not in calls.order()


def test_finetune_refuses_a_forecaster(zoo, calls, csv_files, capsys):
    zoo["wx"] = types.SimpleNamespace(task_name="forecasting")
    csv_files["train.csv"] = _split(["1"])
    assert _finetune(capsys, "wx") == (2, "", "seqzoo: error: `finetune` takes text; for 'wx' use the Python API.\n")


def test_row_labels_use_the_label_names_else_the_integers():
    assert cli._row_labels(_split(["a", "b"], [1, 0], ["neg", "pos"])) == ["pos", "neg"]
    assert cli._row_labels(_split(["a", "b"], np.array([3.0, -1.0]))) == ["3", "-1"]


def test_label_names_sort_integers_numerically_and_words_alphabetically():
    assert cli._label_names(["10", "7", "-1", "7"]) == ["-1", "7", "10"]
    assert cli._label_names(["pos", "neg", "pos", "10"]) == ["10", "neg", "pos"]


# --- train ---------------------------------------------------------------------------------------


@pytest.fixture()
def trainer(monkeypatch, calls):
    """Fake training entry points; `trainer.cluster` and `trainer.result` set what they answer."""
    import seqzoo.training
    import seqzoo.training.supervise

    state = types.SimpleNamespace(cluster=None, result=types.SimpleNamespace(
        out=Path("trained") / "names-lstm", cluster=None, weights_sha256="abc123",
        comparison=lambda: "metric  shipped  new"))
    monkeypatch.setattr(seqzoo.training, "resolve_cluster",
                        lambda *args, **kwargs: calls.append(("resolve_cluster", args, kwargs)) or state.cluster)
    monkeypatch.setattr(seqzoo.training, "train",
                        lambda *args, **kwargs: calls.append(("train", args, kwargs)) or state.result)
    monkeypatch.setattr(seqzoo.training.supervise, "run_supervised", calls.method("run_supervised", 7))
    monkeypatch.setattr(seqzoo.training.supervise, "mark_connected", calls.method("mark_connected"))
    return state


def _train_call(calls):
    [(args, kwargs)] = calls.named("train")
    kwargs = dict(kwargs)
    kwargs.pop("on_connected")()
    return args, kwargs


def test_train_on_one_machine_passes_every_flag_and_prints_the_result(trainer, calls, capsys):
    code, out, err = _run(capsys, "train", "names-lstm", "--out", "o", "--epochs", "2", "--seed", "5",
                          "--peer-timeout", "9.5")
    assert (code, err) == (0, "")
    assert out == ("wrote trained/names-lstm; load it with seqzoo.load('trained/names-lstm')\n"
                   "metric  shipped  new\nweights sha256: abc123\n")
    assert calls.named("resolve_cluster") == [((None, None), {})]
    assert _train_call(calls) == (("names-lstm",), {
        "out": "o", "epochs": 2, "seed": 5, "workers": None, "worker_index": None, "overrides": None,
        "peer_timeout_s": 9.5, "check_peers": True})
    assert calls.named("mark_connected") == [((None,), {})]
    assert "run_supervised" not in calls.order()


def test_train_overrides_are_json_values_or_plain_strings(trainer, calls, capsys):
    assert _run(capsys, "train", "n", "--override", "hidden_size=8", "--override", "dropout=0.5", "--override",
                "cell=gru", "--override", "tag=a=b", "--override", "flags=[true, null]")[0] == 0
    assert _train_call(calls)[1]["overrides"] == {"hidden_size": 8, "dropout": 0.5, "cell": "gru", "tag": "a=b",
                                                  "flags": [True, None]}


@pytest.mark.parametrize("item", ["hidden_size", "=8", "="])
def test_train_override_without_key_and_value_is_an_error(item, trainer, calls, capsys):
    assert _run(capsys, "train", "n", "--override", item) == (
        2, "", f"seqzoo: error: --override {item!r}: write KEY=VALUE, such as hidden_size=8.\n")
    assert "train" not in calls.order()


def test_train_worker_that_is_not_the_chief_says_so(trainer, calls, capsys):
    trainer.result.out, trainer.result.cluster = None, types.SimpleNamespace(index=1)
    assert _run(capsys, "train", "n") == (
        0, "worker 1: done (worker 0 writes the preset)\nweights sha256: abc123\n", "")


def test_train_one_worker_of_several_runs_supervised_with_its_own_argv(trainer, calls, capsys):
    trainer.cluster = cluster = types.SimpleNamespace(index=0)
    code = cli.main(["train", "n", "--workers", "a:1,b:2", "--worker-index", "0", "--peer-timeout", "20",
                     "--override", "x=1"])
    assert code == 7
    assert calls.named("resolve_cluster") == [(("a:1,b:2", 0), {})]
    assert calls.named("run_supervised") == [(([
        "train", "n", "--seed", "0", "--peer-timeout", "20.0", "--workers", "a:1,b:2", "--worker-index", "0",
        "--override", "x=1"], cluster), {"peer_timeout_s": 20.0})]
    assert "train" not in calls.order()


def test_train_supervised_child_trains_without_checking_peers_and_marks_its_stage_file(trainer, calls, capsys):
    trainer.cluster = types.SimpleNamespace(index=1)
    trainer.result.out, trainer.result.cluster = None, trainer.cluster
    assert cli.main(["train", "n", "--workers", "a:1,b:2", "--worker-index", "1", "--worker-stage-file", "s"]) == 0
    args, kwargs = _train_call(calls)
    assert (args, kwargs["check_peers"], kwargs["workers"], kwargs["worker_index"]) == (("n",), False, "a:1,b:2", 1)
    assert calls.named("mark_connected") == [(("s",), {})]
    assert "run_supervised" not in calls.order()


@pytest.mark.parametrize("argv, expected", [
    (["train", "n"], ["train", "n", "--seed", "0", "--peer-timeout", "300.0"]),
    (["train", "n", "--out", "o", "--epochs", "2", "--seed", "3", "--workers", "h:1,h:2", "--worker-index", "1",
      "--peer-timeout", "12.5", "--override", "a=1", "--override", "b=x", "--worker-stage-file", "s"],
     ["train", "n", "--seed", "3", "--peer-timeout", "12.5", "--out", "o", "--epochs", "2", "--workers", "h:1,h:2",
      "--worker-index", "1", "--override", "a=1", "--override", "b=x"]),
    (["train", "n", "--worker-index", "0", "--peer-timeout", "1e-05"],
     ["train", "n", "--seed", "0", "--peer-timeout", "1e-05", "--worker-index", "0"]),
])
def test_train_argv_rebuilds_the_command_line(argv, expected):
    assert cli._train_argv(cli.build_parser().parse_args(argv)) == expected


# --- main: errors and exit codes -----------------------------------------------------------------


def test_seqzoo_errors_print_one_line_on_stderr_and_exit_2(monkeypatch, capsys):
    monkeypatch.setattr(seqzoo, "info", _raiser(SeqzooError("no such model 'x'.")))
    assert _run(capsys, "info", "x") == (2, "", "seqzoo: error: no such model 'x'.\n")


def test_other_errors_are_not_swallowed(monkeypatch):
    monkeypatch.setattr(seqzoo, "info", _raiser(RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        cli.main(["info", "x"])


def test_ctrl_c_exits_130(monkeypatch, capsys):
    monkeypatch.setattr(seqzoo, "info", _raiser(KeyboardInterrupt()))
    assert _run(capsys, "info", "x") == (130, "", "")


def test_closed_pipe_exits_141_and_sends_later_output_to_devnull(monkeypatch, tmp_path):
    monkeypatch.setattr(seqzoo, "info", _raiser(BrokenPipeError()))
    with open(tmp_path / "out.txt", "w") as stdout:
        monkeypatch.setattr(sys, "stdout", stdout)
        assert cli.main(["info", "x"]) == 141
        os.write(stdout.fileno(), b"after the reader left")
    assert (tmp_path / "out.txt").read_text() == ""


@pytest.mark.parametrize("error", [OSError("no descriptor"), ValueError("I/O operation on closed file")])
def test_closed_pipe_still_exits_141_when_stdout_has_no_descriptor(error, monkeypatch):
    monkeypatch.setattr(sys, "stdout", types.SimpleNamespace(fileno=_raiser(error)))
    assert cli._closed_pipe() == 141


# --- the fakes above answer the calls the real objects take --------------------------------------


def test_the_real_api_accepts_the_calls_the_cli_makes():
    import seqzoo.datasets
    import seqzoo.presets
    import seqzoo.training
    import seqzoo.training.supervise

    def accepts(function, *args, **kwargs):
        inspect.signature(function).bind(*args, **kwargs)

    accepts(seqzoo.load, "m", inference_precision="float32")
    accepts(seqzoo.list_models, None, task=None)
    accepts(seqzoo.CharLM.predict_next, None, "Joh", k=5)
    accepts(seqzoo.CharLM.stream, None, "Ma", max_length=1, temperature=1.0, top_k=None, top_p=None, seed=None,
            chunk_size=cli.GENERATE_CHUNK)
    accepts(seqzoo.CharLM.generate, None, "Ma", max_length=20, temperature=0.8, seed=0)
    accepts(seqzoo.CharLM.fit, None, ["x"], epochs=1, batch_size=1)
    accepts(seqzoo.TextClassifier.classify, None, ["x"])
    accepts(seqzoo.TextClassifier.with_new_head, None, labels=["a"])
    accepts(seqzoo.TextClassifier.fit, None, ["x"], ["a"], epochs=1, batch_size=1)
    accepts(seqzoo.TextClassifier.calibrate, None, ["x"], ["a"])
    accepts(seqzoo.TextClassifier.save_preset, None, "o", overwrite=False)
    accepts(seqzoo.Forecaster.read_csv, None, "d.csv")
    accepts(seqzoo.Forecaster.forecast, None, {}, horizon=1)
    accepts(seqzoo.Forecaster.demo, None)
    accepts(seqzoo.datasets.from_csv, "d.csv", text_column=None, label_column=None)
    accepts(seqzoo.presets.check_save_target, "o", overwrite=False)
    accepts(seqzoo.training.resolve_cluster, None, None)
    accepts(seqzoo.training.train, "n", out=None, epochs=None, seed=0, workers=None, worker_index=None,
            overrides=None, peer_timeout_s=1.0, check_peers=True, on_connected=None)
    accepts(seqzoo.training.supervise.run_supervised, [], None, peer_timeout_s=1.0)
    accepts(seqzoo.training.supervise.mark_connected, None)
