"""Tables of dated rows (DataFrame, list of dicts, dict of columns) <-> checked numpy arrays.

Forecasters read their history through `read_history`, so every kind of bad
input fails the same way: an `InputError` naming the column, the row and what
was expected. Nothing is filled in silently. pandas is optional: it is used
when the caller passes a DataFrame or has it installed, never imported here
otherwise.
"""
from __future__ import annotations

import csv
import datetime
import numbers
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from seqzoo.errors import InputError

FREQUENCIES = ("daily", "monthly")


def next_date(date: datetime.date, frequency: str) -> datetime.date:
    """The date one step after `date`: the next day, or the same day of the next month.

    Example:
    >>> next_date(datetime.date(2015, 12, 31), "daily")
    datetime.date(2016, 1, 1)
    >>> next_date(datetime.date(2009, 12, 1), "monthly")
    datetime.date(2010, 1, 1)
    """
    if frequency == "daily":
        return date + datetime.timedelta(days=1)
    if date.day > 28:  # Monthly series are dated on a fixed day; 29-31 do not exist every month.
        raise InputError(f"Monthly dates must fall on days 1-28, got {date.isoformat()}.")
    year, month = divmod(date.year * 12 + date.month, 12)
    return date.replace(year=year, month=month + 1)


# Formats read from strings besides ISO 8601: "2012/01/01" is how seattle-weather.csv writes dates.
DATE_FORMATS = ("%Y/%m/%d",)


def parse_date(value, row: int) -> datetime.date:
    """A date from a string, `datetime.date`/`datetime`, numpy datetime64 or pandas Timestamp.

    Strings are ISO ("2015-01-31", also with a time) or "YYYY/MM/DD" ("2015/01/31").

    Example:
    >>> parse_date("2012/01/31", 0), parse_date(datetime.datetime(2012, 1, 31, 18, 30), 1)
    (datetime.date(2012, 1, 31), datetime.date(2012, 1, 31))
    """
    if isinstance(value, datetime.datetime):  # Also pandas.Timestamp.
        if value != value:  # NaT
            raise InputError(f"Row {row}: the date is missing (NaT).")
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, np.datetime64):
        if np.isnat(value):
            raise InputError(f"Row {row}: the date is missing (NaT).")
        return value.astype("datetime64[D]").item()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value.strip())
        except ValueError:
            try:
                return datetime.datetime.fromisoformat(value.strip()).date()
            except ValueError:
                pass
        for fmt in DATE_FORMATS:
            try:
                return datetime.datetime.strptime(value.strip(), fmt).date()
            except ValueError:
                pass
    raise InputError(f"Row {row}: cannot read the date {value!r}; expected 'YYYY-MM-DD' or 'YYYY/MM/DD'.")


def _columns_of(data, names: list[str]) -> dict[str, Sequence]:
    """The named columns of `data`, which is a DataFrame, a list of dicts or a dict of columns."""
    expected = f"expected the columns {names}"
    if hasattr(data, "columns") and hasattr(data, "to_numpy"):  # A pandas DataFrame.
        present = [str(c) for c in data.columns]
        columns = {c: data[c].to_numpy() for c in names if c in present}
        dated_index = str(getattr(data.index, "dtype", "")).startswith("datetime")
        if names[0] not in columns and dated_index:
            columns[names[0]] = data.index.to_numpy()  # Dates as the index, as pandas users keep them.
    elif isinstance(data, Mapping):
        present = list(data)
        columns = {c: data[c] for c in names if c in data}
        for name, values in columns.items():
            if isinstance(values, str | bytes) or not hasattr(values, "__len__"):
                raise InputError(
                    f"Column {name!r} must be a sequence of values, got {type(values).__name__}; "
                    "pass a dict of columns, or a list of dicts (one per row)."
                )
        lengths = {c: len(v) for c, v in columns.items()}
        if len(set(lengths.values())) > 1:
            raise InputError(f"The columns have different lengths {lengths}; each needs one value per row.")
    elif isinstance(data, Sequence) and not isinstance(data, str | bytes):
        for i, row in enumerate(data):
            if not isinstance(row, Mapping):
                raise InputError(f"Row {i} is a {type(row).__name__}, not a dict; {expected}.")
            missing = [c for c in names if c not in row]
            if missing:
                raise InputError(f"Row {i} lacks {missing}; every row needs {names}.")
        present = list(data[0]) if len(data) else names
        columns = {c: [row[c] for row in data] for c in names}
    else:
        raise InputError(
            f"History must be a pandas DataFrame, a list of dicts or a dict of columns, "
            f"got {type(data).__name__}; {expected}."
        )
    missing = [c for c in names if c not in columns]
    if missing:
        raise InputError(f"The history lacks the columns {missing}; {expected} (it has {present}).")
    return columns


def _numeric(name: str, values) -> np.ndarray:
    array = values if isinstance(values, np.ndarray) else np.asarray(values, dtype=object)
    if array.dtype.kind in "iuf":
        return array.astype(np.float64)
    for i, value in enumerate(array.tolist()):  # Object dtype keeps each value's own type.
        if isinstance(value, bool) or not isinstance(value, numbers.Real):
            raise InputError(
                f"Column {name!r}, row {i}: {value!r} ({type(value).__name__}) is not a number; "
                "pass numbers in real units."
            )
    return array.astype(np.float64)


def _check_float32_range(values: np.ndarray, names: list[str]) -> None:
    """Refuse finite values that become infinite in float32, the model's precision."""
    with np.errstate(over="ignore"):
        overflow = np.isfinite(values) & ~np.isfinite(values.astype(np.float32))
    if overflow.any():
        row, col = map(int, np.argwhere(overflow)[0])
        raise InputError(
            f"Column {names[col]!r}, row {row}: {values[row, col]:.4g} is too large for float32 "
            f"(the largest is about ±3.4e38); give values in real units."
        )


def read_history(data, names: list[str], *, date_column: str = "date", frequency: str = "daily",
                 min_rows: int = 1, missing: Sequence[str] = ()) -> tuple[list[datetime.date], np.ndarray]:
    """Check a table of dated rows and return (dates, values [rows, len(names)] float32).

    Args:
        data: A pandas DataFrame (dates in `date_column` or as a DatetimeIndex),
            a list of dicts (one per row), or a dict of columns.
        names: The numeric columns to read, in order.
        date_column: The column of dates.
        frequency: "daily" or "monthly": rows must be consecutive steps.
        min_rows: The fewest rows accepted.
        missing: Columns of `names` that may hold NaN (not infinity); the model
            reads them as absent.

    Raises:
        InputError: Missing columns, too few rows, NaN or infinite values,
            unreadable dates, dates out of order or with gaps, or values that
            are not numbers.

    Example:
    >>> dates, values = read_history({"date": ["2015-01-01", "2015-01-02"], "t": [1.0, 2.0]}, ["t"])
    >>> values.tolist()
    [[1.0], [2.0]]
    """
    columns = _columns_of(data, [date_column, *names])
    rows = len(columns[date_column]) if columns else 0
    if rows < min_rows:
        raise InputError(
            f"The history has {rows} rows; at least {min_rows} are needed, each with "
            f"{[date_column, *names]}."
        )
    values = np.stack([_numeric(n, columns[n]) for n in names], axis=1)
    _check_float32_range(values, names)
    bad = ~np.isfinite(values)
    bad[:, [names.index(c) for c in missing]] &= ~np.isnan(values[:, [names.index(c) for c in missing]])
    if bad.any():
        row, col = map(int, np.argwhere(bad)[0])
        raise InputError(
            f"Column {names[col]!r} has {int(bad[:, col].sum())} NaN or infinite values (first at row "
            f"{row}); seqzoo fills in nothing: drop or fill those rows yourself."
        )
    raw_dates = np.asarray(columns[date_column])
    if raw_dates.dtype.kind == "M":  # datetime64[ns] would turn into integers below.
        raw_dates = raw_dates.astype("datetime64[D]")
    dates = [parse_date(v, i) for i, v in enumerate(raw_dates.astype(object).tolist())]
    for i in range(1, rows):
        if dates[i] != next_date(dates[i - 1], frequency):
            step = "day" if frequency == "daily" else "month"
            raise InputError(
                f"Rows must be consecutive {frequency} steps in date order, but row {i} "
                f"({dates[i].isoformat()}) is not the {step} after {dates[i - 1].isoformat()}."
            )
    return dates, values.astype(np.float32)


def read_history_csv(path: str | Path, names: list[str], *, date_column: str = "date") -> dict[str, list]:
    """Read the date column and the numeric `names` columns of a CSV file with a header row.

    Other columns are ignored. Returns a dict of columns for `Forecaster.forecast`.

    Example:
    >>> history = read_history_csv("history.csv", ["precipitation", "temp_max", "temp_min", "wind"])
    """
    if not isinstance(path, str | os.PathLike) or not str(path) or "\x00" in str(path):
        raise InputError(f"The CSV path must be a file name; got {path!r:.80}.")
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:  # -sig: drop a byte-order mark.
            reader = csv.DictReader(f)
            header = reader.fieldnames or []
            missing = [c for c in [date_column, *names] if c not in header]
            if missing:
                raise InputError(f"{path} lacks the columns {missing}; expected {[date_column, *names]}.")
            columns: dict[str, list] = {c: [] for c in [date_column, *names]}
            for row in reader:
                columns[date_column].append(row[date_column])
                for name in names:
                    try:
                        columns[name].append(float(row[name]))
                    except (TypeError, ValueError):
                        raise InputError(
                            f"{path} line {reader.line_num}, column {name!r}: {row[name]!r} is not a number."
                        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InputError(f"Cannot read the CSV file {path}: {error}") from None
    return columns


def as_table(rows: list[dict]):
    """`rows` as a pandas DataFrame when pandas is installed, else unchanged."""
    try:
        import pandas
    except ImportError:
        return rows
    return pandas.DataFrame(rows)


def format_table(table) -> str:
    """A list of dicts (or a DataFrame) as aligned text columns, numbers to 2 decimals.

    Example:
    >>> print(format_table([{"date": "2015-01-01", "temp_max": 8.123}]))
    date        temp_max
    2015-01-01      8.12
    """
    rows = table.to_dict("records") if hasattr(table, "to_dict") else list(table)
    if not rows:
        return ""
    names = list(rows[0])
    cells = [[f"{r[n]:.2f}" if isinstance(r[n], float) else str(r[n]) for n in names] for r in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    lines = ["  ".join(n.ljust(w) if i == 0 else n.rjust(w) for i, (n, w) in enumerate(zip(names, widths)))]
    for c in cells:
        lines.append("  ".join(v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(c, widths))))
    return "\n".join(lines)
