"""The `seqzoo` command line: list, info, predict, generate, forecast, demo, train and data."""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import warnings

from seqzoo.errors import SeqzooError, SeqzooWarning

MAX_PEER_TIMEOUT_S = 7 * 24 * 3600
DEMO_PROMPTS = {
    "char_lm": "Joh",
    "text_classification": ["This movie is absolutely fantastic!", "A dull, lifeless mess."],
}


def _quiet_tensorflow() -> None:
    # Set before TensorFlow is imported: a CLI user wants results, not C++ logs.
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")


def cmd_list(args) -> int:
    import seqzoo

    for name in seqzoo.list_models(args.pattern, task=args.task):
        card = seqzoo.info(name)
        headline = card.headline
        figure = f"{card.headline_metric}={headline['value']:.4g}" if headline else ""
        print(f"{name:24s} {card.task:20s} {card.architecture:10s} {card.num_params:>10,d}  {figure}")
    return 0


def cmd_info(args) -> int:
    import seqzoo

    print(seqzoo.info(args.name))
    return 0


def cmd_predict(args) -> int:
    import seqzoo

    model = seqzoo.load(args.name, inference_precision=args.precision)
    for text in args.texts:
        if model.task_name == "char_lm":
            answers = ", ".join(f"{c!r} {p:.3f}" for c, p in model.predict_next(text, k=args.k))
            print(f"{text!r} -> {answers}")
        elif model.task_name == "text_classification":
            label, probability = model.classify([text])[0]
            print(f"{label}\t{probability:.3f}\t{text}")
        else:
            raise SeqzooError(f"`predict` does not apply to {args.name!r}; use `seqzoo forecast`.")
    return 0


def cmd_generate(args) -> int:
    import seqzoo

    model = seqzoo.load(args.name, inference_precision=args.precision)
    if model.task_name != "char_lm":
        raise SeqzooError(f"{args.name!r} is a {model.task_name} model; generation needs a char_lm.")
    pieces = model.stream(args.prompt, max_length=args.length, temperature=args.temperature,
                          top_k=args.top_k, top_p=args.top_p, seed=args.seed, chunk_size=GENERATE_CHUNK)
    print(args.prompt, end="", flush=True)
    with _stop_on_interrupt() as stop:
        for piece in pieces:
            print(piece, end="", flush=True)
            if stop.is_set():  # Ctrl-C: the chunk just written stays, then stop.
                _exit_now(130)
    print()
    return 0


# Characters per compiled decoding call of `generate`: Ctrl-C stops at the end of one.
GENERATE_CHUNK = 8
INTERRUPT_GRACE_S = 1.0


def _exit_now(code: int, flush: bool = True) -> None:
    """End the process at once, after the output so far (TensorFlow's teardown takes seconds).

    From another thread `flush` is False: the main thread may hold stdout's lock mid-write,
    and what it flushed already stays.
    """
    with contextlib.suppress(Exception):
        if flush:
            print(flush=True)
            sys.stderr.flush()
        else:
            os.write(sys.stdout.fileno(), b"\n")
    os._exit(code)


@contextlib.contextmanager
def _stop_on_interrupt():
    """Turn Ctrl-C (SIGINT) into a flag the loop checks between compiled chunks.

    A chunk that takes longer than `INTERRUPT_GRACE_S` (the first call compiles) is not
    waited for: the output so far is flushed and the process ends with status 130. A
    second Ctrl-C ends it at once.
    """
    import signal
    import threading

    stop = threading.Event()

    def interrupted(signum, frame):
        if stop.is_set():
            _exit_now(130)
        stop.set()
        timer = threading.Timer(INTERRUPT_GRACE_S, _exit_now, args=(130, False))
        timer.daemon = True
        timer.start()

    if threading.current_thread() is not threading.main_thread():
        yield stop  # Signals reach only the main thread; nothing to install.
        return
    previous = signal.signal(signal.SIGINT, interrupted)
    try:
        yield stop
    finally:
        signal.signal(signal.SIGINT, previous)


def cmd_forecast(args) -> int:
    import seqzoo
    from seqzoo.models.history_table import format_table

    model = seqzoo.load(args.name, inference_precision=args.precision)
    if model.task_name != "forecasting":
        raise SeqzooError(f"{args.name!r} is a {model.task_name} model; `forecast` needs a forecaster.")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", SeqzooWarning)  # Out-of-range history: always say so.
        table = model.forecast(model.read_csv(args.data), horizon=args.horizon)
    for warning in caught:
        if issubclass(warning.category, SeqzooWarning):
            print(f"seqzoo: warning: {warning.message}", file=sys.stderr)
        else:
            warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
    print(format_table(table))
    return 0


def cmd_demo(args) -> int:
    import seqzoo

    names = seqzoo.list_models()
    if not names:
        raise SeqzooError("The zoo is empty: no presets were found.")
    for name in names:
        model = seqzoo.load(name)
        card = model.card
        print(f"== {name} ({card.task}, {card.architecture}) ==")
        prompt = card.extra.get("demo_prompt", DEMO_PROMPTS.get(card.task))
        if card.task == "char_lm":
            nexts = ", ".join(f"{c!r} {p:.2f}" for c, p in model.predict_next(prompt, k=3))
            print(f"  next after {prompt!r}: {nexts}")
            length = card.extra.get("demo_length", 20)
            print(f"  generated: {model.generate(prompt, max_length=length, temperature=0.8, seed=0)!r}")
        elif card.task == "text_classification":
            for text, (label, p) in zip(prompt, model.classify(prompt)):
                print(f"  {label} {p:.2f}  {text}")
        elif card.task == "forecasting":
            print(model.demo())
    return 0


def cmd_finetune(args) -> int:
    import seqzoo
    from seqzoo import datasets

    from seqzoo.presets import check_save_target

    check_save_target(args.out, overwrite=args.overwrite)  # Before training: a refusal costs nothing.
    model = seqzoo.load(args.name)
    data = datasets.from_csv(args.data, text_column=args.text_column, label_column=args.label_column)
    if args.calibration_data and model.task_name != "text_classification":
        raise SeqzooError("--calibration-data calibrates a text classifier's probabilities; "
                          f"{args.name!r} is a {model.task_name} model.")
    if model.task_name == "char_lm":
        model.fit(data.x, epochs=args.epochs, batch_size=args.batch_size)
    elif model.task_name == "text_classification":
        if data.y is None:
            raise SeqzooError("Fine-tuning a classifier needs --label-column.")
        labels = _row_labels(data)
        names = _label_names(labels)
        if not set(names) <= set(model.labels):
            print(f"new labels {names}: replacing the head (tokenizer and backbone stay pretrained)")
            model = model.with_new_head(labels=names)
        held_out = None
        if args.calibration_data:  # Checked in full before training starts.
            held_out = datasets.from_csv(args.calibration_data, text_column=args.text_column,
                                         label_column=args.label_column)
            if held_out.y is None:
                raise SeqzooError(f"{args.calibration_data}: calibration needs the label column too.")
            held_out_labels = _row_labels(held_out)
            unknown = sorted(set(held_out_labels) - set(model.labels))
            if unknown:
                raise SeqzooError(f"{args.calibration_data}: the labels {unknown[:5]} are not among the "
                                  f"model's labels {model.labels}; calibration data must use the same labels.")
        model.fit(data.x, labels, epochs=args.epochs, batch_size=args.batch_size)
        if held_out is not None:
            temperature = model.calibrate(held_out.x, held_out_labels)
            print(f"calibrated on {len(held_out.x)} held-out texts: temperature {temperature:.3f}")
    else:
        raise SeqzooError(f"`finetune` takes text; for {args.name!r} use the Python API.")
    model.save_preset(args.out, overwrite=args.overwrite)
    print(f"saved {args.out}; load it with seqzoo.load({str(args.out)!r})")
    return 0


def _row_labels(data) -> list[str]:
    """Each row's label as a string: the value found in the CSV column (integers written plainly)."""
    names = data.meta.get("label_names")
    return [names[int(i)] for i in data.y] if names else [str(int(v)) for v in data.y]


def _label_names(labels: list[str]) -> list[str]:
    """The distinct labels, sorted numerically when all are integers, else as strings.

    Only labels that occur are classes: -1 and 1 make two classes, 7 and 10 two, not 11.
    """
    distinct = set(labels)
    try:
        return sorted(distinct, key=int)
    except ValueError:
        return sorted(distinct)


def cmd_train(args) -> int:
    from seqzoo.training import resolve_cluster, train
    from seqzoo.training.supervise import mark_connected, run_supervised

    overrides = dict(_parse_override(item) for item in args.override or [])
    cluster = resolve_cluster(args.workers, args.worker_index)
    if cluster is not None and not args.worker_stage_file:
        # One worker of several: it runs as a child that this process can end (deadline, SIGTERM).
        return run_supervised(_train_argv(args), cluster, peer_timeout_s=args.peer_timeout)
    result = train(args.name, out=args.out, epochs=args.epochs, seed=args.seed, workers=args.workers,
                   worker_index=args.worker_index, overrides=overrides or None,
                   peer_timeout_s=args.peer_timeout, check_peers=not args.worker_stage_file,
                   on_connected=lambda: mark_connected(args.worker_stage_file))
    if result.out is None:
        print(f"worker {result.cluster.index}: done (worker 0 writes the preset)")
    else:
        print(f"wrote {result.out}; load it with seqzoo.load({str(result.out)!r})")
        print(result.comparison())
    print(f"weights sha256: {result.weights_sha256}")
    return 0


def _train_argv(args) -> list[str]:
    """The `seqzoo train` arguments that `args` came from (for the supervised worker)."""
    argv = ["train", args.name, "--seed", str(args.seed), "--peer-timeout", repr(args.peer_timeout)]
    for flag, value in (("--out", args.out), ("--epochs", args.epochs), ("--workers", args.workers),
                        ("--worker-index", args.worker_index)):
        if value is not None:
            argv += [flag, str(value)]
    for item in args.override or []:
        argv += ["--override", item]
    return argv


def _parse_override(item: str) -> tuple:
    import json

    key, sep, value = item.partition("=")
    if not sep or not key:
        raise SeqzooError(f"--override {item!r}: write KEY=VALUE, such as hidden_size=8.")
    try:
        return key, json.loads(value)
    except json.JSONDecodeError:
        return key, value


def _precision_option(parser) -> None:
    parser.add_argument("--precision", choices=["float32", "bfloat16"], default="float32",
                        help="matmul precision of the recurrent layers (bfloat16: faster on CPUs with "
                             "AVX512-BF16 or AMX, outputs change slightly)")


def build_parser() -> argparse.ArgumentParser:
    from seqzoo.validation import float_flag, int_flag

    parser = argparse.ArgumentParser(prog="seqzoo", description="A zoo of pretrained recurrent models.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("list", help="list the zoo's models")
    p.add_argument("pattern", nargs="?", help='shell wildcards, such as "*lstm*"')
    p.add_argument("--task", help="char_lm, text_classification or forecasting")
    p.set_defaults(func=cmd_list)

    p = sub.add_parser("info", help="show a model card")
    p.add_argument("name")
    p.set_defaults(func=cmd_info)

    p = sub.add_parser("predict", help="next characters (char LMs) or labels (classifiers)")
    p.add_argument("name")
    p.add_argument("texts", nargs="+")
    p.add_argument("-k", type=int_flag(minimum=1), default=5, help="answers per text (char LMs)")
    _precision_option(p)
    p.set_defaults(func=cmd_predict)

    p = sub.add_parser("generate", help="generate text with a char LM, streamed")
    p.add_argument("name")
    p.add_argument("--prompt", default="")
    p.add_argument("--length", type=int_flag(minimum=0), default=200)
    p.add_argument("--temperature", type=float_flag(minimum=0.0), default=1.0)
    p.add_argument("--top-k", type=int_flag(minimum=1))
    p.add_argument("--top-p", type=float_flag(minimum=0.0, maximum=1.0, exclusive_minimum=True))
    p.add_argument("--seed", type=int_flag(minimum=0))
    _precision_option(p)
    p.set_defaults(func=cmd_generate)

    p = sub.add_parser("forecast", help="forecast the next steps after a CSV of past rows")
    p.add_argument("name")
    p.add_argument("--data", required=True, help="CSV with a date column and the model's feature columns")
    p.add_argument("--horizon", type=int_flag(minimum=1), default=1, help="steps to forecast")
    _precision_option(p)
    p.set_defaults(func=cmd_forecast)

    p = sub.add_parser("demo", help="run every pretrained model on a short example")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("finetune", help="fine-tune a model on a CSV file and save a preset")
    p.add_argument("name")
    p.add_argument("--data", required=True, help="a CSV file")
    p.add_argument("--text-column", default=None)
    p.add_argument("--label-column", default=None)
    p.add_argument("--epochs", type=int_flag(minimum=1), default=3)
    p.add_argument("--batch-size", type=int_flag(minimum=1), default=32)
    p.add_argument("--calibration-data", default=None,
                   help="a CSV of held-out labelled texts (same columns): fit the classifier's temperature on it")
    p.add_argument("--out", required=True, help="the preset directory to write (refused if it holds anything "
                                                "but a seqzoo preset, unless --overwrite)")
    p.add_argument("--overwrite", action="store_true",
                   help="replace whatever is at --out, even a folder or file that is not a preset")
    p.set_defaults(func=cmd_finetune)

    p = sub.add_parser("train", help="retrain a zoo entry from its recipe, on one machine or several")
    p.add_argument("name")
    p.add_argument("--out", help="preset directory (default: $SEQZOO_HOME/trained/NAME)")
    p.add_argument("--epochs", type=int_flag(minimum=1), help="most epochs (default: the recipe's)")
    p.add_argument("--seed", type=int_flag(minimum=0), default=0)
    p.add_argument("--workers", help="HOST:PORT,HOST:PORT,... of every worker of a multi-worker job "
                                     "(default: TF_CONFIG, else one machine)")
    p.add_argument("--worker-index", type=int_flag(minimum=0), help="this worker's position in --workers, from 0")
    p.add_argument("--peer-timeout", type=float_flag(minimum=0.0, maximum=MAX_PEER_TIMEOUT_S, exclusive_minimum=True),
                   default=300.0,
                   help="seconds to wait for another worker before failing (default: 300, at most a week)")
    p.add_argument("--override", action="append", help=argparse.SUPPRESS)  # KEY=VALUE, for tests
    p.add_argument("--worker-stage-file", help=argparse.SUPPRESS)  # set by training.supervise
    p.set_defaults(func=cmd_train)

    from seqzoo.datasets.cli import add_data_commands

    add_data_commands(sub)
    from seqzoo.export.cli import add_export_command

    add_export_command(sub)
    from seqzoo.diagnostics.cli import add_explain_command

    add_explain_command(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; errors print one line and exit with status 2."""
    _quiet_tensorflow()
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except SeqzooError as error:
        print(f"seqzoo: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _closed_pipe()


def _closed_pipe() -> int:
    """The reader of stdout went away (`seqzoo generate ... | head`): end quietly, as `cat` does.

    Later writes (and the flush at exit) go to /dev/null, so Python prints no second error.
    """
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return 141  # 128 + SIGPIPE, what a shell reports for a tool the closed pipe stopped.


if __name__ == "__main__":
    sys.exit(main())
