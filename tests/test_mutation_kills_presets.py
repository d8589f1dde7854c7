"""presets.py pinned exactly: preset layout, save and overwrite rules, temporaries, hashes, load checks, messages."""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import types
from pathlib import Path

import h5py
import keras
import numpy as np
import pytest

import seqzoo
from seqzoo import presets
from seqzoo._atomic import user_mode
from seqzoo.card import ModelCard
from seqzoo.errors import InputError, PresetError, SeqzooError

TEXTS = ["anna", "bob", "carl"]
VOCAB = "assets/char_tokenizer/vocabulary.txt"
LAYOUT = ["assets", "assets/char_tokenizer", VOCAB, "card.json", "config.json", "model.weights.h5"]
HINT = "Choose another path, or pass overwrite=True (CLI: --overwrite) to replace it."
MIB = 1 << 20
HPARAMS = {"architecture": "lstm", "bidirectional": False, "dropout": 0.0, "embedding_dim": 4, "feature_dim": None,
           "hidden_size": 4, "num_layers": 1, "return_sequences": True, "vocabulary_size": 11, "word_dropout": 0.0}


# === Helpers and fixtures ===
def _raises(error, message):
    """pytest.raises for exactly this message."""
    return pytest.raises(error, match=f"^{re.escape(message)}$")


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _tree(directory: Path) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*"))


def _handmade(directory: Path, files: dict[str, bytes], **fields) -> Path:
    """A preset folder without a model: `files` and a card listing their sha256."""
    directory.mkdir(parents=True)
    for relative, data in files.items():
        (directory / relative).parent.mkdir(parents=True, exist_ok=True)
        (directory / relative).write_bytes(data)
    card = ModelCard(name=directory.name, task="char_lm", architecture="lstm",
                     files={relative: _sha(data) for relative, data in files.items()}, **fields)
    (directory / "card.json").write_text(card.to_json(), encoding="utf-8")
    return directory


def _mkdir(path: Path) -> Path:
    path.mkdir(parents=True)
    return path


def _touch(path: Path) -> Path:
    path.write_text("x")
    return path


def _age(path: Path, seconds: float = 3600.0) -> Path:
    then = time.time() - seconds
    os.utime(path, (then, then))
    return path


def _edit_config(preset: Path, edit) -> None:
    config = json.loads((preset / "config.json").read_text())
    config = edit(config) or config
    (preset / "config.json").write_text(json.dumps(config))
    presets.rehash(preset)


class _Recorder:
    """A file wrapper that logs the size of each read and write."""

    def __init__(self, file, log):
        self._file, self._log = file, log

    def read(self, size=-1):
        data = self._file.read(size)
        self._log.append(("read", size, len(data)))
        return data

    def write(self, data):
        self._log.append(("write", len(data)))
        return self._file.write(data)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return self._file.__exit__(*exc)


def _recording_open(monkeypatch) -> list:
    log = []
    # The wrapper closes the file on exit, as `with open(...)` in presets does.
    monkeypatch.setattr(presets, "open", lambda *a, **k: _Recorder(open(*a, **k), log), raising=False)  # noqa: SIM115
    return log


@pytest.fixture(scope="module", autouse=True)
def _scratch_cwd(tmp_path_factory):
    """A working directory of its own holding one file: a mutant that writes to '.' or 'None' writes there,
    and one that would save into '.' finds a non-preset folder."""
    cwd = tmp_path_factory.mktemp("cwd")
    (cwd / "keep.txt").write_text("keep")
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(cwd)
        yield cwd


@pytest.fixture(scope="module")
def model():
    keras.utils.set_random_seed(0)
    return seqzoo.build("lstm", "char_lm", texts=TEXTS, hidden_size=4, embedding_dim=4)


@pytest.fixture()
def saved(model, tmp_path_factory):
    """`model` saved in each test that uses it: mutmut runs a mutant of `save_preset` only with the
    tests that called it, so a preset saved once per module would hide the others from it."""
    path = tmp_path_factory.mktemp("saved") / "tiny"
    presets.save_preset(model, path)
    return path


@pytest.fixture()
def preset(saved, tmp_path):
    path = tmp_path / "tiny"
    shutil.copytree(saved, path)
    return path


@pytest.fixture()
def safe_mode_restored():
    from keras.src.saving import serialization_lib

    before = serialization_lib.in_safe_mode()
    yield serialization_lib
    serialization_lib.global_state.set_global_attribute("safe_mode_saving", before)


# === check_keras_version ===
@pytest.mark.parametrize("version", ["3.15.1", "3.15.2", "3.16.0", "4.0", "3.15.1rc1", "10.0.0.dev1"])
def test_keras_at_or_above_the_floor_is_accepted(version):
    presets.check_keras_version(version)


@pytest.mark.parametrize("version", ["3.15.0", "3.15", "3", "3.14.9", "2.99.99", "garbage", ""])
def test_keras_below_the_floor_or_unparsable_is_refused_with_the_exact_message(version):
    with _raises(SeqzooError, f"seqzoo needs keras>=3.15.1 to load presets safely, but keras {version} is "
                              "installed; run `pip install -U 'keras>=3.15.1'`."):
        presets.check_keras_version(version)


@pytest.mark.parametrize("floor, refused", [((0, 0, 1), True), ((0, 0, 0), False)])
def test_an_unparsable_version_counts_as_0_0_0(monkeypatch, floor, refused):
    monkeypatch.setattr(presets, "MIN_KERAS", floor)
    if refused:
        with _raises(SeqzooError, "seqzoo needs keras>=0.0.1 to load presets safely, but keras x is installed; "
                                  "run `pip install -U 'keras>=0.0.1'`."):
            presets.check_keras_version("x")
    else:
        presets.check_keras_version("x")


# === sha256_file and _hash_and_copy ===
def _big(tmp_path) -> tuple[Path, bytes]:
    data = bytes(range(256)) * (MIB * 5 // 2 // 256) + b"tail"  # 2.5 MiB and a bit: three blocks.
    path = tmp_path / "big.bin"
    path.write_bytes(data)
    return path, data


def test_sha256_file_reads_1_mib_blocks(tmp_path, monkeypatch):
    path, data = _big(tmp_path)
    log = _recording_open(monkeypatch)
    assert presets.sha256_file(path) == _sha(data)
    assert log == [("read", MIB, MIB), ("read", MIB, MIB), ("read", MIB, len(data) - 2 * MIB), ("read", MIB, 0)]
    assert presets.sha256_file(str(path)) == _sha(data)


def test_sha256_file_of_an_empty_file(tmp_path):
    (tmp_path / "empty").write_bytes(b"")
    assert presets.sha256_file(tmp_path / "empty") == _sha(b"")


def test_hash_and_copy_counts_hashes_and_copies_in_1_mib_blocks(tmp_path, monkeypatch):
    path, data = _big(tmp_path)
    log = _recording_open(monkeypatch)
    target = tmp_path / "copy" / "deep" / "er" / "big.bin"
    assert presets._hash_and_copy(path, target) == (len(data), _sha(data))
    assert target.read_bytes() == data
    assert log == [("write", MIB), ("write", MIB), ("write", len(data) - 2 * MIB)]
    # A second file into the same (now existing) folder.
    (tmp_path / "small").write_bytes(b"x")
    assert presets._hash_and_copy(tmp_path / "small", target.parent / "small") == (1, _sha(b"x"))
    assert (target.parent / "small").read_bytes() == b"x"


def test_hash_and_copy_without_target_only_hashes(tmp_path, monkeypatch):
    path, data = _big(tmp_path)
    log = _recording_open(monkeypatch)
    assert presets._hash_and_copy(path, None) == (len(data), _sha(data))
    assert log == [] and _tree(tmp_path) == ["big.bin"]
    (tmp_path / "empty").write_bytes(b"")
    assert presets._hash_and_copy(tmp_path / "empty", None) == (0, _sha(b""))


def test_hash_and_copy_never_overwrites_the_target(tmp_path):
    (tmp_path / "a").write_bytes(b"new")
    (tmp_path / "b").write_bytes(b"old")
    with pytest.raises(FileExistsError):
        presets._hash_and_copy(tmp_path / "a", tmp_path / "b")
    assert (tmp_path / "b").read_bytes() == b"old"


def test_hash_and_copy_refuses_links_and_fifos_with_preset_errors(tmp_path):
    (tmp_path / "real").write_bytes(b"x")
    (tmp_path / "link").symlink_to(tmp_path / "real")
    os.mkfifo(tmp_path / "fifo")
    with _raises(PresetError, f"{tmp_path / 'link'} is a symbolic link; only plain files are read."):
        presets._hash_and_copy(tmp_path / "link", None)
    with _raises(PresetError, f"{tmp_path / 'fifo'} is not a plain file (a folder, FIFO or device); refused."):
        presets._hash_and_copy(tmp_path / "fifo", tmp_path / "out")
    assert not (tmp_path / "out").exists()


# === _tokenizers and _strip_vocabularies ===
def test_tokenizers_of_a_model_and_of_objects_without_a_preprocessor(model):
    assert presets._tokenizers(model) == [model.tokenizer]
    assert presets._tokenizers(object()) == []
    assert presets._tokenizers(types.SimpleNamespace(preprocessor=None)) == []


def test_strip_vocabularies_blanks_tokenizer_vocabularies_at_any_depth():
    config = {"registered_name": "seqzoo>CharLM", "config": {
        "preprocessor": {"registered_name": "seqzoo>CharTokenizer", "config": {"vocabulary": ["a"], "name": "t"}},
        "layers": [{"registered_name": "seqzoo>WordTokenizer", "config": {"vocabulary": ["w"]}}],
    }}
    assert presets._strip_vocabularies(config) is config
    assert config == {"registered_name": "seqzoo>CharLM", "config": {
        "preprocessor": {"registered_name": "seqzoo>CharTokenizer", "config": {"vocabulary": None, "name": "t"}},
        "layers": [{"registered_name": "seqzoo>WordTokenizer", "config": {"vocabulary": None}}],
    }}


@pytest.mark.parametrize("config", [
    {"registered_name": "seqzoo>Embedding", "config": {"vocabulary": ["a"]}},  # Not a tokenizer.
    {"registered_name": "seqzoo>CharTokenizer"},  # No config to blank.
    {"class_name": "CharTokenizer", "config": {"vocabulary": ["a"]}},  # Only the registered name counts.
    {"config": {"vocabulary": ["a"]}},
    [1, "x", None],
    "seqzoo>CharTokenizer",
])
def test_strip_vocabularies_leaves_everything_else_alone(config):
    before = json.dumps(config)
    assert presets._strip_vocabularies(config) is config
    assert json.dumps(config) == before


# === What save_preset writes ===
def test_a_saved_preset_holds_exactly_card_config_weights_and_vocabulary(saved, model):
    assert _tree(saved) == LAYOUT
    assert sorted(p.name for p in saved.parent.iterdir()) == ["tiny"]  # No temporaries beside it.
    card = json.loads((saved / "card.json").read_text(encoding="utf-8"))
    assert card["files"] == {name: _sha((saved / name).read_bytes())
                             for name in ("config.json", "model.weights.h5", VOCAB)}
    assert card["num_params"] == model.count_params() > 0
    assert (saved / "card.json").read_text(encoding="utf-8") == ModelCard(**card).to_json()
    assert (saved / VOCAB).read_text(encoding="utf-8") == "".join(t + "\n" for t in model.tokenizer.vocabulary)


def test_the_saved_config_is_sorted_indented_without_vocabulary_or_compile_config(saved):
    text = (saved / "config.json").read_text(encoding="utf-8")
    config = json.loads(text)
    assert text == json.dumps(config, indent=1, sort_keys=True)
    assert "compile_config" not in config and config["registered_name"] == "seqzoo>CharLM"
    tokenizer = config["config"]["preprocessor"]["config"]["tokenizer"]
    assert tokenizer["registered_name"] == "seqzoo>CharTokenizer" and tokenizer["config"]["vocabulary"] is None


def test_the_default_card_of_a_fresh_model(saved, model):
    card = ModelCard.read(saved)
    assert card == ModelCard(name="tiny", task="char_lm", architecture="lstm", num_params=model.count_params(),
                             dataset="", description="A user-trained model.", files=card.files,
                             recipe={"hparams": HPARAMS, "parent": None}, extra={})
    assert presets._default_card(model, "mine") == ModelCard(
        name="mine", task="char_lm", architecture="lstm", description="A user-trained model.",
        recipe={"hparams": HPARAMS, "parent": None})


def test_the_default_card_of_a_fine_tuned_model_names_its_parent_and_drops_its_metrics(model, tmp_path, monkeypatch):
    parent = ModelCard(name="names-x", task="char_lm", architecture="lstm", dataset="ssa", extra={"k": [1]},
                       metrics={"nll": {"value": 1.5}}, headline_metric="nll", description="old")
    monkeypatch.setattr(model, "card", parent)
    card = presets._default_card(model, "mine")
    assert card == ModelCard(name="mine", task="char_lm", architecture="lstm", dataset="ssa",
                             description="Fine-tuned from names-x; not measured since.",
                             recipe={"hparams": HPARAMS, "parent": "names-x"}, extra={"k": [1]})
    assert card.extra is not parent.extra
    presets.save_preset(model, tmp_path / "tuned")
    written = ModelCard.read(tmp_path / "tuned")
    assert (written.name, written.dataset, written.description, written.recipe["parent"], written.metrics) == (
        "tuned", "ssa", "Fine-tuned from names-x; not measured since.", "names-x", {})


def test_the_default_card_records_pretrained_embeddings(model, monkeypatch):
    source = {"name": "glove-6b-50d", "found": 3}
    monkeypatch.setattr(model, "embedding_source", source, raising=False)
    recipe = presets._default_card(model, "mine").recipe
    assert recipe == {"hparams": HPARAMS, "parent": None, "embeddings": source}
    assert recipe["embeddings"] is not source


def test_a_given_card_is_stored_with_files_and_parameter_count_filled_in(model, tmp_path):
    given = ModelCard(name="given", task="char_lm", architecture="lstm", description="d\u00e9j\u00e0 vu",
                      metrics={"nll": {"value": 2.0, "split": "test"}}, headline_metric="nll")
    presets.save_preset(model, tmp_path / "out", card=given)
    card = ModelCard.read(tmp_path / "out")
    assert card.name == "given" and card.description == "d\u00e9j\u00e0 vu" and card.metrics == given.metrics
    assert card.num_params == model.count_params()
    assert sorted(card.files) == [VOCAB, "config.json", "model.weights.h5"]
    assert "d\u00e9j\u00e0 vu".encode() in (tmp_path / "out" / "card.json").read_bytes()


def test_card_and_config_are_utf8_whatever_the_locale(model, tmp_path, monkeypatch):
    """With a Latin-1 locale (simulated: the default text encoding of `open`), the card is still UTF-8."""
    import io

    real = io.text_encoding
    monkeypatch.setattr(io, "text_encoding", lambda encoding, stacklevel=2: "latin-1" if encoding is None
                        else real(encoding, stacklevel))
    given = ModelCard(name="given", task="char_lm", architecture="lstm", description="d\u00e9j\u00e0 vu \u2713")
    presets.save_preset(model, tmp_path / "out", card=given)
    assert "d\u00e9j\u00e0 vu \u2713".encode() in (tmp_path / "out" / "card.json").read_bytes()
    monkeypatch.setattr(io, "text_encoding", real)
    assert ModelCard.read(tmp_path / "out").description == "d\u00e9j\u00e0 vu \u2713"


def test_extra_files_are_copied_listed_and_hashed(model, tmp_path):
    (tmp_path / "a.txt").write_bytes(b"notes")
    (tmp_path / "b.png").write_bytes(b"\x89PNG plot")
    out = tmp_path / "out"
    presets.save_preset(model, str(out), extra_files={"notes.txt": tmp_path / "a.txt",
                                                      "./plots//deep/fig.png": str(tmp_path / "b.png")})
    assert _tree(out) == sorted(LAYOUT + ["notes.txt", "plots", "plots/deep", "plots/deep/fig.png"])
    assert (out / "notes.txt").read_bytes() == b"notes" and (out / "plots/deep/fig.png").read_bytes() == b"\x89PNG plot"
    files = ModelCard.read(out).files
    assert files["notes.txt"] == _sha(b"notes") and files["plots/deep/fig.png"] == _sha(b"\x89PNG plot")
    assert len(files) == 5
    seqzoo.load(out)


def test_saved_weights_hold_no_optimizer_state(tmp_path):
    from keras.src.saving import saving_lib

    keras.utils.set_random_seed(1)
    trained = seqzoo.build("lstm", "char_lm", texts=TEXTS, hidden_size=4, embedding_dim=4)
    trained.compile()
    trained.optimizer.build(trained.trainable_variables)
    saving_lib.save_weights_only(trained, str(tmp_path / "all.weights.h5"))
    with h5py.File(tmp_path / "all.weights.h5") as f:
        assert "optimizer" in f  # What Keras writes without being told to skip it.
    presets._save_weights_without_optimizer(trained, tmp_path / "w.weights.h5")
    with h5py.File(tmp_path / "w.weights.h5") as f:
        assert sorted(f) == ["layers", "preprocessor", "vars"]
    presets.save_preset(trained, tmp_path / "p")
    with h5py.File(tmp_path / "p" / "model.weights.h5") as f:
        assert sorted(f) == ["layers", "preprocessor", "vars"]


def test_a_model_without_preprocessor_saves_no_assets_and_loads_back(tmp_path):
    keras.utils.set_random_seed(2)
    bare = seqzoo.build("lstm", "char_lm", texts=TEXTS, hidden_size=4, embedding_dim=4)
    bare.preprocessor = None
    presets.save_preset(bare, tmp_path / "bare")
    assert _tree(tmp_path / "bare") == ["card.json", "config.json", "model.weights.h5"]
    assert presets.load_preset(tmp_path / "bare").preprocessor is None


def test_saved_files_and_folders_get_the_users_modes(saved):
    assert stat.S_IMODE(saved.stat().st_mode) == user_mode(directory=True)
    assert stat.S_IMODE((saved / "assets").stat().st_mode) == user_mode(directory=True)
    for name in ("card.json", "config.json", "model.weights.h5", VOCAB):
        assert stat.S_IMODE((saved / name).stat().st_mode) == user_mode(), name


# === How save_preset writes: beside the target, locked, atomically ===
def test_the_save_is_built_in_a_locked_temporary_beside_the_target(model, tmp_path, monkeypatch):
    real = presets.replace_directory
    seen = []

    def spy(tmp, final):
        fd = os.open(tmp, os.O_RDONLY)
        try:
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # The save holds the lock.
        finally:
            os.close(fd)
        seen.append((Path(tmp), Path(final), _tree(Path(tmp))))
        real(tmp, final)

    monkeypatch.setattr(presets, "replace_directory", spy)
    target = tmp_path / "a" / "b" / "tiny"  # Missing parents are made.
    presets.save_preset(model, target)
    [(tmp, final, content)] = seen
    assert final == target and tmp.parent == target.parent and tmp.name.startswith(".tiny.tmp-")
    assert content == LAYOUT and not tmp.exists()
    assert sorted(p.name for p in target.parent.iterdir()) == ["tiny"]


class _Boom(Exception):
    pass


def test_a_failing_save_keeps_the_old_preset_and_leaves_no_temporary(model, preset, monkeypatch):
    before = {name: (preset / name).read_bytes() for name in ("card.json", "config.json", "model.weights.h5")}

    def boom(*args):
        raise _Boom

    monkeypatch.setattr(presets, "_save_weights_without_optimizer", boom)
    with pytest.raises(_Boom):
        presets.save_preset(model, preset)
    assert {name: (preset / name).read_bytes() for name in before} == before
    assert sorted(p.name for p in preset.parent.iterdir()) == ["tiny"]


def test_an_existing_preset_is_replaced_whole(model, tmp_path):
    (tmp_path / "n.txt").write_text("n")
    presets.save_preset(model, tmp_path / "p", extra_files={"notes.txt": tmp_path / "n.txt"})
    presets.save_preset(model, tmp_path / "p")  # A preset is replaced without overwrite=True...
    assert _tree(tmp_path / "p") == LAYOUT  # ...and what only the old one listed goes with it.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["n.txt", "p"]


def test_save_preset_refuses_a_file_unless_overwrite_is_true(model, tmp_path):
    target = tmp_path / "notes.txt"
    target.write_text("keep me")
    with _raises(SeqzooError, f"{target} exists and is not a preset directory. {HINT}"):
        presets.save_preset(model, target)  # overwrite defaults to False.
    assert target.read_text() == "keep me" and sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    presets.save_preset(model, target, overwrite=True)
    assert _tree(target) == LAYOUT


def test_save_preset_refuses_a_folder_that_is_not_a_preset(model, tmp_path):
    (tmp_path / "project").mkdir()
    (tmp_path / "project" / "thesis.tex").write_text("years")
    with _raises(SeqzooError, f"{tmp_path / 'project'} is a non-empty folder and not a seqzoo preset; "
                              f"saving would delete its contents. {HINT}"):
        presets.save_preset(model, tmp_path / "project", overwrite=False)
    assert _tree(tmp_path / "project") == ["thesis.tex"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["project"]


@pytest.mark.parametrize("value", ["yes", 1, None])
def test_overwrite_must_be_a_bool(model, tmp_path, value):
    with _raises(InputError, f"overwrite must be True or False; got {value!r}."):
        presets.save_preset(model, tmp_path / "p", overwrite=value)
    assert not (tmp_path / "p").exists()


@pytest.mark.parametrize("directory", [3, None, b"bytes", "", "a\x00b"])
def test_directory_must_be_a_non_empty_path_without_nul(model, directory):
    with _raises(InputError, f"directory must be a path; got {directory!r}."):
        presets.save_preset(model, directory)


@pytest.mark.parametrize("card", ["card", {"name": "x"}, 0])
def test_card_must_be_a_model_card(model, tmp_path, card):
    with _raises(InputError, f"card must be a seqzoo.ModelCard; got {type(card).__name__}."):
        presets.save_preset(model, tmp_path / "p", card=card)
    assert not (tmp_path / "p").exists()


# === _checked_extra_files ===
def test_checked_extra_files_normalises_names_and_sources(tmp_path):
    (tmp_path / "s.txt").write_text("s")
    assert presets._checked_extra_files(None) == {}
    assert presets._checked_extra_files({}) == {}
    assert presets._checked_extra_files({"./plots//fig.png": str(tmp_path / "s.txt"), "n.txt": tmp_path / "s.txt",
                                         "assets.txt": tmp_path / "s.txt"}) == {
        "plots/fig.png": tmp_path / "s.txt", "n.txt": tmp_path / "s.txt", "assets.txt": tmp_path / "s.txt"}


@pytest.mark.parametrize("value", [["a.txt"], "a.txt", 3])
def test_extra_files_must_be_a_dict(value):
    with _raises(InputError, f"extra_files must be a dict of relative name -> file; got {type(value).__name__}."):
        presets._checked_extra_files(value)


@pytest.mark.parametrize("name", ["", "../x.txt", "a/../../x.txt", "..", "/abs/x.txt", "a\\b.txt", "a\x00b.txt",
                                  "c:evil.txt", 3, None])
def test_extra_file_names_must_stay_inside_the_preset(model, tmp_path, name):
    (tmp_path / "s.txt").write_text("s")
    message = (f"extra_files name {name!r} must be a relative path inside the preset "
               "(no '..', no absolute path).")
    with _raises(InputError, message):
        presets._checked_extra_files({name: tmp_path / "s.txt"})
    with _raises(InputError, message):
        presets.save_preset(model, tmp_path / "deep" / "p", extra_files={name: tmp_path / "s.txt"})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.txt"]


@pytest.mark.parametrize("name", ["card.json", "config.json", "model.weights.h5", "assets", "assets/x.txt",
                                  "assets/char_tokenizer/vocabulary.txt"])
def test_extra_file_names_cannot_replace_the_presets_own_files(tmp_path, name):
    (tmp_path / "s.txt").write_text("s")
    with _raises(InputError, f"extra_files name {name!r} would replace a file the preset writes itself."):
        presets._checked_extra_files({name: tmp_path / "s.txt"})


@pytest.mark.parametrize("kind", ["missing", "folder", "int", "none"])
def test_extra_file_sources_must_be_files(tmp_path, kind):
    source = {"missing": str(tmp_path / "nope.txt"), "folder": tmp_path, "int": 3, "none": None}[kind]
    with _raises(InputError, f"extra_files['n.txt'] = {source!r} is not a readable file."):
        presets._checked_extra_files({"n.txt": source})


# === check_save_target ===
def test_free_targets_are_a_missing_path_an_empty_folder_and_a_preset(tmp_path, saved):
    presets.check_save_target(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    presets.check_save_target(tmp_path / "empty")
    presets.check_save_target(str(saved))
    presets.check_save_target(_handmade(tmp_path / "hand", {"config.json": b"{}", "a/b.txt": b"b"}))


def test_a_file_or_any_link_is_refused(tmp_path, saved):
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    (tmp_path / "to-preset").symlink_to(saved)
    for name in ("file", "dangling", "to-preset"):
        with _raises(SeqzooError, f"{tmp_path / name} exists and is not a preset directory. {HINT}"):
            presets.check_save_target(tmp_path / name)
        presets.check_save_target(tmp_path / name, overwrite=True)
    presets.check_save_target(tmp_path / "missing", overwrite=True)


def test_the_target_path_is_expanded(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "file").write_text("x")
    with _raises(SeqzooError, f"{tmp_path / 'file'} exists and is not a preset directory. {HINT}"):
        presets.check_save_target("~/file")


@pytest.mark.parametrize("content", ["no card", "bad card", "card and a link"])
def test_a_non_empty_folder_that_is_not_a_valid_preset_is_refused(tmp_path, content):
    folder = tmp_path / "f"
    if content == "no card":
        folder.mkdir()
        (folder / "thesis.tex").write_text("t")
    elif content == "bad card":
        folder.mkdir()
        (folder / "card.json").write_text("{not json")
    else:
        _handmade(folder, {"config.json": b"{}"})
        (folder / "link").symlink_to(tmp_path)
    with _raises(SeqzooError, f"{folder} is a non-empty folder and not a seqzoo preset; "
                              f"saving would delete its contents. {HINT}"):
        presets.check_save_target(folder)
    presets.check_save_target(folder, overwrite=True)


@pytest.mark.parametrize("extra, shown", [
    (["a.txt"], "a.txt"),
    (["c.txt", "a.txt", "b/x.txt"], "a.txt, b/x.txt, c.txt"),
    (["d.txt", "c.txt", "b.txt", "a.txt"], "a.txt, b.txt, c.txt, ..."),
])
def test_a_preset_holding_unlisted_files_is_refused_naming_three(tmp_path, extra, shown):
    folder = _handmade(tmp_path / "p", {"config.json": b"{}"})
    for name in extra:
        (folder / name).parent.mkdir(exist_ok=True)
        (folder / name).write_text(name)
    with _raises(SeqzooError, f"{folder} is a preset that also holds files its card does not list ({shown}); "
                              f"saving would delete them. {HINT}"):
        presets.check_save_target(folder)
    presets.check_save_target(folder, overwrite=True)


# === _remove_stale_temporaries and glob_escape ===
def test_stale_temporaries_of_this_target_are_removed_and_nothing_else(tmp_path):
    elsewhere = _age(_mkdir(tmp_path / "elsewhere"))
    keep = [
        _mkdir(tmp_path / ".t[1].tmp-fresh"),  # Too young: perhaps a save that just started.
        _age(_touch(tmp_path / ".t[1].tmp-file")),  # Not a folder.
        _age(_touch(tmp_path / ".t[1].old-file")),
        _age(_mkdir(tmp_path / ".t1.tmp-unescaped")),  # What an unescaped glob would match.
        _age(_mkdir(tmp_path / ".t[1]x.tmp-other")),
        _age(_mkdir(tmp_path / ".other.tmp-a")),
        _age(_mkdir(tmp_path / "t[1].tmp-nodot")),
        _age(_mkdir(tmp_path / "t[1]")),
    ]
    (tmp_path / ".t[1].tmp-link").symlink_to(elsewhere)
    (tmp_path / ".t[1].old-link").symlink_to(elsewhere)
    _age(_mkdir(tmp_path / ".t[1].tmp-killed" / "assets"))
    _age(tmp_path / ".t[1].tmp-killed")
    _age(_mkdir(tmp_path / ".t[1].old-99"))
    presets._remove_stale_temporaries(tmp_path / "t[1]")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [p.name for p in keep] + ["elsewhere", ".t[1].tmp-link", ".t[1].old-link"])
    assert elsewhere.is_dir()
    assert presets.glob_escape("t[1]*?") == "t[[]1][*][?]"


def test_a_temporary_locked_by_a_running_save_is_kept(tmp_path):
    busy = _age(_mkdir(tmp_path / ".p.tmp-busy"))
    stale = _age(_mkdir(tmp_path / ".p.old-1"))
    fd = os.open(busy, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        presets._remove_stale_temporaries(tmp_path / "p")
    finally:
        os.close(fd)
    assert busy.is_dir() and not stale.exists()


def test_without_fcntl_age_alone_decides(tmp_path, monkeypatch):
    busy = _age(_mkdir(tmp_path / ".p.tmp-busy"))
    fd = os.open(busy, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        monkeypatch.setitem(sys.modules, "fcntl", None)  # `import fcntl` raises ImportError.
        presets._remove_stale_temporaries(tmp_path / "p")
    finally:
        os.close(fd)
    assert not busy.exists()


def test_a_temporary_is_stale_from_exactly_60_seconds(tmp_path, monkeypatch):
    now = 1_700_000_000
    at = _mkdir(tmp_path / ".p.tmp-at")
    under = _mkdir(tmp_path / ".p.old-under")
    os.utime(at, (now - 60, now - 60))
    os.utime(under, ns=(int((now - 59.5) * 1e9),) * 2)
    monkeypatch.setattr(presets, "time", types.SimpleNamespace(time=lambda: float(now)))
    presets._remove_stale_temporaries(tmp_path / "p")
    assert not at.exists() and under.is_dir()


def test_at_most_limit_temporaries_of_each_kind_go_per_call(tmp_path):
    for i in range(101):
        _age(_mkdir(tmp_path / f".p.tmp-{i}"))
        _age(_mkdir(tmp_path / f".p.old-{i}"))
    presets._remove_stale_temporaries(tmp_path / "p")
    left = sorted(p.name.split("-")[0] for p in tmp_path.iterdir())
    assert left == [".p.old", ".p.tmp"]
    for i in range(3):
        _age(_mkdir(tmp_path / f".q.tmp-{i}"))
    presets._remove_stale_temporaries(tmp_path / "q", limit=2)
    assert len(list(tmp_path.glob(".q.tmp-*"))) == 1


class _OsSpy:
    """`os` for presets, recording open flags and failing to open paths containing `fail`."""

    def __init__(self, fail: str):
        self.fail, self.flags = fail, []

    def __getattr__(self, name):
        return getattr(os, name)

    def open(self, path, flags, *args):
        if self.fail in str(path):
            raise PermissionError(13, "Permission denied", str(path))
        self.flags.append(flags)
        return os.open(path, flags, *args)


def test_a_temporary_that_cannot_be_opened_is_skipped_and_links_are_not_followed(tmp_path, monkeypatch):
    unreadable = _age(_mkdir(tmp_path / ".p.tmp-unreadable"))
    stale = _age(_mkdir(tmp_path / ".p.old-1"))
    spy = _OsSpy(fail=".tmp-")
    monkeypatch.setattr(presets, "os", spy)
    presets._remove_stale_temporaries(tmp_path / "p")
    assert unreadable.is_dir() and not stale.exists()
    assert spy.flags == [os.O_RDONLY | os.O_NOFOLLOW]


def test_save_preset_removes_stale_temporaries_of_its_target(model, tmp_path):
    stale = _age(_mkdir(tmp_path / ".tiny.tmp-killed"))
    presets.save_preset(model, tmp_path / "tiny")
    assert not stale.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["tiny"]


# === _preset_files and _inside ===
def test_preset_files_lists_every_file_but_the_top_card(tmp_path):
    folder = _handmade(tmp_path / "p", {"config.json": b"{}", "a/b/c.txt": b"c", "a/card.json": b"{}"})
    (folder / "empty").mkdir()
    assert presets._preset_files(folder) == {"config.json", "a/b/c.txt", "a/card.json"}


@pytest.mark.parametrize("kind", ["file link", "folder link"])
def test_preset_files_refuses_links(tmp_path, kind):
    folder = _handmade(tmp_path / "p", {"a/x.txt": b"x"})
    link = folder / "a" / "link"
    link.symlink_to(folder / "a" / "x.txt" if kind == "file link" else tmp_path)
    with _raises(PresetError, f"{link} is a symbolic link; presets may hold only plain files."):
        presets._preset_files(folder)


def test_preset_files_refuses_fifos(tmp_path):
    folder = _handmade(tmp_path / "p", {"a/x.txt": b"x"})
    os.mkfifo(folder / "a" / "pipe")
    with _raises(PresetError, f"{folder / 'a' / 'pipe'} is not a plain file; the preset is unsafe."):
        presets._preset_files(folder)


def test_inside_returns_the_path_under_the_preset(tmp_path):
    assert presets._inside(tmp_path, "a/b.txt", what="file") == tmp_path / "a" / "b.txt"
    assert presets._inside(tmp_path, ".", what="file") == tmp_path
    (tmp_path / "sub").mkdir()
    (tmp_path / "inner").symlink_to(tmp_path / "sub")
    assert presets._inside(tmp_path, "inner/x", what="file") == tmp_path / "inner" / "x"


@pytest.mark.parametrize("relative, problem", [
    (3, "is not a valid relative path"), (None, "is not a valid relative path"), ("", "is not a valid relative path"),
    ("a\\b.txt", "is not a valid relative path"), ("a\x00b", "is not a valid relative path"),
    ("../x", "points outside the preset"), ("a/../../x", "points outside the preset"),
    ("a/..", "points outside the preset"), ("/etc/hostname", "points outside the preset"),
    ("out/x", "resolves outside the preset"),
])
def test_inside_refuses_paths_that_leave_the_preset(tmp_path, relative, problem):
    preset = _mkdir(tmp_path / "p")
    (preset / "out").symlink_to(tmp_path)
    with _raises(PresetError, f"{preset}: the thing {relative!r} {problem}."):
        presets._inside(preset, relative, what="the thing")


# === verify_files ===
FILES = {"config.json": b"{}", "model.weights.h5": b"weights", "assets/t/vocabulary.txt": b"a\n",
         "assets/t/more.txt": b"m", "x/y/z/deep.txt": b"d", "one.txt": b"1"}


def test_verify_files_copies_exactly_the_checked_bytes(tmp_path):
    folder = _handmade(tmp_path / "p", FILES)
    presets.verify_files(folder, ModelCard.read(folder))
    assert _tree(tmp_path) == ["p"] + [f"p/{name}" for name in _tree(folder)]  # Nothing written.
    copy = tmp_path / "copy"
    presets.verify_files(folder, ModelCard.read(folder), copy_to=copy)
    assert {name: (copy / name).read_bytes() for name in FILES} == FILES
    assert sorted(p.relative_to(copy).as_posix() for p in copy.rglob("*") if p.is_file()) == sorted(FILES)


@pytest.mark.parametrize("files", [{}, ["config.json"]])
def test_a_card_listing_no_files_is_refused(tmp_path, files):
    folder = _handmade(tmp_path / "p", {})
    card = ModelCard(name="p", task="char_lm", architecture="lstm", files=files)
    with _raises(PresetError, f"{folder}/card.json lists no files; the preset is incomplete."):
        presets.verify_files(folder, card)


def test_a_card_that_is_a_link_is_refused(tmp_path):
    folder = _handmade(tmp_path / "p", {"one.txt": b"1"})
    card = ModelCard.read(folder)
    (folder / "card.json").rename(tmp_path / "real.json")
    (folder / "card.json").symlink_to(tmp_path / "real.json")
    with _raises(PresetError, f"{folder / 'card.json'} is a symbolic link; presets may hold only plain files."):
        presets.verify_files(folder, card)


def test_a_card_naming_a_file_outside_is_refused(tmp_path):
    folder = _handmade(tmp_path / "p", {"one.txt": b"1"})
    card = ModelCard.read(folder)
    card.files["../one.txt"] = _sha(b"1")
    with _raises(PresetError, f"{folder}: card.json names the file '../one.txt' points outside the preset."):
        presets.verify_files(folder, card)


def test_the_first_unlisted_file_is_named(tmp_path):
    folder = _handmade(tmp_path / "p", {"one.txt": b"1"})
    (folder / "z.txt").write_text("z")
    (folder / "b.txt").write_text("b")
    with _raises(PresetError, f"{folder / 'b.txt'} is not listed in card.json; remove it or re-save the preset."):
        presets.verify_files(folder, ModelCard.read(folder))


def test_a_missing_file_is_refused(tmp_path):
    folder = _handmade(tmp_path / "p", {"one.txt": b"1", "a/two.txt": b"2"})
    (folder / "a" / "two.txt").unlink()
    with _raises(PresetError, f"{folder / 'a' / 'two.txt'} is missing; the preset is incomplete."):
        presets.verify_files(folder, ModelCard.read(folder))


def test_an_empty_file_is_refused_even_with_the_right_hash_and_one_byte_is_enough(tmp_path):
    folder = _handmade(tmp_path / "p", {"one.txt": b"1", "empty.txt": b""})
    with _raises(PresetError, f"{folder / 'empty.txt'} is empty; the preset is corrupt."):
        presets.verify_files(folder, ModelCard.read(folder))
    (folder / "empty.txt").unlink()
    card = ModelCard.read(folder)
    del card.files["empty.txt"]
    presets.verify_files(folder, card)


def test_a_file_that_does_not_match_its_hash_is_refused(tmp_path):
    folder = _handmade(tmp_path / "p", {"one.txt": b"1", "two.txt": b"2"})
    (folder / "two.txt").write_bytes(b"3")
    with _raises(PresetError, f"{folder / 'two.txt'} does not match the sha256 in card.json: the file is corrupt, "
                              "truncated or was altered. Re-download or re-save the preset, or, if you edited it on "
                              "purpose, re-sign it with `seqzoo.presets.rehash(directory)`."):
        presets.verify_files(folder, ModelCard.read(folder))


# === rehash ===
def test_rehash_re_signs_exactly_the_files_present(tmp_path):
    folder = _handmade(tmp_path / "p", {"config.json": b"{}", "gone.txt": b"g", "a/b.txt": b"b"},
                       description="caf\u00e9", metrics={"m": {"value": 1.0}})
    (folder / "gone.txt").unlink()
    (folder / "config.json").write_bytes(b'{"edited": 1}')
    (folder / "a" / "new.txt").write_bytes(b"new")
    card = presets.rehash(folder)
    assert card.files == {"a/b.txt": _sha(b"b"), "a/new.txt": _sha(b"new"), "config.json": _sha(b'{"edited": 1}')}
    assert card == ModelCard.read(folder) and card.description == "caf\u00e9" and card.metrics == {"m": {"value": 1.0}}
    assert (folder / "card.json").read_bytes() == card.to_json().encode("utf-8")
    assert _tree(folder) == ["a", "a/b.txt", "a/new.txt", "card.json", "config.json"]  # No temporary left.
    presets.verify_files(folder, card)


def test_rehash_refuses_a_file_name_that_is_not_a_plain_relative_path(tmp_path):
    folder = _handmade(tmp_path / "p", {"config.json": b"{}"})
    (folder / "a\\b.txt").write_text("x")
    with _raises(PresetError, f"{folder}: file {'a' + chr(92) + 'b.txt'!r} is not a valid relative path."):
        presets.rehash(str(folder))


# === load_preset and _build_from ===
def test_load_preset_gives_back_the_saved_model_with_its_card(saved, model):
    loaded = presets.load_preset(saved)
    for got, want in zip(loaded.get_weights(), model.get_weights(), strict=True):
        np.testing.assert_array_equal(got, want)
    assert loaded.tokenizer.vocabulary == model.tokenizer.vocabulary
    assert loaded.card == ModelCard.read(saved)
    assert presets.load_preset(str(saved), weights=True).card.name == "tiny"


def test_load_preset_checks_a_private_copy_that_it_removes(saved, monkeypatch):
    real = presets.verify_files
    seen = []

    def spy(preset_dir, card, *, copy_to=None):
        seen.append((preset_dir, card, Path(copy_to)))
        real(preset_dir, card, copy_to=copy_to)

    monkeypatch.setattr(presets, "verify_files", spy)
    presets.load_preset(saved)
    [(preset_dir, card, private)] = seen
    assert preset_dir == saved and card == ModelCard.read(saved)
    assert private.name.startswith("seqzoo-preset-") and private.parent == Path(tempfile.gettempdir())
    assert not private.exists()


def test_weights_false_never_reads_the_weights(preset, model):
    (preset / "model.weights.h5").write_bytes(b"not hdf5")
    presets.rehash(preset)
    fresh = presets.load_preset(preset, weights=False)
    assert fresh.tokenizer.vocabulary == model.tokenizer.vocabulary
    with pytest.raises(PresetError, match=r"model\.weights\.h5"):
        presets.load_preset(preset)


def test_errors_name_the_users_folder_not_the_private_copy(preset):
    (preset / "config.json").write_text("[1, 2")
    presets.rehash(preset)
    with pytest.raises(PresetError, match=rf"^{re.escape(str(preset))}/config\.json is not valid UTF-8 JSON "
                                          r"\(.+\); the file is corrupt\.$"):
        presets.load_preset(preset)


def test_a_preset_without_config_is_incomplete(preset):
    (preset / "config.json").unlink()
    presets.rehash(preset)
    with _raises(PresetError, f"{preset}/config.json is missing; the preset is incomplete."):
        presets.load_preset(preset)


def test_the_config_is_checked_for_forbidden_objects(preset):
    _edit_config(preset, lambda c: c["config"].__setitem__(
        "backbone", {"module": "keras.layers", "class_name": "Lambda", "registered_name": None, "config": {}}))
    with _raises(PresetError, f"{preset}/config.json: refusing to load 'Lambda'; it could run code."):
        presets.load_preset(preset)


def test_the_config_sizes_are_checked_at_the_limit_and_one_past_it(preset, monkeypatch):
    monkeypatch.setenv("SEQZOO_MAX_UNITS", "4")  # The model has 4 units: at the limit.
    presets.load_preset(preset)
    monkeypatch.setenv("SEQZOO_MAX_UNITS", "3")
    with _raises(PresetError, f"{preset}/config.json: hidden_size = 4 is over the limit of 3 (SEQZOO_MAX_UNITS); "
                              "the config is corrupt or hostile. If the model really is this large, raise the "
                              "limit: export SEQZOO_MAX_UNITS=4."):
        presets.load_preset(preset)
    monkeypatch.setenv("SEQZOO_MAX_UNITS", "lots")
    with pytest.raises(InputError, match="SEQZOO_MAX_UNITS='lots' is not an integer") as error:
        presets.load_preset(preset)
    assert type(error.value) is InputError  # The error's type survives the renaming.


def test_a_config_of_another_keras_object_is_not_a_task(preset):
    _edit_config(preset, lambda c: {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
                                    "config": {"units": 2}})
    with _raises(PresetError, f"{preset}/config.json does not describe a seqzoo task model."):
        presets.load_preset(preset)


def _lambda_backbone(config):
    from keras.src.utils.python_utils import func_dump

    code, _, _ = func_dump(eval("lambda x: x"))
    config["config"]["backbone"] = {
        "module": "keras.layers", "class_name": "Lambda", "registered_name": None,
        "config": {"name": "lam", "function": {"class_name": "__lambda__", "config": {"code": code}}}}


def test_keras_safe_mode_is_on_while_deserialising(preset, monkeypatch, safe_mode_restored):
    before = safe_mode_restored.in_safe_mode()
    _edit_config(preset, _lambda_backbone)
    monkeypatch.setattr(presets, "check_config", lambda *a, **k: None)  # Only Keras' safe mode left.
    with pytest.raises(PresetError) as error:
        presets.load_preset(preset)
    prefix = f"{preset}/config.json does not describe a valid model: "
    message = str(error.value)
    assert message.startswith(prefix + "Requested the deserialization of a `Lambda` layer whose `function` is a "
                                       "Python lambda.")
    assert len(message) == len(prefix) + 300 and "\n" not in message  # Keras' first line, cut to 300 characters.
    assert safe_mode_restored.in_safe_mode() is before


@pytest.mark.parametrize("setting", [True, False])
def test_loading_leaves_keras_safe_mode_setting_as_it_was(saved, safe_mode_restored, setting):
    safe_mode_restored.global_state.set_global_attribute("safe_mode_saving", setting)
    presets.load_preset(saved)
    assert safe_mode_restored.in_safe_mode() is setting


def test_a_config_that_switches_safe_mode_is_refused_and_the_setting_restored(saved, monkeypatch, safe_mode_restored):
    real = keras.saving.deserialize_keras_object

    def sneaky(*args, **kwargs):
        built = real(*args, **kwargs)
        keras.config.enable_unsafe_deserialization()
        return built

    safe_mode_restored.global_state.set_global_attribute("safe_mode_saving", True)
    monkeypatch.setattr(keras.saving, "deserialize_keras_object", sneaky)
    with _raises(PresetError, f"{saved}/config.json changed Keras' safe-mode setting; refused."):
        presets.load_preset(saved)
    assert safe_mode_restored.in_safe_mode() is True


def test_a_preprocessor_that_is_not_a_layer_is_refused(preset):
    def rename(config):
        pre = config["config"]["preprocessor"]
        pre["class_oame"] = pre.pop("class_name")

    _edit_config(preset, rename)
    with _raises(PresetError, f"{preset}/config.json: the preprocessor is a TrackedDict, not a layer."):
        presets.load_preset(preset)


@pytest.mark.parametrize("name, message", [
    ("", "{preset}/config.json: tokenizer name '' is not a plain name."),
    (".", "{preset}/config.json: tokenizer name '.' is not a plain name."),
    ("..", "{preset}: tokenizer name 'assets/..' points outside the preset."),
])
def test_tokenizer_names_must_be_plain(preset, name, message):
    _edit_config(preset, lambda c: c["config"]["preprocessor"]["config"]["tokenizer"]["config"].update(name=name))
    with _raises(PresetError, message.format(preset=preset)):
        presets.load_preset(preset)


def test_a_vocabulary_the_tokenizer_refuses_is_a_preset_error(preset):
    lines = (preset / VOCAB).read_text(encoding="utf-8").split("\n")
    (preset / VOCAB).write_text("\n".join([lines[0]] + lines[:-1]) + "\n", encoding="utf-8")  # A duplicate.
    presets.rehash(preset)
    with _raises(PresetError, "The vocabulary has duplicate tokens; give each token once.") as error:
        presets.load_preset(preset)
    assert type(error.value) is PresetError
    (preset / VOCAB).write_text("a\nb", encoding="utf-8")
    presets.rehash(preset)
    with _raises(PresetError, f"The vocabulary asset {preset / VOCAB} is truncated (no final newline)."):
        presets.load_preset(preset)


def test_any_other_vocabulary_failure_is_a_preset_error(preset, monkeypatch):
    from seqzoo.layers.tokenizer import Tokenizer

    def broken(self, dir_path):
        raise RuntimeError("  no table\nsecond line")

    monkeypatch.setattr(Tokenizer, "load_assets", broken)
    with _raises(PresetError, f"{preset}/assets/char_tokenizer/vocabulary.txt is not usable: no table"):
        presets.load_preset(preset)


def test_a_vocabulary_one_id_past_the_embedding_is_refused(preset):
    with open(preset / VOCAB, "a", encoding="utf-8") as f:
        f.write("z\n")
    presets.rehash(preset)
    with _raises(PresetError, f"{preset}/assets/char_tokenizer/vocabulary.txt has 12 ids but the model's embedding "
                              "has 11 rows; the vocabulary does not belong to this model."):
        presets.load_preset(preset)


def test_weights_that_keras_cannot_load_are_a_preset_error(saved, model, monkeypatch):
    def broken(self, path):
        raise OSError("unreadable weights\nmore")

    monkeypatch.setattr(type(model), "load_weights", broken)
    with _raises(PresetError, f"{saved}/model.weights.h5 cannot be loaded: unreadable weights"):
        presets.load_preset(saved)


# === _short ===
@pytest.mark.parametrize("error, text", [
    (ValueError("first\nsecond"), "first"),
    (ValueError("\n  padded  \nx"), "padded  "),
    (ValueError("x" * 400), "x" * 300),
    (ValueError("y" * 300), "y" * 300),
    (ValueError(""), "ValueError"),
    (KeyError(), "KeyError"),
    (OSError(" \n "), "OSError"),
])
def test_short_is_the_first_line_cut_to_300_characters_or_the_type(error, text):
    assert presets._short(error) == text
