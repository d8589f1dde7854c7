"""Atomic writes: a reader sees either the old file or the complete new one."""
from __future__ import annotations

import ctypes
import os
import shutil
import sys
import tempfile
from pathlib import Path


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write `data` to `path` through a temporary file and an atomic rename.

    Args:
        path: Destination file. Its parent directory is created if needed.
        data: The complete content.

    Example:
    >>> write_bytes_atomic("/tmp/x.txt", b"hello")
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(tmp, user_mode())  # mkstemp's 0600 would hide the file from other users.
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def user_mode(*, directory: bool = False) -> int:
    """The mode the user's umask gives a new file (0o666 & ~umask) or folder (0o777 & ~umask).

    `tempfile.mkstemp` and `mkdtemp` make private 0600/0700 entries; whatever seqzoo
    writes for the user gets this mode instead, as `open` or `mkdir` would give it.

    Example:
    >>> oct(user_mode())  # with umask 022
    '0o644'
    """
    return (0o777 if directory else 0o666) & ~_umask()


def _umask() -> int:
    try:  # Linux shows it without changing it (os.umask would, for a moment, for every thread).
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def replace_directory(tmp_dir: Path, final_dir: Path) -> None:
    """Move a fully written `tmp_dir` to `final_dir`, replacing any old one.

    On Linux the two directories are swapped in one atomic step, so a reader
    (or a process killed at any moment) sees the old or the new directory,
    never neither. Elsewhere the old one is renamed aside first and removed
    only after the new one is in place.

    Args:
        tmp_dir: A complete directory on the same file system as `final_dir`.
        final_dir: Where it should end up.
    """
    tmp_dir, final_dir = Path(tmp_dir), Path(final_dir)
    if tmp_dir.is_dir() and not tmp_dir.is_symlink():
        os.chmod(tmp_dir, user_mode(directory=True))  # mkdtemp's 0700 would hide it from other users.
    present = final_dir.exists() or final_dir.is_symlink()
    if present and _exchange(tmp_dir, final_dir):
        remove_path(tmp_dir)  # It now holds the old content.
        return
    old = None
    if present:
        old = final_dir.with_name(f".{final_dir.name}.old-{os.getpid()}")
        if old.exists() or old.is_symlink():
            remove_path(old)
        os.replace(final_dir, old)
    try:
        os.replace(tmp_dir, final_dir)
    except BaseException:
        if old is not None:
            os.replace(old, final_dir)
        raise
    if old is not None:
        remove_path(old)


def remove_path(path: Path) -> None:
    """Remove a folder tree, a file or a link (never following a link), ignoring errors.

    Example:
    >>> remove_path(Path("/tmp/old-preset"))
    """
    path = Path(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
        return
    try:
        path.unlink()
    except OSError:
        pass


_RENAME_EXCHANGE = 2  # From <linux/fs.h>.


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with renameat2; False where it is unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE)
    return result == 0  # EINVAL/ENOSYS (old kernel, odd file system): fall back.
