"""Fuzzing the preset loader and the config checker: the right PresetError, or success where right.

A short run is part of the suite; SEQZOO_FUZZ_EXAMPLES=2000 runs a longer one.
"""
import json
import os
import re
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqzoo
from seqzoo import PresetError, SeqzooError
from seqzoo.config_safety import check_config
from seqzoo.presets import CONFIG_FILE, WEIGHTS_FILE, rehash

EXAMPLES = int(os.environ.get("SEQZOO_FUZZ_EXAMPLES", "30"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize="SEQZOO_FUZZ_EXAMPLES" not in os.environ,
                suppress_health_check=list(HealthCheck))
FILES = ["card.json", CONFIG_FILE, WEIGHTS_FILE, "assets/char_tokenizer/vocabulary.txt"]


@pytest.fixture(scope="module")
def template(tiny_lm, tmp_path_factory):
    path = tmp_path_factory.mktemp("fuzz") / "template"
    tiny_lm.save_preset(path)
    return path


mutation = st.tuples(
    st.sampled_from(["flip", "set", "insert", "delete", "truncate"]),
    st.floats(0, 1, exclude_max=True),  # Where, as a fraction of the file.
    st.integers(0, 255),
    st.integers(1, 64),
)


def _mutate(data: bytes, mutations) -> bytes:
    for kind, where, value, size in mutations:
        i = int(where * len(data)) if data else 0
        if kind == "flip" and data:
            data = data[:i] + bytes([data[i] ^ (1 << (value % 8))]) + data[i + 1:]
        elif kind == "set" and data:
            data = data[:i] + bytes([value]) * size + data[i + size:]
        elif kind == "insert":
            data = data[:i] + bytes([value]) * size + data[i:]
        elif kind == "delete":
            data = data[:i] + data[i + size:]
        elif kind == "truncate":
            data = data[:i]
    return data


@FUZZ
@given(name=st.sampled_from(FILES), mutations=st.lists(mutation, min_size=1, max_size=4), resign=st.booleans())
def test_load_of_mutated_preset_raises_only_seqzoo_errors(template, tmp_path_factory, name, mutations, resign):
    preset = tmp_path_factory.mktemp("case") / "p"
    shutil.copytree(template, preset)
    path = preset / name
    original = path.read_bytes()
    mutated = _mutate(original, mutations)
    path.write_bytes(mutated)
    try:
        error = _load_error(preset, resign)
        if mutated == original:
            assert error is None, f"an unchanged {name} was refused: {error}"
        elif error is None:
            # Only content nobody hashes or parses strictly may change and still load: the card's
            # own text, or (re-signed) a file whose change keeps it a valid preset.
            assert name == "card.json" or resign
        else:
            assert type(error) is PresetError, f"{type(error).__name__}: {error}"
            message = str(error)
            assert str(preset) in message, message  # Names the preset's file at fault.
            if not resign and name != "card.json":
                assert _refused_by_hash(name, message, empty=not mutated), message
    finally:
        shutil.rmtree(preset.parent, ignore_errors=True)


def _load_error(preset, resign):
    """The error that re-signing (when asked) and loading `preset` raise, or None when it loads."""
    try:
        if resign:  # Past the hash check, so the parsers themselves are exercised.
            rehash(preset)
        seqzoo.load(preset).predict(["Jo"])
    except SeqzooError as error:
        return error
    return None


def _refused_by_hash(name, message, *, empty):
    if empty:
        return f"{name} is empty; the preset is corrupt." in message
    return f"{name} does not match the sha256 in card.json" in message


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["class_name", "module", "registered_name", "config", "name", "x"]) | st.text(max_size=8),
        inner, max_size=5),
    max_leaves=20,
)


def _objects(config):
    """Every (class_name, module, registered_name) that `config` asks to build, at any depth."""
    if isinstance(config, dict):
        if "class_name" in config:
            yield (config.get("class_name"), config.get("module"), config.get("registered_name"))
        for value in config.values():
            yield from _objects(value)
    elif isinstance(config, list | tuple):
        for value in config:
            yield from _objects(value)


def _check_against_allowed(config, allowed):
    """check_config passes when every object is one the real preset builds; else a PresetError names one."""
    objects = list(_objects(config))
    unknown = [o for o in objects if not _hashable(o) or o not in allowed]
    try:
        check_config(config, source="config.json")
    except SeqzooError as error:
        assert type(error) is PresetError and str(error).startswith("config.json: "), repr(error)
        assert unknown, f"refused a config made only of the real preset's objects: {error}"
        named = [o for o in unknown if repr(o[0]) in str(error) or (o[2] and repr(o[2]) in str(error))]
        assert named, f"the message names none of {unknown}: {error}"
        return
    refused = [o for o in unknown if not isinstance(o[0], str) or o[0] in FORBIDDEN]
    assert not refused, f"accepted {refused}"


def _hashable(obj):
    return all(isinstance(part, str | int | float | bool | None) for part in obj)


FORBIDDEN = {"Lambda", "TFSMLayer", "function", "__lambda__", "TorchModuleWrapper"}


@pytest.fixture(scope="module")
def allowed(template):
    return set(_objects(json.loads((template / CONFIG_FILE).read_text())))


@FUZZ
@given(config=json_values)
def test_config_checker_on_random_json_raises_only_preset_errors(allowed, config):
    _check_against_allowed(config, allowed)
    if not list(_objects(config)):
        check_config(config, source="config.json")  # Nothing to build: nothing to refuse.


@FUZZ
@given(mutations=st.lists(mutation, min_size=1, max_size=6))
def test_config_checker_on_mutated_real_config_raises_only_preset_errors(template, allowed, mutations):
    text = _mutate((template / CONFIG_FILE).read_bytes(), mutations)
    try:
        config = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return
    _check_against_allowed(config, allowed)


def test_real_config_passes_and_each_forbidden_or_foreign_object_is_named(template, allowed):
    config = json.loads((template / CONFIG_FILE).read_text())
    check_config(config, source="config.json")
    assert ("LSTM", None, "seqzoo>LSTM") in allowed or any(o[2] and o[2].startswith("seqzoo>") for o in allowed)
    for bad, named in [
        ({"class_name": "Lambda", "module": "keras.layers", "registered_name": None}, "'Lambda'"),
        ({"class_name": 3, "module": None, "registered_name": None}, "3"),
        ({"class_name": "system", "module": "os", "registered_name": None}, "'os'"),
        ({"class_name": "deserialize", "module": "keras.layers", "registered_name": None}, "'deserialize'"),
        ({"class_name": "X", "module": None, "registered_name": "other>X"}, "'other>X'"),
        ({"class_name": "Dense", "module": ["keras.layers"], "registered_name": None}, "malformed"),
    ]:
        with pytest.raises(PresetError, match=re.escape(named)):
            check_config({"config": {"layers": [config, bad]}}, source="config.json")
