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
