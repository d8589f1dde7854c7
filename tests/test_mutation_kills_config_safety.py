"""config_safety: every branch of the checker with its exact message, so mutants of the module fail a test."""
import pytest

from seqzoo.config_safety import _is_keras_class, check_config
from seqzoo.errors import PresetError


def _refused(config, message):
    with pytest.raises(PresetError, match=message):
        check_config(config, source="src.json")


@pytest.mark.parametrize("name", ["Lambda", "TFSMLayer", "function", "__lambda__", "__typespec__",
                                  "TorchModuleWrapper", "JaxLayer", "FlaxLayer"])
def test_forbidden_classes_are_refused_by_name(name):
    _refused({"class_name": name, "module": "keras.layers", "registered_name": None},
             rf"^src\.json: refusing to load '{name}'; it could run code\.$")


def test_class_name_must_be_a_string():
    _refused({"class_name": None}, r"^src\.json: refusing to load None; it could run code\.$")
    _refused({"class_name": ["Dense"]}, r"^src\.json: refusing to load \['Dense'\]")


def test_module_and_registered_name_must_be_strings_or_none():
    _refused({"class_name": "Dense", "module": 1}, r"^src\.json: 'Dense' has a malformed module or registered_name\.$")
    _refused({"class_name": "Dense", "module": "keras.layers", "registered_name": 2},
             r"^src\.json: 'Dense' has a malformed module or registered_name\.$")


def test_keras_layers_pass_by_module_or_submodule_or_without_module():
    for module in ("keras.layers", "keras.layers.core", None):
        check_config({"class_name": "Dense", "module": module, "registered_name": None}, source="s")
    check_config({"class_name": "Dense", "module": "keras.layers", "registered_name": "Dense"}, source="s")
    for module, name in [("keras.initializers", "GlorotUniform"), ("keras.regularizers", "L2"),
                         ("keras.constraints", "NonNeg"), ("keras.activations", "Dense")]:
        if module == "keras.activations":
            continue  # activations are functions, not classes; covered below.
        check_config({"class_name": name, "module": module, "registered_name": None}, source="s")


@pytest.mark.parametrize("module, name", [("keras", "DTypePolicy"), ("keras", "FloatDTypePolicy"),
                                          ("keras", "Sequential"), ("keras", "Functional"), ("keras", "Model")])
def test_listed_keras_classes_pass(module, name):
    check_config({"class_name": name, "module": module, "registered_name": None}, source="s")


@pytest.mark.parametrize("module, name", [
    ("keras", "Layer"),                       # keras itself: only the listed classes.
    ("keras.layersx", "Dense"),               # a module that merely starts with the name.
    ("keras.layers", "deserialize"),          # a function, not a class.
    ("keras.layers", "_private"),             # private names.
    ("keras.activations", "relu"),            # functions again.
    ("os", "system"),
    ("keras.src.layers", "Dense"),
])
def test_anything_else_is_refused_naming_class_and_module(module, name):
    _refused({"class_name": name, "module": module, "registered_name": None},
             rf"^src\.json: refusing to import '{name}' from module '{module}'; only seqzoo classes and Keras "
             r"layers are allowed\.$")


def test_unknown_class_without_module_is_refused():
    _refused({"class_name": "NoSuchLayer", "module": None, "registered_name": None},
             r"refusing to import 'NoSuchLayer' from module None")
    _refused({"class_name": "_Private", "module": None, "registered_name": None}, r"refusing to import '_Private'")


def test_registered_names():
    check_config({"class_name": "LSTM", "module": "x", "registered_name": "seqzoo>LSTM"}, source="s")
    _refused({"class_name": "CharLM", "module": None, "registered_name": "seqzoo>Nope"},
             r"^src\.json: 'seqzoo>Nope' is not a registered seqzoo class\.$")
    _refused({"class_name": "X", "module": None, "registered_name": "seqzoo_evil>X"},
             r"'seqzoo_evil>X' is not a registered seqzoo class")


def test_nested_objects_in_dicts_lists_and_tuples_are_checked():
    bad = {"class_name": "system", "module": "os"}
    for config in ({"a": {"b": bad}}, [1, [bad]], (bad,), {"layers": ({"x": [bad]},)},
                   {"class_name": "Dense", "module": "keras.layers", "config": {"inner": bad}}):
        _refused(config, r"^src\.json: refusing to import 'system' from module 'os'")
    check_config({"a": [1, "x", None, {"b": 2.5}], "c": ()}, source="s")


def test_is_keras_class():
    assert _is_keras_class("keras.layers", "Dense") is True
    assert _is_keras_class("keras.layers", "deserialize") is False
    assert _is_keras_class("keras.layers", "_Missing") is False
    assert _is_keras_class("keras.initializers.foo", "GlorotUniform") is True
