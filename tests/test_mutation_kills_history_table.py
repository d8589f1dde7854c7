"""history_table: each check and message, so that mutants of the module fail a test (tools/mutation.py)."""
import datetime

import numpy as np
import pytest

from seqzoo.errors import InputError
from seqzoo.models.history_table import (
    as_table,
    format_table,
    next_date,
    parse_date,
    read_history,
    read_history_csv,
)


def test_next_date_daily_and_monthly():
    assert next_date(datetime.date(2016, 2, 28), "daily") == datetime.date(2016, 2, 29)
    assert next_date(datetime.date(2015, 12, 31), "daily") == datetime.date(2016, 1, 1)
    assert next_date(datetime.date(2009, 1, 28), "monthly") == datetime.date(2009, 2, 28)
    assert next_date(datetime.date(2009, 11, 5), "monthly") == datetime.date(2009, 12, 5)
    assert next_date(datetime.date(2009, 12, 1), "monthly") == datetime.date(2010, 1, 1)
    with pytest.raises(InputError, match=r"^Monthly dates must fall on days 1-28, got 2009-01-29\.$"):
        next_date(datetime.date(2009, 1, 29), "monthly")


def test_parse_date_kinds():
    assert parse_date(datetime.datetime(2015, 1, 2, 13, 5), 0) == datetime.date(2015, 1, 2)
    assert parse_date(datetime.date(2015, 1, 2), 0) == datetime.date(2015, 1, 2)
    assert parse_date(np.datetime64("2015-01-02T10:00"), 0) == datetime.date(2015, 1, 2)
    assert parse_date(" 2015-01-02 ", 0) == datetime.date(2015, 1, 2)
    assert parse_date("2015-01-02T23:59:59", 0) == datetime.date(2015, 1, 2)
    with pytest.raises(InputError, match=r"^Row 4: the date is missing \(NaT\)\.$"):
        parse_date(np.datetime64("NaT"), 4)
    with pytest.raises(InputError, match=r"^Row 3: cannot read the date '2015/13/01'; expected 'YYYY-MM-DD'"):
        parse_date("2015/13/01", 3)
    with pytest.raises(InputError, match=r"^Row 2: cannot read the date 20150101; expected"):
        parse_date(20150101, 2)


def test_parse_date_nat_timestamp():
    pandas = pytest.importorskip("pandas")
    with pytest.raises(InputError, match=r"^Row 1: the date is missing \(NaT\)\.$"):
        parse_date(pandas.NaT, 1)
    assert parse_date(pandas.Timestamp("2015-01-02 10:00"), 0) == datetime.date(2015, 1, 2)


DATES = ["2015-01-01", "2015-01-02", "2015-01-03"]


def test_read_history_from_each_kind_of_table():
    dates, values = read_history({"date": DATES, "a": [1, 2, 3], "b": [0.5, 1.5, 2.5]}, ["b", "a"])
    assert dates == [datetime.date(2015, 1, d) for d in (1, 2, 3)]
    assert values.dtype == np.float32 and values.tolist() == [[0.5, 1.0], [1.5, 2.0], [2.5, 3.0]]
    rows = [{"date": d, "a": i, "other": "x"} for i, d in enumerate(DATES)]
    assert read_history(rows, ["a"])[1].tolist() == [[0.0], [1.0], [2.0]]
    _, values = read_history({"day": np.array(DATES, dtype="datetime64[ns]"), "a": np.array([1, 2, 3])},
                             ["a"], date_column="day")
    assert values.tolist() == [[1.0], [2.0], [3.0]]


def test_read_history_from_dataframes():
    pandas = pytest.importorskip("pandas")
    frame = pandas.DataFrame({"date": DATES, "a": [1.0, 2.0, 3.0]})
    assert read_history(frame, ["a"])[1].tolist() == [[1.0], [2.0], [3.0]]
    indexed = pandas.DataFrame({"a": [1.0, 2.0, 3.0]}, index=pandas.to_datetime(DATES))
    dates, _ = read_history(indexed, ["a"])
    assert dates[0] == datetime.date(2015, 1, 1)
    with pytest.raises(InputError, match=r"lacks the columns \['date'\]; expected the columns \['date', 'a'\] "
                                         r"\(it has \['a'\]\)"):
        read_history(pandas.DataFrame({"a": [1.0]}), ["a"])


@pytest.mark.parametrize("data, message", [
    ({"date": "2015-01-01", "a": [1.0]},
     r"^Column 'date' must be a sequence of values, got str; pass a dict of columns, or a list of dicts"),
    ({"date": DATES, "a": 3.0}, r"^Column 'a' must be a sequence of values, got float"),
    ({"date": DATES, "a": [1.0]},
     r"^The columns have different lengths \{'date': 3, 'a': 1\}; each needs one value per row\.$"),
    ([{"date": DATES[0], "a": 1.0}, ("x",)],
     r"^Row 1 is a tuple, not a dict; expected the columns \['date', 'a'\]\.$"),
    ([{"date": DATES[0], "a": 1.0}, {"date": DATES[1]}],
     r"^Row 1 lacks \['a'\]; every row needs \['date', 'a'\]\.$"),
    ("date,a", r"^History must be a pandas DataFrame, a list of dicts or a dict of columns, got str; expected"),
    (42, r"got int; expected the columns \['date', 'a'\]\.$"),
    ({"date": DATES}, (r"^The history lacks the columns \['a'\]; expected the columns \['date', 'a'\] "
                       r"\(it has \['date'\]\)\.$")),
    ({"date": DATES, "a": [1.0, float("nan"), float("inf")]},
     r"^Column 'a' has 2 NaN or infinite values \(first at row 1\); seqzoo fills in nothing"),
    ({"date": DATES, "a": [1.0, True, 2.0]}, r"^Column 'a', row 1: True \(bool\) is not a number; pass numbers"),
    ({"date": DATES, "a": [1.0, 2.0, "3"]}, r"^Column 'a', row 2: '3' \(str\) is not a number"),
])
def test_read_history_refuses_bad_tables(data, message):
    with pytest.raises(InputError, match=message):
        read_history(data, ["a"])


def test_read_history_nan_in_a_later_column_names_it():
    with pytest.raises(InputError, match=r"^Column 'b' has 1 NaN or infinite values \(first at row 2\)"):
        read_history({"date": DATES, "a": [1.0, 2.0, 3.0], "b": [1.0, 2.0, float("nan")]}, ["a", "b"])


def test_read_history_min_rows_and_empty_lists():
    with pytest.raises(InputError, match=r"^The history has 2 rows; at least 3 are needed, each with "
                                         r"\['date', 'a'\]\.$"):
        read_history({"date": DATES[:2], "a": [1.0, 2.0]}, ["a"], min_rows=3)
    dates, values = read_history({"date": DATES, "a": [1.0, 2.0, 3.0]}, ["a"], min_rows=3)
    assert len(dates) == 3 and values.shape == (3, 1)
    with pytest.raises(InputError, match=r"^The history has 0 rows; at least 1 are needed"):
        read_history([], ["a"])


def test_read_history_gap_message_names_the_step():
    with pytest.raises(InputError, match=r"^Rows must be consecutive daily steps in date order, but row 2 "
                                         r"\(2015-01-05\) is not the day after 2015-01-02\.$"):
        read_history({"date": ["2015-01-01", "2015-01-02", "2015-01-05"], "a": [1.0, 2.0, 3.0]}, ["a"])


def test_read_history_csv(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("date,a,b,weather\n2015-01-01,1.5,2,sun\n2015-01-02,3,4,rain\n", encoding="utf-8")
    assert read_history_csv(path, ["b", "a"]) == {"date": ["2015-01-01", "2015-01-02"], "b": [2.0, 4.0],
                                                   "a": [1.5, 3.0]}
    assert read_history_csv(path, ["a"], date_column="weather") == {"weather": ["sun", "rain"], "a": [1.5, 3.0]}
    with pytest.raises(InputError, match=rf"^{path} lacks the columns \['c'\]; expected \['date', 'a', 'c'\]\.$"):
        read_history_csv(path, ["a", "c"])
    path.write_text("date,a\n2015-01-01,1\n2015-01-02,lots\n", encoding="utf-8")
    with pytest.raises(InputError, match=rf"^{path} line 3, column 'a': 'lots' is not a number\.$"):
        read_history_csv(path, ["a"])
    path.write_text("date,a\n2015-01-01\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"line 2, column 'a': None is not a number"):
        read_history_csv(path, ["a"])
    with pytest.raises(InputError, match=rf"^Cannot read the CSV file {tmp_path / 'missing.csv'}: "):
        read_history_csv(tmp_path / "missing.csv", ["a"])
    path.write_bytes(b"date,a\n\xff\xfe,1\n")
    with pytest.raises(InputError, match=r"^Cannot read the CSV file .*codec"):
        read_history_csv(path, ["a"])
    path.write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"lacks the columns \['date', 'a'\]"):
        read_history_csv(path, ["a"])


def test_format_table_and_as_table():
    rows = [{"date": "2015-01-01", "temp_max": 8.123, "n": 3}, {"date": "2015-01-02", "temp_max": -10.0, "n": 12}]
    assert format_table(rows).splitlines() == [
        "date        temp_max   n",
        "2015-01-01      8.12   3",
        "2015-01-02    -10.00  12",
    ]
    assert format_table([]) == ""
    table = as_table(rows)
    pandas = pytest.importorskip("pandas")
    assert isinstance(table, pandas.DataFrame) and table.to_dict("records") == rows
    assert format_table(table) == format_table(rows)


def test_a_series_is_not_taken_for_a_dataframe():
    pandas = pytest.importorskip("pandas")
    with pytest.raises(InputError, match=r"^History must be a pandas DataFrame, a list of dicts or a dict of "
                                         r"columns, got Series"):
        read_history(pandas.Series([1.0, 2.0]), ["a"])


def test_values_too_large_for_float32_are_refused_without_a_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(InputError, match=r"^Column 'a', row 1: 1e\+39 is too large for float32"):
            read_history({"date": DATES, "a": [1.0, 1e39, 2.0]}, ["a"])
        _, values = read_history({"date": DATES, "a": [1.0, 3e38, -3e38]}, ["a"])
    assert np.isfinite(values).all()


@pytest.mark.parametrize("path", ["", "a\x00b", 3, None])
def test_read_history_csv_refuses_what_is_not_a_file_name(path):
    with pytest.raises(InputError, match=r"^The CSV path must be a file name; got "):
        read_history_csv(path, ["a"])


def test_format_table_one_row_and_a_ragged_first_column():
    assert format_table([{"date": "x", "v": 1.0}]).splitlines() == ["date     v", "x     1.00"]
    assert format_table([{"d": "a", "v": 1.0}, {"d": "bbb", "v": 22.5}]).splitlines() == [
        "d        v", "a     1.00", "bbb  22.50"]


def test_read_history_csv_drops_a_byte_order_mark(tmp_path):
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfdate,a\r\n2015-01-01,1\r\n")
    assert read_history_csv(path, ["a"]) == {"date": ["2015-01-01"], "a": [1.0]}


def test_missing_columns_may_hold_nan_but_not_infinity():
    data = {"date": DATES, "a": [1.0, 2.0, 3.0], "b": [float("nan"), 2.0, float("nan")]}
    _, values = read_history(data, ["a", "b"], missing=["b"])
    assert np.isnan(values[:, 1]).tolist() == [True, False, True] and values[:, 0].tolist() == [1.0, 2.0, 3.0]
    with pytest.raises(InputError, match=r"^Column 'a' has 1 NaN or infinite values \(first at row 0\)"):
        read_history({**data, "a": [float("nan"), 2.0, 3.0]}, ["a", "b"], missing=["b"])
    with pytest.raises(InputError, match=r"^Column 'b' has 1 NaN or infinite values \(first at row 1\)"):
        read_history({**data, "b": [float("nan"), float("inf"), 1.0]}, ["a", "b"], missing=["b"])
    # Only the named column may hold NaN; its position in `names` is what counts.
    _, values = read_history({**data, "a": data["b"], "b": data["a"]}, ["b", "a"], missing=["a"])
    assert np.isnan(values[:, 1]).sum() == 2


def test_an_unreadable_date_names_its_row():
    with pytest.raises(InputError, match=r"^Row 2: cannot read the date 'soon'"):
        read_history({"date": ["2015-01-01", "2015-01-02", "soon"], "a": [1.0, 2.0, 3.0]}, ["a"])
