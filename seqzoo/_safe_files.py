"""Reading files that someone else may control: plain files only, bounded, JSON of bounded depth.

A symbolic link, a FIFO or a device in a preset or a cache is refused before a
single byte is read: opening uses `O_NOFOLLOW` (no link is followed) and
`O_NONBLOCK` (a FIFO cannot block the open), then `fstat` on the open
descriptor decides, so the file cannot be swapped between the check and the read.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

MAX_JSON_DEPTH = 64  # seqzoo's own configs nest about 12 levels deep.


def open_plain_file(path: str | os.PathLike, *, error: type[Exception]) -> int:
    """Open `path` for reading as a file descriptor, refusing links and special files.

    Args:
        path: The file.
        error: The exception class raised (with a message naming `path`).

    Example:
    >>> from seqzoo.errors import PresetError
    >>> fd = open_plain_file("pyproject.toml", error=PresetError); os.close(fd)
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    if Path(path).is_symlink():  # Where O_NOFOLLOW does not exist (Windows).
        raise error(f"{path} is a symbolic link; only plain files are read.")
    try:
        fd = os.open(path, flags | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise error(f"{path} is missing.") from None
    except OSError as exc:
        if Path(path).is_symlink():
            raise error(f"{path} is a symbolic link; only plain files are read.") from None
        raise error(f"{path} cannot be read ({exc.strerror}).") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise error(f"{path} is not a plain file (a folder, FIFO or device); refused.")
    return fd


def read_plain_file(path: str | os.PathLike, *, error: type[Exception],
                    max_bytes: int | None = None) -> bytes:
    """The bytes of `path`, if it is a plain file (not a link, FIFO or device) of at most `max_bytes`.

    Example:
    >>> from seqzoo.errors import PresetError
    >>> read_plain_file("pyproject.toml", error=PresetError)[:9]
    b'[build-sy'
    """
    fd = open_plain_file(path, error=error)
    with os.fdopen(fd, "rb") as f:
        data = f.read() if max_bytes is None else f.read(max_bytes + 1)
    if max_bytes is not None and len(data) > max_bytes:
        raise error(f"{path} has more than the {max_bytes:,} bytes allowed; refused.")
    return data


def load_json(data: bytes | str, *, source: str, error: type[Exception],
              max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON, refusing invalid text and nesting deeper than `max_depth` with `error`.

    Example:
    >>> from seqzoo.errors import PresetError
    >>> load_json(b'{"a": [1]}', source="x.json", error=PresetError)
    {'a': [1]}
    """
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        value = json.loads(text)
    except RecursionError:
        raise error(f"{source} nests deeper than {max_depth} levels; the file is corrupt or hostile.") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise error(f"{source} is not valid UTF-8 JSON ({exc}); the file is corrupt.") from None
    if json_depth(value, stop=max_depth + 1) > max_depth:
        raise error(f"{source} nests deeper than {max_depth} levels; the file is corrupt or hostile.")
    return value


def json_depth(value: Any, *, stop: int) -> int:
    """How deeply lists and dicts nest in `value` (a scalar is 0), counting no further than `stop`.

    Iterative, so a deep value cannot exhaust Python's recursion limit.

    Example:
    >>> json_depth({"a": [1, [2]]}, stop=10)
    3
    """
    deepest, pending = 0, [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if deepest >= stop:
            return deepest
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list | tuple) else ()
        pending.extend((child, depth + 1) for child in children)
    return deepest
