"""The US Social Security Administration baby names (`names-us-ssa`): parquet rows to names.

The source table has one row per (year, sex, name) with the babies given that
name (`n`, at least 5) and their share of that year's births of that sex
(`prop`). The dataset's items are the distinct names, each once, in title case
like `names-us-census`, with per-name totals in `meta`. Reading parquet needs
pyarrow (`pip install "seqzoo[recipes]"`); it is imported only when this
dataset is parsed, never by `seqzoo.load` or at import.
"""
from __future__ import annotations

import io

from seqzoo.datasets import splits
from seqzoo.errors import DatasetError, MissingDependencyError

SSA_FILE = "babynames.parquet"
SSA_COLUMNS = ("year", "sex", "name", "n")


def _read_table(data: bytes):
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError(
            "Dataset 'names-us-ssa' is a parquet table and reading it needs pyarrow: "
            'pip install "seqzoo[recipes]" (or pip install pyarrow).') from None
    try:
        table = pq.read_table(io.BytesIO(data), columns=list(SSA_COLUMNS))
    except Exception as exc:  # pyarrow raises its own error types for bad files and columns.
        raise DatasetError(f"{SSA_FILE} is not a readable parquet table with the columns "
                           f"{list(SSA_COLUMNS)} ({type(exc).__name__}: {exc})") from None
    return table


def name_totals(table) -> dict[str, dict]:
    """Per name (lower case): display form, total babies, first and last year, girls' count.

    Rows whose names differ only in case are one name (the most given spelling is shown).

    Args:
        table: A pyarrow table with columns year, sex ("F" or "M"), name, n.

    Example:
    >>> import pyarrow as pa
    >>> t = pa.table({"year": [1990.0, 2001.0], "sex": ["F", "M"], "name": ["Ann", "Ann"], "n": [7, 5]})
    >>> name_totals(t)["ann"]
    {'display': 'Ann', 'count': 12, 'first_year': 1990, 'last_year': 2001, 'female': 7}
    """
    import pyarrow.compute as pc

    if table.num_rows == 0:
        raise DatasetError(f"{SSA_FILE} holds no rows")
    for column in ("year", "n"):
        if table.column(column).null_count:
            raise DatasetError(f"{SSA_FILE}: the column {column!r} has missing values")
    sexes = set(pc.unique(table.column("sex")).to_pylist())
    if not sexes <= {"F", "M"}:
        raise DatasetError(f"{SSA_FILE}: sex must be 'F' or 'M', found {sorted(map(str, sexes - {'F', 'M'}))}")
    if pc.min(table.column("n")).as_py() < 0:
        raise DatasetError(f"{SSA_FILE}: a negative count in column 'n'")
    female = pc.if_else(pc.equal(table.column("sex"), "F"), table.column("n"), 0)
    grouped = table.append_column("female", female).group_by("name").aggregate(
        [("n", "sum"), ("year", "min"), ("year", "max"), ("female", "sum")])
    totals: dict[str, dict] = {}
    rows = zip(*(grouped.column(c).to_pylist() for c in ("name", "n_sum", "year_min", "year_max", "female_sum")))
    for name, count, first, last, girls in rows:
        if not name or not name.strip():
            raise DatasetError(f"{SSA_FILE}: an empty name")
        display = name.strip().title()  # Like names-us-census: "JOHN" / "john" -> "John".
        key = display.lower()
        record = totals.get(key)
        if record is None:
            totals[key] = {"display": display, "count": int(count), "first_year": int(first),
                           "last_year": int(last), "female": int(girls), "_top": int(count)}
            continue
        if count > record["_top"]:
            record["display"], record["_top"] = display, int(count)
        record["count"] += int(count)
        record["first_year"] = min(record["first_year"], int(first))
        record["last_year"] = max(record["last_year"], int(last))
        record["female"] += int(girls)
    for record in totals.values():
        del record["_top"]
    return totals


def parse_ssa_names(files: dict[str, bytes]):
    """Distinct names sorted by their lower-case form, split by the hash of it (80/10/10).

    `per_item` holds, aligned with the names: "count" (babies given the name over
    all years), "first_year", "last_year", and "female_share" (girls' share of
    the count).

    Example:
    >>> from seqzoo import datasets
    >>> ssa = datasets.load("names-us-ssa", "test")  # doctest: +SKIP
    >>> ssa.x[0], ssa.meta["count"][0], ssa.meta["first_year"][0]  # doctest: +SKIP
    """
    from seqzoo.datasets.parsers import Parsed  # parsers imports this module's parser.

    if SSA_FILE not in files:
        raise DatasetError(f"{SSA_FILE} is missing from the dataset's files")
    totals = name_totals(_read_table(files[SSA_FILE]))
    keys = sorted(totals)
    records = [totals[k] for k in keys]
    return Parsed(
        x=[r["display"] for r in records], y=None, split_of=[splits.hash_split(k) for k in keys],
        per_item={
            "count": [r["count"] for r in records],
            "first_year": [r["first_year"] for r in records],
            "last_year": [r["last_year"] for r in records],
            "female_share": [round(r["female"] / r["count"], 6) if r["count"] else 0.0 for r in records],
        },
        meta={"years": "1880-2017", "min_count_per_year": 5},
    )
