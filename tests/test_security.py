"""Loading a preset is safe: integrity, no code execution, no reads outside, no bombs.

Each test here fails when the protection it names is removed (see docs/guides/security.md).
"""
import json
import os
import time

import h5py
import numpy as np
import pytest

import seqzoo
from seqzoo import PresetError, SeqzooError
from seqzoo.config_safety import check_config
from seqzoo.presets import CONFIG_FILE, WEIGHTS_FILE, rehash

VOCAB = "assets/char_tokenizer/vocabulary.txt"


def _edit_config(preset, edit):
    config = json.loads((preset / CONFIG_FILE).read_text())
    edit(config)
    (preset / CONFIG_FILE).write_text(json.dumps(config))
    rehash(preset)


# === 1. Integrity: every file hash-checked before parsing ===
@pytest.mark.parametrize("name", [CONFIG_FILE, WEIGHTS_FILE, VOCAB])
@pytest.mark.parametrize("damage", ["flip", "truncate", "empty", "missing"])
def test_damaged_file_is_refused_naming_file_and_problem(preset, name, damage):
    path = preset / name
    data = path.read_bytes()
    if damage == "flip":
        path.write_bytes(data[:10] + bytes([data[10] ^ 1]) + data[11:])
    elif damage == "truncate":
        path.write_bytes(data[: len(data) // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    else:
        path.unlink()
    problem = {"flip": "does not match", "truncate": "does not match", "empty": "empty", "missing": "missing"}
    with pytest.raises(PresetError, match=f"{os.path.basename(name)}.*{problem[damage]}"):
        seqzoo.load(preset)


def test_unexpected_extra_file_in_a_subfolder_is_refused(preset):
    (preset / "assets" / "char_tokenizer" / "extra.py").write_text("x = 1")
    with pytest.raises(PresetError, match="extra.py.*not listed"):
        seqzoo.load(preset)


def test_re_signed_garbage_files_give_preset_errors_not_raw_tracebacks(preset):
    (preset / WEIGHTS_FILE).write_bytes(b"\x89HDF\r\n\x1a\n" + b"\x00" * 300)
    rehash(preset)
    with pytest.raises(PresetError, match=WEIGHTS_FILE):
        seqzoo.load(preset)
    (preset / CONFIG_FILE).write_text("[1, 2")
    rehash(preset)
    with pytest.raises(PresetError, match=CONFIG_FILE):
        seqzoo.load(preset)


# === 2. No code execution ===
PAYLOADS = [
    {"module": "keras.layers", "class_name": "Lambda", "config": {}},
    {"module": "os", "class_name": "system", "config": {}},
    {"module": "my_plugin", "class_name": "Evil", "config": {}},
    {"module": "keras.utils", "class_name": "get_file", "config": {}},
    {"module": "keras.config", "class_name": "enable_unsafe_deserialization", "config": {}},
    {"module": "keras.saving", "class_name": "load_model", "config": {}},
    {"module": "keras.layers", "class_name": "deserialize", "config": {}},
    {"module": None, "class_name": "deserialize", "config": {}},
    {"module": "keras.layers", "class_name": "Dense", "registered_name": "evil>Dense", "config": {}},
    {"module": "keras.layers", "class_name": "Dense", "registered_name": "seqzoo>NotAClass", "config": {}},
    {"class_name": "function", "module": "os", "config": "system"},
    {"class_name": "function", "module": "keras.utils", "config": "get_file"},
    {"class_name": "function", "module": "keras.config", "config": "enable_unsafe_deserialization"},
    {"class_name": "function", "module": "keras.saving", "config": "load_model"},
    {"class_name": "__lambda__", "config": {"code": "print(1)"}},
    {"class_name": "__typespec__", "spec_name": "system", "module": "os", "config": {}},
]


@pytest.mark.parametrize("payload", PAYLOADS, ids=lambda p: f"{p.get('module')}.{p['class_name']}")
def test_config_checker_refuses_code_paths(payload):
    with pytest.raises(PresetError, match="refusing|not a registered"):
        check_config({"config": {"activation": payload}}, source="config.json")


def test_config_checker_accepts_keras_layers_and_seqzoo_classes(tiny_lm):
    import keras

    config = keras.saving.serialize_keras_object(tiny_lm)
    config.pop("compile_config", None)  # save_preset drops it too.
    check_config(config, source="config.json")


@pytest.mark.parametrize("payload", PAYLOADS[:6], ids=lambda p: f"{p.get('module')}.{p['class_name']}")
def test_payload_in_signed_preset_is_refused_and_never_runs(preset, tmp_path, payload):
    from keras.src.saving import serialization_lib

    sentinel = tmp_path / "pwned"
    payload = dict(payload, registered_name=None, config={"command": f"touch {sentinel}"})
    _edit_config(preset, lambda c: c["config"].__setitem__("backbone", payload))
    before = serialization_lib.in_safe_mode()
    with pytest.raises(PresetError, match="refusing"):
        seqzoo.load(preset)
    assert not sentinel.exists()
    assert serialization_lib.in_safe_mode() == before


def test_keras_safe_mode_still_refuses_lambda_without_the_allow_list(preset, tmp_path, monkeypatch):
    # Defence in depth: the allow-list is off here, Keras' safe mode must still hold.
    from keras.src.saving import serialization_lib
    from keras.src.utils.python_utils import func_dump

    sentinel = tmp_path / "pwned"
    code, _, _ = func_dump(eval(f"lambda x: open({str(sentinel)!r}, 'w') and x"))
    lam = {"module": "keras.layers", "class_name": "Lambda", "registered_name": None,
           "config": {"name": "lam", "function": {"class_name": "__lambda__", "config": {"code": code}}}}
    _edit_config(preset, lambda c: c["config"].__setitem__("backbone", lam))
    monkeypatch.setattr("seqzoo.presets.check_config", lambda *a, **k: None)
    before = serialization_lib.in_safe_mode()
    with pytest.raises(PresetError, match="unsafe|safe_mode"):
        seqzoo.load(preset)
    assert not sentinel.exists()
    assert serialization_lib.in_safe_mode() == before


def test_loading_leaves_keras_safe_mode_on(preset):
    from keras.src.saving import serialization_lib

    assert serialization_lib.in_safe_mode() in (None, True)
    before = serialization_lib.in_safe_mode()
    seqzoo.load(preset)
    seqzoo.load("names-lstm")
    assert serialization_lib.in_safe_mode() == before


def test_load_refuses_and_restores_if_safe_mode_was_switched_off(preset, monkeypatch):
    import keras
    from keras.src.saving import serialization_lib

    real = keras.saving.deserialize_keras_object

    def sneaky(*args, **kwargs):
        model = real(*args, **kwargs)
        keras.config.enable_unsafe_deserialization()
        return model

    before = serialization_lib.in_safe_mode()
    monkeypatch.setattr(keras.saving, "deserialize_keras_object", sneaky)
    with pytest.raises(PresetError, match="safe-mode"):
        seqzoo.load(preset)
    assert serialization_lib.in_safe_mode() == before


def test_tampered_config_is_caught_by_the_card_hash(preset):
    text = (preset / CONFIG_FILE).read_text().replace('"hidden_size": 16', '"hidden_size": 17')
    (preset / CONFIG_FILE).write_text(text)
    with pytest.raises(PresetError, match="config.json.*sha256.*rehash"):
        seqzoo.load(preset)


def test_rehash_is_explicit_and_re_signs_edited_files(preset):
    tokens = (preset / VOCAB).read_text(encoding="utf-8").split("\n")[:-1]
    tokens[-1] = "\u00e9"  # Swap the rarest character for another: same number of ids.
    (preset / VOCAB).write_text("\n".join(tokens) + "\n", encoding="utf-8")
    with pytest.raises(PresetError, match="sha256"):
        seqzoo.load(preset)
    rehash(preset)
    assert "\u00e9" in seqzoo.load(preset, weights=False).tokenizer.vocabulary


def test_rehash_refuses_symlinks(preset, tmp_path):
    (tmp_path / "secret").write_text("s")
    (preset / "assets" / "link.txt").symlink_to(tmp_path / "secret")
    with pytest.raises(PresetError, match="symbolic link"):
        rehash(preset)


# === 3. No reading outside the preset ===
@pytest.mark.parametrize("key", ["../outside.txt", "/etc/hostname", "assets/../../outside.txt", "a\\..\\b", ""])
def test_card_file_names_outside_the_preset_are_refused(preset, tmp_path, key):
    (tmp_path / "outside.txt").write_text("x")
    card = json.loads((preset / "card.json").read_text())
    card["files"][key] = "0" * 64
    (preset / "card.json").write_text(json.dumps(card))
    with pytest.raises(PresetError, match="outside|not a valid"):
        seqzoo.load(preset)


@pytest.mark.parametrize("target", ["file", "dir"])
def test_symlinks_in_the_preset_are_refused(preset, tmp_path, target):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "vocabulary.txt").write_text("a\n")
    vocab_dir = preset / "assets" / "char_tokenizer"
    if target == "file":
        (vocab_dir / "vocabulary.txt").unlink()
        (vocab_dir / "vocabulary.txt").symlink_to(outside / "vocabulary.txt")
    else:
        for p in vocab_dir.iterdir():
            p.unlink()
        vocab_dir.rmdir()
        vocab_dir.symlink_to(outside)
    with pytest.raises(PresetError, match="symbolic link|resolves outside"):
        seqzoo.load(preset)


@pytest.mark.parametrize("name", ["..", ".", "../../etc", "/etc"])
def test_tokenizer_name_cannot_escape_assets(preset, name):
    # Keras itself refuses "/" in layer names; ".." and "." are seqzoo's to refuse.
    def edit(config):
        config["config"]["preprocessor"]["config"]["tokenizer"]["config"]["name"] = name

    _edit_config(preset, edit)
    with pytest.raises(PresetError, match="tokenizer name" if "/" not in name else "valid model"):
        seqzoo.load(preset)


def _add_to_weights(preset, make):
    with h5py.File(preset / WEIGHTS_FILE, "a") as f:
        make(f, f["layers/dense/vars"])
    rehash(preset)


def test_hdf5_soft_link_is_refused(preset):
    _add_to_weights(preset, lambda f, g: g.__setitem__("2", h5py.SoftLink("/layers/dense/vars/0")))
    with pytest.raises(PresetError, match="SoftLink"):
        seqzoo.load(preset)


def test_hdf5_external_link_is_refused(preset, tmp_path):
    with h5py.File(tmp_path / "other.h5", "w") as other:
        other["x"] = np.zeros(3)
    _add_to_weights(preset, lambda f, g: g.__setitem__("2", h5py.ExternalLink(str(tmp_path / "other.h5"), "x")))
    with pytest.raises(PresetError, match="ExternalLink"):
        seqzoo.load(preset)


def test_hdf5_external_storage_is_refused(preset, tmp_path):
    raw = tmp_path / "raw.bin"
    raw.write_bytes(np.zeros((16, 8), np.float32).tobytes())

    def make(f, g):
        kernel = g["0"][()]
        del g["0"]
        g.create_dataset("0", shape=kernel.shape, dtype="float32", external=[(str(raw), 0, kernel.nbytes)])

    _add_to_weights(preset, make)
    with pytest.raises(PresetError, match="outside the file"):
        seqzoo.load(preset)


def test_hdf5_virtual_dataset_is_refused(preset):
    def make(f, g):
        kernel = g["0"]
        layout = h5py.VirtualLayout(shape=kernel.shape, dtype=kernel.dtype)
        layout[:] = h5py.VirtualSource(kernel)
        g.create_virtual_dataset("2", layout)

    _add_to_weights(preset, make)
    with pytest.raises(PresetError, match="outside the file"):
        seqzoo.load(preset)


# === 4. Bombs fail fast ===
def test_huge_declared_tensor_fails_fast(preset):
    def make(f, g):
        del g["0"]
        g.create_dataset("0", shape=(10**6, 10**6), dtype="float32", chunks=(1, 1024), compression="gzip")

    _add_to_weights(preset, make)
    start = time.perf_counter()
    with pytest.raises(PresetError, match="declares .* bytes, over the limit"):
        seqzoo.load(preset)
    assert time.perf_counter() - start < 10


def test_compression_bomb_under_the_cap_is_refused_by_shape(preset):
    def make(f, g):
        del g["0"]
        g.create_dataset("0", data=np.zeros((4096, 4096), np.float32), compression="gzip", compression_opts=9)

    _add_to_weights(preset, make)
    assert (preset / WEIGHTS_FILE).stat().st_size < 2_000_000  # 64 MB once expanded.
    with pytest.raises(PresetError, match=r"\(4096, 4096\), which no variable expects"):
        seqzoo.load(preset)


def test_tensor_size_cap_is_configurable(preset, monkeypatch):
    seqzoo.load(preset)
    monkeypatch.setenv("SEQZOO_MAX_TENSOR_BYTES", "100")
    with pytest.raises(PresetError, match="over the limit of 100"):
        seqzoo.load(preset)


# === 6. Config that no longer fits the weights ===
def test_config_weights_mismatch_lists_expected_and_found_shapes(preset):
    text = (preset / CONFIG_FILE).read_text().replace('"hidden_size": 16', '"hidden_size": 12')
    (preset / CONFIG_FILE).write_text(text)
    rehash(preset)
    with pytest.raises(PresetError) as info:
        seqzoo.load(preset)
    message = str(info.value)
    assert "expects shape (12, 48)" in message and "(16, 64), which no variable expects" in message
    assert "recurrent_kernel" in message and "lstm" in message


# === 11. Dependency floor ===
@pytest.mark.parametrize("version", ["3.15.0", "3.9.9", "2.15.0", "3.15.0rc2"])
def test_old_keras_is_refused_with_a_clear_error(version):
    from seqzoo.presets import check_keras_version

    with pytest.raises(SeqzooError, match=f"keras>=3.15.1.*keras {version}"):
        check_keras_version(version)


@pytest.mark.parametrize("version", ["3.15.1", "3.16.0", "3.20.0.dev2026", "4.0.0"])
def test_current_keras_is_accepted(version):
    from seqzoo.presets import check_keras_version

    check_keras_version(version)


def test_version_check_runs_at_import(monkeypatch):
    import importlib

    import keras

    import seqzoo.presets

    monkeypatch.setattr(keras, "__version__", "3.14.0")
    try:
        with pytest.raises(SeqzooError, match="keras>=3.15.1"):
            importlib.reload(seqzoo.presets)
    finally:
        monkeypatch.undo()
        importlib.reload(seqzoo.presets)


def test_config_whose_preprocessor_is_not_a_layer_is_a_preset_error(preset):
    # Found by tests/test_fuzz.py: one flipped bit in "class_name" made Keras return a dict.
    def edit(config):
        pre = config["config"]["preprocessor"]
        pre["class_oame"] = pre.pop("class_name")

    _edit_config(preset, edit)
    with pytest.raises(PresetError, match="config.json"):
        seqzoo.load(preset)


def test_vocabulary_larger_than_the_embedding_is_refused(tiny_lm, tmp_path):
    from seqzoo.presets import rehash

    path = tmp_path / "grown"
    tiny_lm.save_preset(path)
    with open(path / "assets" / "char_tokenizer" / "vocabulary.txt", "a", encoding="utf-8") as f:
        f.write("é\n")
    rehash(path)
    with pytest.raises(PresetError, match="embedding has"):
        seqzoo.load(path)
