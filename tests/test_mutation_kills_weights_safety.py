"""weights_safety.py: what mutation testing found untested (tools/mutation.py seqzoo/weights_safety.py).

The shape check's message (exact lines, counts, the cap of NAMES_SHOWN names) and the
limits read from the environment, tested on the functions themselves.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from seqzoo import weights_safety
from seqzoo.errors import InputError, PresetError

PATH = Path("model.weights.h5")


def message(expected, found) -> list[str]:
    with pytest.raises(PresetError) as error:
        weights_safety._check_shapes(PATH, expected, found)
    return str(error.value).split("\n")


def test_equal_shape_multisets_pass_whatever_the_names():
    weights_safety._check_shapes(PATH, {"a": [2, 3], "b": [4]}, {"layers/x/0": (4,), "layers/y/0": (2, 3)})


def test_a_mismatch_names_what_is_missing_and_what_is_extra_exactly():
    lines = message({"kernel": [2, 3], "bias": [3], "same": [7]}, {"t0": (3, 2), "t1": (3,), "t2": (7,)})
    assert lines == [
        "model.weights.h5 does not fit the model in config.json:",
        "  model variable kernel expects shape (2, 3), not in the file",
        "  file tensor t0 has shape (3, 2), which no variable expects",
        "Was config.json edited? Re-save the preset from the model that owns these weights.",
    ]


def test_at_most_five_names_each_then_a_count():
    expected = {f"v{i}": [i + 1] for i in range(5)}
    found = {f"t{i}": (100 + i,) for i in range(5)}
    lines = message(expected, found)
    assert len(lines) == 12 and not any("more" in line for line in lines)  # Exactly five: no count line.
    expected = {f"v{i}": [i + 1] for i in range(8)}
    found = {f"t{i}": (100 + i,) for i in range(13)}
    lines = message(expected, found)
    assert lines[6] == "  ... and 3 more model variables not in the file"
    assert lines[12] == "  ... and 8 more file tensors no variable expects"
    assert len(lines) == 14


def test_long_names_and_shapes_are_cut():
    lines = message({"v" * 300: [1]}, {"t" * 300: tuple(range(1, 60))})
    assert lines[1] == f"  model variable {'v' * 200} expects shape (1,), not in the file"
    assert lines[2] == f"  file tensor {'t' * 200} has shape {str(tuple(range(1, 60)))[:100]}, which no variable expects"


def test_limits_come_from_the_environment_and_must_be_positive(monkeypatch):
    monkeypatch.delenv("SEQZOO_MAX_WEIGHT_OBJECTS", raising=False)
    monkeypatch.delenv("SEQZOO_MAX_TENSOR_BYTES", raising=False)
    assert weights_safety.max_objects() == weights_safety.DEFAULT_MAX_OBJECTS
    assert weights_safety.max_tensor_bytes() == weights_safety.DEFAULT_MAX_TENSOR_BYTES
    monkeypatch.setenv("SEQZOO_MAX_WEIGHT_OBJECTS", "1")
    monkeypatch.setenv("SEQZOO_MAX_TENSOR_BYTES", "1")
    assert weights_safety.max_objects() == 1 and weights_safety.max_tensor_bytes() == 1
    for name in ("SEQZOO_MAX_WEIGHT_OBJECTS", "SEQZOO_MAX_TENSOR_BYTES"):
        monkeypatch.setenv(name, "0")
        with pytest.raises(InputError, match=name):
            weights_safety.max_objects() if "OBJECTS" in name else weights_safety.max_tensor_bytes()
        monkeypatch.setenv(name, "1")


# === The walk over a weights file, on small hand-made HDF5 files ===
h5py = pytest.importorskip("h5py")
np = pytest.importorskip("numpy")


def write(tmp_path, build) -> Path:
    path = tmp_path / "model.weights.h5"
    with h5py.File(path, "w") as f:
        build(f)
    return path


def refusal(path, expected=None) -> str:
    with pytest.raises(PresetError) as error:
        weights_safety.check_weights_file(path, expected or {})
    return str(error.value)


def test_tensor_names_are_paths_from_the_root_and_float64_passes(tmp_path):
    path = write(tmp_path, lambda f: f.create_dataset("layers/dense/vars/0", data=np.zeros((2, 3), np.float64)))
    weights_safety.check_weights_file(path, {"dense/kernel": (2, 3)})
    lines = refusal(path, {"dense/kernel": (3, 3)}).split("\n")
    assert lines[2] == "  file tensor layers/dense/vars/0 has shape (2, 3), which no variable expects"


def test_groups_may_nest_to_max_depth_but_not_deeper(tmp_path):
    depth = weights_safety.MAX_DEPTH
    at_limit = write(tmp_path, lambda f: f.create_dataset("/".join(["g"] * depth) + "/x", data=np.zeros(1)))
    weights_safety.check_weights_file(at_limit, {"x": (1,)})
    deeper = write(tmp_path, lambda f: f.create_dataset("/".join(["g"] * (depth + 1)) + "/x", data=np.zeros(1)))
    assert f"groups nest deeper than {depth} levels" in refusal(deeper)


def test_a_soft_link_a_shared_object_and_the_object_limit_are_named(tmp_path, monkeypatch):
    def soft(f):
        f.create_dataset("a", data=np.zeros(1))
        f["b"] = h5py.SoftLink("/a")
    assert refusal(write(tmp_path, soft)).endswith("'b' is a SoftLink; links out of the weights tree are refused.")

    def shared(f):
        f.create_dataset("a", data=np.zeros(1))
        f["b"] = f["a"]
    assert "links back to an object already seen (a hard-link loop or a shared object); refused." in refusal(
        write(tmp_path, shared))

    def many(f):
        for i in range(4):
            f.create_dataset(f"t{i}", data=np.zeros(1))
    path = write(tmp_path, many)
    monkeypatch.setenv("SEQZOO_MAX_WEIGHT_OBJECTS", "5")  # The root and 4 datasets: allowed.
    assert "more than" not in refusal(path, {"x": (2,)})  # (refused for its shapes only)
    monkeypatch.setenv("SEQZOO_MAX_WEIGHT_OBJECTS", "4")
    assert refusal(path).endswith("holds more than 4 groups and datasets (SEQZOO_MAX_WEIGHT_OBJECTS); "
                                  "the file is corrupt or hostile.")


def test_dtypes_sizes_and_unreadable_files_are_refused_with_the_reason(tmp_path, monkeypatch):
    complex_path = write(tmp_path, lambda f: f.create_dataset("c", data=np.zeros(2, np.complex64)))
    assert refusal(complex_path).endswith("'c' has the unsupported dtype complex64.")
    big = write(tmp_path, lambda f: f.create_dataset("w", data=np.zeros(4, np.float32)))
    monkeypatch.setenv("SEQZOO_MAX_TENSOR_BYTES", "16")
    weights_safety.check_weights_file(big, {"w": (4,)})  # 16 bytes: at the limit
    monkeypatch.setenv("SEQZOO_MAX_TENSOR_BYTES", "15")
    assert refusal(big).endswith("'w' declares 16 bytes, over the limit of 15 (SEQZOO_MAX_TENSOR_BYTES); "
                                 "the file is corrupt or hostile.")
    junk = tmp_path / "junk.h5"
    junk.write_bytes(b"not hdf5")
    assert refusal(junk).startswith(f"{junk} is not a readable weights file: ")
