"""Read the needed members out of a distribution file, and verify them.

Only members named by the source record are read, each into memory with a size
cap, and each is stored under its base name; nothing an archive says about
paths, links or permissions reaches the file system, so a hostile archive
cannot write outside the cache.
"""
from __future__ import annotations

import fnmatch
import hashlib
import posixpath
import tarfile
import zipfile
import zlib
from pathlib import Path
from typing import Iterable

from seqzoo.datasets.sources import Source
from seqzoo.errors import DatasetError

# Above the largest member we use (GloVe's 80 MB .npy); stops a decompression bomb.
MAX_MEMBER_BYTES = 128 * 1024 * 1024


def cache_names(source: Source, present: Iterable[str]) -> list[str]:
    """Return the file names of `source` to read from a cache folder.

    Args:
        source: The source record.
        present: The file names that exist in the folder (the `glob` members
            are found among them; fixed `files` are listed even when absent).

    Example:
    >>> from seqzoo.datasets.sources import SOURCES
    >>> cache_names(SOURCES["stocks"], [])
    ['stocks.csv']
    """
    names = [posixpath.basename(member) for member in source.files]
    if source.glob:
        pattern = posixpath.basename(source.glob)
        names += sorted(n for n in present if fnmatch.fnmatchcase(n, pattern))
    return names


def verify(source: Source, files: dict[str, bytes]) -> dict[str, str]:
    """Check `files` against the pinned sha256 values of `source`.

    Args:
        source: The source record.
        files: File base name -> content.

    Returns:
        File base name -> sha256 of the content.

    Raises:
        DatasetError: A file is missing, or a digest or count does not match.

    Example:
    >>> from seqzoo.datasets.sources import SOURCES
    >>> verify(SOURCES["stocks"], {"stocks.csv": b"..."})  # doctest: +SKIP
    Traceback (most recent call last):
    seqzoo.errors.DatasetError: sha256 mismatch for stocks.csv: ...
    """
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in files.items()}
    for member, expected in source.files.items():
        name = posixpath.basename(member)
        if name not in digests:
            raise DatasetError(f"{member} is missing")
        if digests[name] != expected:
            raise DatasetError(
                f"sha256 mismatch for {name}: expected {expected}, got {digests[name]}")
    if source.glob:
        pattern = posixpath.basename(source.glob)
        matched = sorted(n for n in digests if fnmatch.fnmatchcase(n, pattern))
        if len(matched) != source.glob_count:
            raise DatasetError(
                f"expected {source.glob_count} files matching {source.glob}, found {len(matched)}")
        listing = "".join(f"{digests[n]}  {n}\n" for n in matched)
        actual = hashlib.sha256(listing.encode("utf-8")).hexdigest()
        if actual != source.glob_sha256:
            raise DatasetError(
                f"sha256 mismatch for the {source.glob} files: expected listing digest "
                f"{source.glob_sha256}, got {actual}")
    return digests


def extract(source: Source, dist: Path) -> dict[str, bytes]:
    """Read the members `source` needs from the distribution file `dist`.

    Args:
        source: The source record; an sdist (tar.gz) has its top-level
            "NAME-VERSION/" folder stripped before matching, a wheel does not.
        dist: The downloaded distribution file.

    Returns:
        File base name -> content. Members that are absent are simply not
        returned; `verify` reports them.

    Raises:
        DatasetError: The archive is damaged or truncated, or a wanted member is
            not a regular file, is too large, or clashes with another's name.

    Example:
    >>> from seqzoo.datasets.sources import SOURCES
    >>> wheel = Path("vega_datasets-0.9.0-py3-none-any.whl")
    >>> files = extract(SOURCES["stocks"], wheel)  # doctest: +SKIP
    """
    try:
        if source.is_sdist:
            return _from_tar(source, dist)
        return _from_zip(source, dist)
    except (tarfile.TarError, zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise DatasetError(f"{dist.name} is damaged or truncated ({exc})") from None


def _wanted(source: Source, member: str) -> bool:
    if member in source.files:
        return True
    if not source.glob:
        return False
    folder, base = posixpath.split(member)
    glob_folder, glob_base = posixpath.split(source.glob)
    return folder == glob_folder and fnmatch.fnmatchcase(base, glob_base)


def _add(files: dict[str, bytes], member: str, data: bytes) -> None:
    name = posixpath.basename(member)
    if name in ("", ".", "..") or name in files:
        raise DatasetError(f"member {member!r} has an unusable or repeated file name")
    if len(data) > MAX_MEMBER_BYTES:
        raise DatasetError(f"member {member!r} is larger than {MAX_MEMBER_BYTES} bytes")
    files[name] = data


def _from_tar(source: Source, dist: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with tarfile.open(dist, "r:gz") as tar:
        for info in tar:  # Streams, so a truncated tail raises here.
            _, _, member = info.name.partition("/")
            if not member or not _wanted(source, member):
                continue
            if not info.isfile():
                raise DatasetError(f"member {info.name!r} is not a regular file")
            if info.size > MAX_MEMBER_BYTES:
                raise DatasetError(f"member {info.name!r} is larger than {MAX_MEMBER_BYTES} bytes")
            handle = tar.extractfile(info)
            _add(files, member, handle.read(MAX_MEMBER_BYTES + 1))
    return files


def _from_zip(source: Source, dist: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    with zipfile.ZipFile(dist) as wheel:
        for info in wheel.infolist():
            if info.is_dir() or not _wanted(source, info.filename):
                continue
            if info.file_size > MAX_MEMBER_BYTES:
                raise DatasetError(
                    f"member {info.filename!r} is larger than {MAX_MEMBER_BYTES} bytes")
            # Read at most one byte past the cap: the header's size may lie.
            with wheel.open(info) as handle:
                _add(files, info.filename, handle.read(MAX_MEMBER_BYTES + 1))
    return files
