"""A training run's saved state: checked before a resume, and set aside when it cannot be read.

A run directory (`$SEQZOO_HOME/runs/RUN`) holds what a killed run resumes from: the
backup (`backup/latest.weights.h5` and `backup/training_metadata.json`, swapped in as
one folder), the clock (`elapsed_s.txt`), the log (`history.csv`) and a running weight
average (`average.npz`). Each is written so that a kill at any moment leaves the old or
the new version. Damage from outside (a disk error, an edit, a copy cut short) is found
here before training starts: the whole state is moved into `RUN/corrupt-TIMESTAMP/`
and the run starts afresh, saying so, instead of failing the same way on every rerun.
"""
from __future__ import annotations

import json
import math
import os
import sys
import time
from pathlib import Path

from seqzoo.errors import SeqzooError

BACKUP = "backup"
WEIGHTS = "latest.weights.h5"
METADATA = "training_metadata.json"
STATE = (BACKUP, "history.csv", "elapsed_s.txt", "average.npz")


class RunStateError(SeqzooError):
    """A run's saved state that the model cannot resume from."""


def check_run_state(directory: Path) -> str | None:
    """Why the saved state in `directory` cannot be resumed from, or None when it can (or is absent).

    Example:
    >>> check_run_state(run_dir("names-lstm-seed0"))
    "elapsed_s.txt: 'garbage' is not a number of seconds"
    """
    directory = Path(directory)
    for check in (_check_backup, _check_clock, _check_log, _check_average):
        try:
            reason = check(directory)
        except Exception as error:  # Whatever a damaged file makes a reader raise.
            reason = f"{_FILES[check.__name__]}: {type(error).__name__}: {str(error)[:200]}"
        if reason:
            return reason
    return None


def prepare_run(directory: Path) -> Path | None:
    """Make `directory` ready for a run: clean what a kill left half-done, set damaged state aside.

    Returns:
        The folder the damaged state went to, or None when there was nothing wrong.

    Example:
    >>> prepare_run(run_dir("names-lstm-seed0"))  # after `echo garbage > .../elapsed_s.txt`
    PosixPath('.../names-lstm-seed0/corrupt-20261130-020000')
    """
    from seqzoo._atomic import remove_path

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    for stale in [*directory.glob(f".{BACKUP}.tmp-*"), *directory.glob(f".{BACKUP}.old-*")]:
        remove_path(stale)  # A save the kill interrupted; the backup itself is whole.
    _drop_partial_last_line(directory / "history.csv")
    reason = check_run_state(directory)
    if reason is None:
        return None
    aside = directory / time.strftime("corrupt-%Y%m%d-%H%M%S")
    aside.mkdir(exist_ok=True)
    for name in STATE:
        if (directory / name).exists() or (directory / name).is_symlink():
            os.replace(directory / name, aside / name)
    print(f"seqzoo: the saved state of run {directory} cannot be resumed ({reason}); moved it to "
          f"{aside} and starting this run afresh from epoch 1.", file=sys.stderr, flush=True)
    return aside


def read_clock(path: Path) -> float:
    """The seconds in a run's `elapsed_s.txt` (0 when absent).

    Raises:
        RunStateError: The file does not hold a number of seconds; the message names it.
    """
    path = Path(path)
    if not path.is_file():
        return 0.0
    text = path.read_text(encoding="utf-8", errors="replace").strip()
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0:
        raise RunStateError(f"{path}: {text[:40]!r} is not a number of seconds; move the file aside "
                            "(the run then counts its time from now) or delete the run folder.")
    return seconds


def _check_backup(directory: Path) -> str | None:
    import h5py

    weights, metadata = directory / BACKUP / WEIGHTS, directory / BACKUP / METADATA
    if metadata.exists():
        try:
            record = json.loads(metadata.read_text(encoding="utf-8"))
        except (ValueError, OSError) as error:
            return f"{BACKUP}/{METADATA}: {type(error).__name__}: {str(error)[:200]}"
        if not isinstance(record, dict) or not isinstance(record.get("epoch"), int) or record["epoch"] < 0:
            return f"{BACKUP}/{METADATA}: no epoch number in it"
        if not weights.exists():
            return f"{BACKUP}/{METADATA} without {WEIGHTS}"
    if weights.exists():
        try:
            with h5py.File(weights, "r") as f:  # Reads every tensor: a cut or garbled file fails here.
                f.visititems(lambda name, item: item[()] if isinstance(item, h5py.Dataset) else None)
        except Exception as error:  # h5py raises OSError, KeyError, RuntimeError ...
            return f"{BACKUP}/{WEIGHTS}: {type(error).__name__}: {str(error)[:200]}"
    return None


def _check_clock(directory: Path) -> str | None:
    try:
        read_clock(directory / "elapsed_s.txt")
    except RunStateError as error:
        return f"elapsed_s.txt: {str(error).split(': ', 1)[1].split(';')[0]}"
    return None


def _check_log(directory: Path) -> str | None:
    from seqzoo.recipes.runner import read_history

    read_history(directory / "history.csv")
    return None


def _check_average(directory: Path) -> str | None:
    import numpy as np

    path = directory / "average.npz"
    if path.exists():
        with np.load(path, allow_pickle=False) as saved:
            int(saved["count"]), int(saved["last_epoch"])
    return None


_FILES = {"_check_backup": BACKUP, "_check_clock": "elapsed_s.txt", "_check_log": "history.csv",
          "_check_average": "average.npz"}


def _drop_partial_last_line(log: Path) -> None:
    # A kill during a CSV row leaves it without its newline; the next row would be glued on.
    if not log.is_file():
        return
    data = log.read_bytes()
    if data and not data.endswith(b"\n"):
        from seqzoo._atomic import write_bytes_atomic

        write_bytes_atomic(log, data[: data.rfind(b"\n") + 1])
