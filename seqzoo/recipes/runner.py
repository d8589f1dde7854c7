"""What every recipe shares: resumable training, timing, plots, versions and the card."""
from __future__ import annotations

import contextlib
import csv
import dataclasses
import importlib.util
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import keras

from seqzoo._atomic import remove_path, replace_directory, write_bytes_atomic
from seqzoo.errors import SeqzooError
from seqzoo.recipes.run_state import RunStateError, prepare_run, read_clock


@dataclasses.dataclass
class Session:
    """How `seqzoo.train` runs the recipes: where runs live, the strategy, what to report.

    Attributes:
        runs_dir: Parent of the run directories (checkpoints, CSV log, TensorBoard);
            None: `$SEQZOO_HOME/runs`, read when a run starts.
        run_suffix: Added to run names, so that each worker of one machine keeps its own backup.
        verbose: Keras progress output; None picks bars on a terminal, one line per epoch otherwise.
        distribution: Recorded in the card: strategy, workers, replicas.
        model: The last model `fit_resumable` trained (for the weights checksum).
    """

    runs_dir: Path | None = None
    run_suffix: str = ""
    verbose: int | None = None
    distribution: dict | None = None
    model: object = None


_session = Session()


@contextlib.contextmanager
def training_session(**settings):
    """Run recipes with these `Session` settings, restoring the previous ones afterwards.

    Example:
    >>> with training_session(runs_dir=Path("/tmp/runs"), verbose=2) as session:
    ...     names.train("lstm", out=Path("/tmp/names-lstm"))
    """
    global _session
    previous, _session = _session, Session(**settings)
    try:
        yield _session
    finally:
        _session = previous


def run_dir(run_name: str) -> Path:
    """The directory of run `run_name`: backup, history.csv, tensorboard/, training_curve.png."""
    return runs_dir() / f"{run_name}{_session.run_suffix}"


def runs_dir() -> Path:
    """The parent of the run directories: the session's, else `$SEQZOO_HOME/runs`."""
    from seqzoo.datasets.fetch import seqzoo_home

    return Path(_session.runs_dir) if _session.runs_dir is not None else seqzoo_home() / "runs"


class TrainingClock(keras.callbacks.Callback):
    """Training seconds of a run across the processes of its resumes, kept in `path`.

    Written every 20 batches and at each epoch's end, so a killed process loses little.
    """

    def __init__(self, path: Path):
        super().__init__()
        self.path = path
        self.earlier = read_clock(path)
        self.start = time.time()

    def write(self) -> float:
        seconds = self.earlier + time.time() - self.start
        write_bytes_atomic(self.path, f"{seconds:.1f}".encode())  # A kill mid-write must not lose it.
        return seconds

    def on_train_batch_end(self, batch, logs=None):
        if batch % 20 == 0:
            self.write()

    def on_epoch_end(self, epoch, logs=None):
        self.write()


class EpochTrackingBackup(keras.callbacks.BackupAndRestore):
    """`BackupAndRestore` whose mid-epoch backups record the right epoch after a resume.

    Keras (3.15) counts epochs from 0 in each process until the first epoch ends, so a
    batch-level backup written during the first resumed epoch says epoch 0, and a second
    kill would restart the run from the beginning (with trained weights).
    """

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_begin(self, logs=None):
        try:
            super().on_train_begin(logs)
        except Exception as error:  # Keras raises OSError, ValueError ... for a backup it cannot load.
            raise RunStateError(
                f"The backup in {self.backup_dir} does not fit this model ({str(error)[:200]}). "
                "Was the run started with other settings? Rerun with the same settings to resume, "
                f"or move {self.backup_dir} aside to start afresh."
            ) from None

    def _save_model(self):
        # Weights and epoch are written into a new folder that then replaces the backup in one
        # step: a kill at any moment leaves the old backup or the new one, never half of one.
        backup = Path(self.backup_dir)
        backup.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=backup.parent, prefix=f".{backup.name}.tmp-"))
        try:
            self.model.save_weights(str(tmp / Path(self._weights_path).name), overwrite=True)
            record = {"epoch": self._current_epoch, "batch": self._last_batch_seen}
            (tmp / Path(self._training_metadata_path).name).write_text(json.dumps(record))
            replace_directory(tmp, backup)
        except BaseException:
            remove_path(tmp)
            raise


def fit_resumable(model, train, *, run_name: str, epochs: int, validation=None, patience: int = 5,
                  monitor: str = "val_loss", verbose: int | None = None, fit_kwargs: dict | None = None,
                  save_freq: int | str = "epoch", extra_callbacks: list | None = None,
                  average_from_epoch: int | None = None):
    """`model.fit` with per-epoch checkpoints, resume after a kill, and early stopping.

    Rerunning the same run after a kill resumes from the last checkpoint; the history
    returned is read from the run's CSV log, so it covers every epoch, not only those
    run in this process.

    Args:
        model: A compiled (or default-compiling) seqzoo task model.
        train: Training data as the task's `fit` takes it (x, or (x, y)).
        run_name: Names the run directory under `$SEQZOO_HOME/runs`.
        epochs: The most epochs.
        validation: Validation data for early stopping and the best weights.
        patience: Epochs without improvement before stopping.
        monitor: The metric to watch.
        verbose: Keras progress output: 1 bars, 2 a line per epoch; by default bars on a terminal.
        save_freq: Back up every epoch, or every this many batches (long epochs).
        extra_callbacks: More callbacks, such as a learning-rate schedule.
        average_from_epoch: End with the average of the weights at the end of every
            epoch from this one (1-based) on (`averaging.EpochAverage`); training then
            runs every epoch, with validation logged but no early stopping.

    Returns:
        (history dict, seconds spent training, summed over the processes of a resumed run).

    Example:
    >>> history, seconds = fit_resumable(lm, names, run_name="names-lstm", epochs=30)
    """
    directory = run_dir(run_name)
    prepare_run(directory)  # Damaged state is set aside (and said so) rather than failing every rerun.
    log = directory / "history.csv"
    if not (directory / "backup" / "latest.weights.h5").exists():
        # A fresh start: the log, clock and weight average of an earlier, finished run go.
        for name in (log.name, "elapsed_s.txt", "average.npz"):
            (directory / name).unlink(missing_ok=True)
    callbacks = [
        # The log comes first: killed between the two, an epoch is logged twice (the
        # resumed run repeats it, and read_history keeps the last row) rather than never.
        keras.callbacks.CSVLogger(str(log), append=True),
        # Kept after a kill (the next run resumes), deleted once training completes.
        EpochTrackingBackup(str(directory / "backup"), save_freq=save_freq),
    ]
    if importlib.util.find_spec("tensorboard") is not None:
        callbacks.append(keras.callbacks.TensorBoard(str(directory / "tensorboard")))
    else:
        print("seqzoo: TensorBoard logs skipped (pip install 'seqzoo[tensorboard]' to write them)",
              file=sys.stderr)
    callbacks += extra_callbacks or []
    if average_from_epoch is not None:
        from seqzoo.recipes.averaging import EpochAverage

        callbacks.append(EpochAverage(directory / "average.npz", start_epoch=average_from_epoch))
    elif validation is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, patience=patience, restore_best_weights=True
        ))
    x, y = train if isinstance(train, tuple) else (train, None)
    if verbose is None:
        verbose = _session.verbose if _session.verbose is not None else (1 if sys.stdout.isatty() else 2)
    _session.model = model
    clock = TrainingClock(directory / "elapsed_s.txt")
    callbacks.append(clock)
    history = model.fit(x, y, epochs=epochs, validation_data=validation, callbacks=callbacks,
                        verbose=verbose, **(fit_kwargs or {}))
    return read_history(log) or history.history, clock.write()


def read_history(path: Path) -> dict[str, list[float]]:
    """The per-epoch metrics of a run's CSV log, one value per epoch in epoch order.

    An epoch logged twice (the run was killed after logging it and before its checkpoint,
    so the resumed run repeated it) keeps its last row.

    Example:
    >>> read_history(run_dir("names-lstm-seed0") / "history.csv")["val_loss"][:2]
    [2.44787, 2.23901]
    """
    path = Path(path)
    if not path.is_file():
        return {}
    with path.open(newline="") as handle:
        rows = {int(row["epoch"]): row for row in csv.DictReader(handle) if row.get("epoch")}
    keys = [k for k in (next(iter(rows.values())) if rows else {}) if k != "epoch"]
    # Keras' CSVLogger writes "NA" for the val_ columns of a run without validation.
    history = {key: [float(rows[e][key]) for e in sorted(rows) if rows[e].get(key) not in (None, "", "NA")]
               for key in keys}
    return {key: values for key, values in history.items() if values}


def apply_overrides(hparams: dict, settings: dict, overrides: dict | None) -> tuple[dict, dict]:
    """Merge `overrides` into a recipe's model `hparams` and its run `settings` (batch size, ...).

    Meant for quick experiments and tests (a tiny model for a few steps); a zoo entry is
    reproduced without them.

    Example:
    >>> apply_overrides({"hidden_size": 128}, {"patience": 6}, {"hidden_size": 8})
    ({'hidden_size': 8}, {'patience': 6})
    """
    overrides = dict(overrides or {})
    unknown = set(overrides) - set(hparams) - set(settings)
    if unknown:
        raise SeqzooError(f"Unknown overrides {sorted(unknown)}: this recipe takes "
                          f"{sorted(set(hparams) | set(settings))}.")
    return ({k: overrides.get(k, v) for k, v in hparams.items()},
            {k: overrides.get(k, v) for k, v in settings.items()})


def versions() -> dict:
    import tensorflow as tf

    import seqzoo

    return {"seqzoo": seqzoo.__version__, "keras": keras.__version__, "tensorflow": tf.__version__,
            "python": platform.python_version()}


def plot_history(history: dict, path: Path, *, title: str, task: str = "") -> bool:
    """Write the training curve as a PNG (see `seqzoo.recipes.curves`); False without matplotlib."""
    from seqzoo.recipes.curves import plot_training_curve

    return plot_training_curve(history, path, title=title, task=task)


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
    plot = run_dir(run_name) / "training_curve.png"
    extra = {"training_curve.png": plot} if plot_history(history, plot, title=card.name, task=card.task) else {}
    model.save_preset(out, card=card, extra_files=extra)
    return card


def recipe_main(train, doc: str, *, flag: str, choices, default: str, epochs: int | None, argv=None) -> int:
    """The command line every recipe shares: --FLAG CHOICE --out DIR [--epochs N] [--seed S].

    Example:
    >>> recipe_main(train, __doc__, flag="architecture", choices=HPARAMS, default="lstm", epochs=60)
    """
    import argparse

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument(f"--{flag}", choices=sorted(choices), default=default)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=epochs,
                        help="the most epochs" + (f" (default {epochs})" if epochs else " (default: the preset's)"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    print(train(getattr(args, flag), out=args.out, epochs=args.epochs, seed=args.seed))
    return 0


def training_record(seed: int, history: dict, seconds: float) -> dict:
    """The part of a card's `recipe` every run shares: seed, epochs, time, versions, curves.

    Example:
    >>> recipe = {"command": "...", "hparams": {...}, **training_record(0, history, 82.6)}
    """
    record = {
        "seed": seed, "epochs_run": len(next(iter(history.values()), [])),
        "training_time_s": round(seconds, 1), "versions": versions(),
        "history": {k: [round(float(v), 5) for v in vs] for k, vs in history.items()},
    }
    if _session.distribution:
        record["distribution"] = dict(_session.distribution)
    return record
