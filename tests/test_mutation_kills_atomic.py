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
    folder = tmp_path_factory.mktemp("cwd")
    monkeypatch.chdir(folder)
    (folder / "sentinel").write_text("still here")
    yield
    assert (folder / "sentinel").read_text() == "still here", "the working directory was removed"


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


def test_the_temporary_file_sits_beside_the_target_and_is_named_for_it(tmp_path, monkeypatch):
    moves = []
    real_replace = os.replace
    monkeypatch.setattr(_atomic.os, "replace", lambda a, b: moves.append((Path(a), Path(b))) or real_replace(a, b))
    target = tmp_path / "out" / "card.json"
    write_bytes_atomic(target, b"{}")
    (source, destination), = moves
    assert destination == target and source.parent == target.parent
    assert source.name.startswith(".card.json.") and source.name.endswith(".tmp")
    assert target.read_bytes() == b"{}" and sorted(p.name for p in target.parent.iterdir()) == ["card.json"]


def test_a_failed_rename_reports_its_own_error_even_when_the_temporary_is_gone(tmp_path, monkeypatch):
    def vanish_then_fail(source, destination):
        Path(source).unlink()
        raise OSError("disk went away")

    monkeypatch.setattr(_atomic.os, "replace", vanish_then_fail)
    with pytest.raises(OSError, match="^disk went away$"):
        write_bytes_atomic(tmp_path / "file.bin", b"data")
    assert list(tmp_path.iterdir()) == []


def test_user_mode_with_the_common_umask():
    old = os.umask(0o022)
    try:
        assert user_mode() == 0o644 and user_mode(directory=True) == 0o755
        assert _atomic._umask() == 0o022
    finally:
        os.umask(old)


def test_umask_is_read_from_proc_without_changing_it(umask_027, monkeypatch):
    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc on this system")
    calls = []
    monkeypatch.setattr(_atomic.os, "umask", lambda mask: calls.append(mask) or 0o027)
    assert _atomic._umask() == 0o027
    assert calls == []  # os.umask would change the mask for every thread, for a moment.


def test_only_a_real_folder_gets_the_folder_mode(tmp_path, umask_027, monkeypatch):
    monkeypatch.setattr(_atomic, "_exchange", lambda a, b: False)
    file = tmp_path / "new.bin"
    file.write_text("x")
    os.chmod(file, 0o600)
    replace_directory(file, tmp_path / "final.bin")
    assert _mode(tmp_path / "final.bin") == 0o600


def test_remove_path_ignores_errors_inside_a_folder(tmp_path, monkeypatch):
    folder = _folder(tmp_path / "folder", "x")

    def refuse(*args, **kwargs):
        raise PermissionError("refused")

    monkeypatch.setattr(os, "unlink", refuse)
    remove_path(folder)  # Ignored: whatever can be removed is, and nothing is raised.
    monkeypatch.undo()
    assert (folder / "f.txt").exists()


def test_exchange_resolves_relative_paths_from_the_working_directory():
    _folder(Path("a"), "A"), _folder(Path("b"), "B")
    assert _atomic._exchange(Path("a"), Path("b")) is True
    assert Path("a/f.txt").read_text() == "B" and Path("b/f.txt").read_text() == "A"


def test_exchange_without_a_usable_libc_is_false(tmp_path, monkeypatch):
    def no_libc(*args, **kwargs):
        raise OSError("no libc")

    monkeypatch.setattr(_atomic.ctypes, "CDLL", no_libc)
    a, b = _folder(tmp_path / "a", "A"), _folder(tmp_path / "b", "B")
    assert _atomic._exchange(a, b) is False
    assert (a / "f.txt").read_text() == "A"
