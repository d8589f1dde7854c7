"""Load users' own data (a CSV file, or plain text files) as a `Split`."""
from __future__ import annotations

import csv
import hashlib
import io
import os
from pathlib import Path
from typing import Iterable

import numpy as np

from seqzoo.datasets.split import Split
from seqzoo.errors import InputError

PathLike = str | os.PathLike


def from_csv(path: PathLike, *, text_column: str | None = None,
             label_column: str | None = None) -> Split:
    """Read a UTF-8 CSV file with a header row into a `Split` (split "all").

    Args:
        path: The CSV file.
        text_column: The column holding the texts; defaults to "text".
        label_column: An optional label column. If every label is an integer,
            `y` holds them as is; otherwise the distinct labels are sorted,
            `y` holds their indices and `meta["label_names"]` the names.

    Returns:
        A Split with `x` the texts, `y` the labels or None.

    Raises:
        InputError: The file is missing, empty or not UTF-8, a column is
            missing, or two columns have the same name; messages give the line
            and the available columns.

    Example:
    >>> s = from_csv("reviews.csv", label_column="label")  # doctest: +SKIP
    >>> s.meta["label_names"]  # doctest: +SKIP
    ['negative', 'positive']
    """
    path = Path(path)
    data = _read(path)
    text = _decode(path, data, csv_rows=True)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        columns = reader.fieldnames
        if not columns:
            raise InputError(f"{path} is empty: expected a header row and at least one data row.")
        repeated = sorted({name for name in columns if columns.count(name) > 1})
        if repeated:  # csv.DictReader would silently keep the last column of each name.
            raise InputError(f"{path}: the header names the column(s) {repeated} more than once; "
                             "give every column its own name.")
        text_column = _column(path, columns, text_column or "text", "text_column")
        if label_column is not None:
            label_column = _column(path, columns, label_column, "label_column")
        texts, raw_labels = [], []
        for row in reader:
            if None in row.values():
                raise InputError(f"{path} line {reader.line_num}: the row has fewer fields than "
                                 f"the header ({len(columns)}).")
            texts.append(row[text_column])
            if label_column is not None:
                raw_labels.append(row[label_column].strip())
    except csv.Error as exc:
        raise InputError(f"{path} line {reader.line_num}: not valid CSV ({exc}).") from None
    if not texts:
        raise InputError(f"{path} has a header but no data rows.")
    meta = {"dataset": path.name, "split": "all", "source": str(path),
            "sha256": {path.name: hashlib.sha256(data).hexdigest()},
            "text_column": text_column, "label_column": label_column}
    y = None
    if label_column is not None:
        y, label_names = _labels(path, raw_labels)
        if label_names is not None:
            meta["label_names"] = label_names
    return Split(x=texts, y=y, meta=meta)


def from_text_files(paths: PathLike | Iterable[PathLike]) -> Split:
    """Read UTF-8 text files into a `Split`, one item per file (split "all").

    Args:
        paths: One file, or a list of files (for a folder, pass e.g.
            `sorted(Path(folder).glob("*.txt"))`).

    Returns:
        A Split with `x` the file contents, `y` None, `meta["files"]` the paths.

    Raises:
        InputError: No files given, a file is missing or a folder, or a file
            is not UTF-8 (the message names the file, line and byte offset).

    Example:
    >>> s = from_text_files(["sonnets.txt", "poems.txt"])  # doctest: +SKIP
    >>> len(s)  # doctest: +SKIP
    2
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = [Path(p) for p in paths]
    if not paths:
        raise InputError("from_text_files needs at least one file path.")
    texts, digests = [], {}
    for path in paths:
        data = _read(path)
        texts.append(_decode(path, data, csv_rows=False))
        digests[str(path)] = hashlib.sha256(data).hexdigest()
    return Split(x=texts, y=None, meta={"dataset": "text-files", "split": "all",
                                        "files": [str(p) for p in paths], "sha256": digests})


def _read(path: Path) -> bytes:
    if path.is_dir():
        raise InputError(f"{path} is a folder; pass a file.")
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror}).") from None


def _decode(path: Path, data: bytes, *, csv_rows: bool) -> str:
    try:
        return data.decode("utf-8-sig")  # -sig: drop a leading byte-order mark.
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        where = f"line {line}, byte offset {exc.start}"
        if csv_rows:
            record = _csv_record(data[: exc.start])
            where += " (the header row)" if record == 1 else f" (data row {record - 1})"
        raise InputError(f"{path} is not UTF-8 text: undecodable byte at {where}. "
                         "Re-save the file as UTF-8.") from None


def _csv_record(prefix: bytes) -> int:
    # The 1-based CSV record holding the bad byte; quoted fields may span lines.
    text = prefix.decode("utf-8-sig")
    try:
        records = sum(1 for _ in csv.reader(io.StringIO(text, newline="")))
    except csv.Error:
        records = text.count("\n") + 1
    if not text or text.endswith("\n"):
        records += 1  # The bad byte starts a new record.
    return records


def _column(path: Path, columns: list[str], name: str, argument: str) -> str:
    if name not in columns:
        raise InputError(f"{path} has no column {name!r}; its columns are {columns}. "
                         f"Pass {argument}= one of them.")
    return name


def _labels(path: Path, raw: list[str]) -> tuple[np.ndarray, list[str] | None]:
    empty = [i for i, label in enumerate(raw, start=1) if not label]
    if empty:
        raise InputError(f"{path}: data row {empty[0]} has an empty label.")
    try:
        return np.array([int(label) for label in raw], dtype=np.int64), None
    except ValueError:
        names = sorted(set(raw))
        index = {name: i for i, name in enumerate(names)}
        return np.array([index[label] for label in raw], dtype=np.int64), names
