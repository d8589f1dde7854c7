"""Fuzzing the preset loader and the config checker: only SeqzooError may escape.

A short run is part of the suite; SEQZOO_FUZZ_EXAMPLES=2000 runs a longer one.
"""
import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import seqzoo
from seqzoo import SeqzooError
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
    path.write_bytes(_mutate(path.read_bytes(), mutations))
    try:
        if resign:  # Past the hash check, so the parsers themselves are exercised.
            rehash(preset)
        seqzoo.load(preset)
    except SeqzooError:
        pass
    finally:
        shutil.rmtree(preset.parent, ignore_errors=True)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from(["class_name", "module", "registered_name", "config", "name", "x"]) | st.text(max_size=8),
        inner, max_size=5),
    max_leaves=20,
)


@FUZZ
@given(config=json_values)
def test_config_checker_on_random_json_raises_only_preset_errors(config):
    try:
        check_config(config, source="config.json")
    except SeqzooError:
        pass


@FUZZ
@given(mutations=st.lists(mutation, min_size=1, max_size=6))
def test_config_checker_on_mutated_real_config_raises_only_preset_errors(template, mutations):
    text = _mutate((template / CONFIG_FILE).read_bytes(), mutations)
    try:
        config = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return
    try:
        check_config(config, source="config.json")
    except SeqzooError:
        pass
