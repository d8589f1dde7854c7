"""_atomic: modes, leftovers and both paths of replace_directory, so mutants of the module fail a test."""
import os
import stat
from pathlib import Path

import pytest

from seqzoo import _atomic
from seqzoo._atomic import remove_path, replace_directory, user_mode, write_bytes_atomic


@pytest.fixture(autouse=True)
def scratch_working_directory(tmp_path_factory, monkeypatch):
    """Each test runs in an empty folder of its own: a mutant that turns `Path(path)` into `Path()`
    (the working directory) and removes it deletes only that folder, not the mutation run's."""
    monkeypatch.chdir(tmp_path_factory.mktemp("cwd"))


@pytest.fixture()
def umask_027():
    old = os.umask(0o027)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_user_mode_follows_the_umask(umask_027):
    assert user_mode() == 0o640
    assert user_mode(directory=True) == 0o750
    assert _atomic._umask() == 0o027


def test_umask_without_proc(umask_027, monkeypatch):
    real_open = open

    def no_proc(path, *args, **kwargs):
        if str(path) == "/proc/self/status":
            raise OSError("no /proc here")
        return real_open(path, *args, **kwargs)

    monkeypatch.setattr("builtins.open", no_proc)
    assert _atomic._umask() == 0o027
    assert os.umask(0o027) == 0o027  # Left as it was.


def test_write_bytes_atomic_creates_parents_with_the_users_mode(tmp_path, umask_027):
    path = tmp_path / "a" / "b" / "file.bin"
    write_bytes_atomic(path, b"hello")
    assert path.read_bytes() == b"hello" and _mode(path) == 0o640
    write_bytes_atomic(str(path), b"again")
    assert path.read_bytes() == b"again"
    assert sorted(p.name for p in path.parent.iterdir()) == ["file.bin"]


def test_write_bytes_atomic_failure_keeps_the_old_file_and_no_temporary(tmp_path, monkeypatch):
    path = tmp_path / "file.bin"
    path.write_bytes(b"old")

    def crash(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(_atomic.os, "replace", crash)
    with pytest.raises(KeyboardInterrupt):
        write_bytes_atomic(path, b"new")
    assert path.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file.bin"]


def _folder(path: Path, content: str) -> Path:
    path.mkdir(parents=True)
    (path / "f.txt").write_text(content)
    return path


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "rename-aside"])
def test_replace_directory_replaces_and_cleans_up(tmp_path, monkeypatch, umask_027, exchange):
    if not exchange:
        monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    final = _folder(tmp_path / "final", "old")
    new = _folder(tmp_path / "new", "new")
    os.chmod(new, 0o700)
    replace_directory(new, final)
    assert (final / "f.txt").read_text() == "new" and _mode(final) == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]


@pytest.mark.parametrize("exchange", [True, False], ids=["renameat2", "rename-aside"])
def test_replace_directory_into_a_new_place(tmp_path, monkeypatch, exchange):
    calls = []
    if not exchange:
        monkeypatch.setattr(_atomic, "_exchange", lambda a, b: calls.append((a, b)) or False)
    new = _folder(tmp_path / "new", "new")
    replace_directory(new, tmp_path / "final")
    assert (tmp_path / "final" / "f.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]
    assert calls == []  # Nothing to swap with.


def test_replace_directory_removes_a_stale_aside_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    final = _folder(tmp_path / "final", "old")
    _folder(tmp_path / f".final.old-{os.getpid()}", "stale")
    replace_directory(_folder(tmp_path / "new", "new"), final)
    assert (final / "f.txt").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final"]


def test_replace_directory_failure_puts_the_old_one_back(tmp_path, monkeypatch):
    monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    final = _folder(tmp_path / "final", "old")
    new = _folder(tmp_path / "new", "new")
    real_replace = os.replace

    def fail_on_the_new_one(src, dst):
        if Path(src) == new:
            raise KeyboardInterrupt
        real_replace(src, dst)

    monkeypatch.setattr(_atomic.os, "replace", fail_on_the_new_one)
    with pytest.raises(KeyboardInterrupt):
        replace_directory(new, final)
    assert (final / "f.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["final", "new"]


def test_exchange_swaps_two_folders(tmp_path):
    a, b = _folder(tmp_path / "a", "A"), _folder(tmp_path / "b", "B")
    assert _atomic._exchange(a, b) is True
    assert (a / "f.txt").read_text() == "B" and (b / "f.txt").read_text() == "A"
    assert _atomic._exchange(a, tmp_path / "missing") is False


def test_exchange_is_not_tried_off_linux(tmp_path, monkeypatch):
    monkeypatch.setattr(_atomic.sys, "platform", "darwin")
    a, b = _folder(tmp_path / "a", "A"), _folder(tmp_path / "b", "B")
    assert _atomic._exchange(a, b) is False
    assert (a / "f.txt").read_text() == "A"


def test_remove_path_handles_folders_files_links_and_nothing(tmp_path):
    folder = _folder(tmp_path / "folder", "x")
    target = _folder(tmp_path / "target", "keep")
    link = tmp_path / "link"
    link.symlink_to(target)
    file = tmp_path / "file"
    file.write_text("x")
    for path in (folder, link, file, tmp_path / "missing"):
        remove_path(path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["target"]
    assert (target / "f.txt").read_text() == "keep"  # The link's target is untouched.
