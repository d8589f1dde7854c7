"""What every recipe shares: resumable training, timing, plots, versions and the card."""
from __future__ import annotations

import importlib.util
import os
import platform
import time
from pathlib import Path

import keras

RUNS_DIR = Path(os.environ.get("SEQZOO_HOME", Path.home() / ".cache" / "seqzoo")) / "runs"


def fit_resumable(model, train, *, run_name: str, epochs: int, validation=None, patience: int = 5,
                  monitor: str = "val_loss", verbose: int = 2, fit_kwargs: dict | None = None,
                  save_freq: int | str = "epoch", extra_callbacks: list | None = None):
    """`model.fit` with per-epoch checkpoints, resume after a kill, and early stopping.

    Args:
        model: A compiled (or default-compiling) seqzoo task model.
        train: Training data as the task's `fit` takes it (x, or (x, y)).
        run_name: Names the run directory under `$SEQZOO_HOME/runs`.
        epochs: The most epochs.
        validation: Validation data for early stopping and the best weights.
        patience: Epochs without improvement before stopping.
        monitor: The metric to watch.
        save_freq: Back up every epoch, or every this many batches (long epochs).
        extra_callbacks: More callbacks, such as a learning-rate schedule.

    Returns:
        (history dict, seconds spent training in this process).

    Example:
    >>> history, seconds = fit_resumable(lm, names, run_name="names-lstm", epochs=30)
    """
    run_dir = RUNS_DIR / run_name
    run_dir.mkdir(parents=True, exist_ok=True)
    callbacks = [
        # Kept after a kill (the next run resumes), deleted once training completes.
        keras.callbacks.BackupAndRestore(str(run_dir / "backup"), save_freq=save_freq),
        keras.callbacks.CSVLogger(str(run_dir / "history.csv"), append=True),
    ]
    if importlib.util.find_spec("tensorboard") is not None:
        callbacks.append(keras.callbacks.TensorBoard(str(run_dir / "tensorboard")))
    callbacks += extra_callbacks or []
    if validation is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, patience=patience, restore_best_weights=True
        ))
    x, y = train if isinstance(train, tuple) else (train, None)
    start = time.time()
    history = model.fit(x, y, epochs=epochs, validation_data=validation, callbacks=callbacks,
                        verbose=verbose, **(fit_kwargs or {}))
    return history.history, time.time() - start


def versions() -> dict:
    import tensorflow as tf

    import seqzoo

    return {"seqzoo": seqzoo.__version__, "keras": keras.__version__, "tensorflow": tf.__version__,
            "python": platform.python_version()}


def plot_history(history: dict, path: Path, *, title: str) -> bool:
    """Write the training curve as a PNG; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    figure, axis = plt.subplots(figsize=(6, 3.5))
    for key, values in history.items():
        if "loss" in key or "accuracy" in key or "mae" in key:
            axis.plot(range(1, len(values) + 1), values, label=key)
    axis.set_xlabel("epoch")
    axis.set_title(title)
    axis.legend()
    figure.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, dpi=80)
    plt.close(figure)
    return True


def metric(value: float, split: str, unit: str = "", description: str = "", baseline: bool = False) -> dict:
    """One record of `ModelCard.metrics`."""
    record = {"value": round(float(value), 5), "split": split, "unit": unit, "description": description}
    if baseline:
        record["baseline"] = True
    return record


def display_path(path: Path) -> str:
    """`path` relative to the working directory when inside it, for the card's command."""
    relative = os.path.relpath(path)
    return str(path) if relative.startswith("..") else relative


def save_with_curve(model, out: Path, card, history: dict, run_name: str):
    """Write the preset with its card and, when matplotlib is there, its training curve."""
    plot = RUNS_DIR / run_name / "training_curve.png"
    extra = {"training_curve.png": plot} if plot_history(history, plot, title=card.name) else {}
    model.save_preset(out, card=card, extra_files=extra)
    return card


def recipe_main(train, doc: str, *, flag: str, choices, default: str, epochs: int, argv=None) -> int:
    """The command line every recipe shares: --FLAG CHOICE --out DIR [--epochs N] [--seed S].

    Example:
    >>> recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm", epochs=60)
    """
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{flag}", choices=sorted(choices), default=default)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=epochs)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(train(getattr(args, flag), out=args.out, epochs=args.epochs, seed=args.seed))
    return 0


def training_record(seed: int, history: dict, seconds: float) -> dict:
    """The part of a card's `recipe` every run shares: seed, epochs, time, versions, curves.

    Example:
    >>> recipe = {"command": "...", "hparams": {...}, **training_record(0, history, 82.6)}
    """
    return {
        "seed": seed, "epochs_run": len(next(iter(history.values()), [])),
        "training_time_s": round(seconds, 1), "versions": versions(),
        "history": {k: [round(float(v), 5) for v in vs] for k, vs in history.items()},
    }
