"""Where an export may go: refusals that name the path, instead of raw `OSError` tracebacks."""
from __future__ import annotations

import contextlib
from pathlib import Path

from seqzoo.export.errors import ExportError


def check_target(path: Path, *, kind: str) -> None:
    """Raise `ExportError` when `path` cannot be created because a file stands in its way.

    Args:
        path: The file or folder an export is about to write.
        kind: "file" or "folder", for the message.

    Example:
    >>> check_target(Path("notes.txt/model.tflite"), kind="file")
    Traceback (most recent call last):
    seqzoo.export.errors.ExportError: Cannot write the file notes.txt/model.tflite: notes.txt is a file, ...
    """
    for parent in Path(path).parents:
        if parent.exists() or parent.is_symlink():
            if not parent.is_dir():
                raise ExportError(f"Cannot write the {kind} {path}: {parent} is a file, not a folder. "
                                  "Choose another --out.")
            return


@contextlib.contextmanager
def writing(path: Path):
    """Turn an `OSError` while writing `path` (permissions, full disk, ...) into an `ExportError`.

    Example:
    >>> with writing(path):
    ...     write_bytes_atomic(path, data)
    """
    try:
        yield
    except ExportError:
        raise
    except OSError as error:
        where = error.filename or path
        raise ExportError(f"Cannot write {path}: {where}: {error.strerror or error}. "
                          "Choose another --out, or fix the folder's permissions.") from None
