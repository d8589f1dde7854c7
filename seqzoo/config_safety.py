"""Checks a serialised Keras config before anything in it is deserialised.

Keras' safe mode blocks lambdas, but configs have also been used to import
arbitrary modules and call helper functions. seqzoo accepts only registered
seqzoo classes (such as the recurrent layers `seqzoo>LSTM`, `seqzoo>GRU` and
`seqzoo>SimpleRNN`) and Keras' own layers, initializers, regularizers and dtypes.
"""
from __future__ import annotations

from typing import Any

import keras

import seqzoo.layers  # noqa: F401  (registers seqzoo's layers, which configs may name)
from seqzoo.errors import PresetError

_FORBIDDEN_CLASSES = {"Lambda", "TFSMLayer", "function", "__lambda__", "__typespec__",
                      "TorchModuleWrapper", "JaxLayer", "FlaxLayer"}
_KERAS_MODULES = (
    "keras.layers", "keras.initializers", "keras.regularizers", "keras.constraints",
    "keras.activations",
)
_KERAS_CLASSES = {("keras", "DTypePolicy"), ("keras", "FloatDTypePolicy"), ("keras", "Sequential"),
                  ("keras", "Functional"), ("keras", "Model")}


def check_config(config: Any, *, source: str) -> None:
    """Raise `PresetError` if `config` names anything outside the allowed classes.

    Args:
        config: A config as written by `keras.saving.serialize_keras_object`.
        source: The file it came from, named in the error.

    Example:
    >>> check_config({"module": "os", "class_name": "system"}, source="config.json")
    Traceback (most recent call last):
    PresetError: ...
    """
    if isinstance(config, dict):
        if "class_name" in config:
            _check_object(config, source)
        for value in config.values():
            check_config(value, source=source)
    elif isinstance(config, list | tuple):
        for value in config:
            check_config(value, source=source)


def _check_object(config: dict, source: str) -> None:
    class_name = config.get("class_name")
    module = config.get("module")
    registered = config.get("registered_name")
    if not isinstance(class_name, str) or class_name in _FORBIDDEN_CLASSES:
        raise PresetError(f"{source}: refusing to load {class_name!r}; it could run code.")
    if not isinstance(module, str | None) or not isinstance(registered, str | None):
        raise PresetError(f"{source}: {class_name!r} has a malformed module or registered_name.")
    if registered and registered != class_name:
        # A class registered with Keras' serialization registry, such as "seqzoo>CharLM".
        if not registered.startswith("seqzoo>") or keras.saving.get_registered_object(registered) is None:
            raise PresetError(f"{source}: {registered!r} is not a registered seqzoo class.")
        return
    if (module, class_name) in _KERAS_CLASSES:
        return
    if module is None and any(_is_keras_class(m, class_name) for m in _KERAS_MODULES):
        return
    if not isinstance(module, str) or not any(
        (module == m or module.startswith(m + ".")) and _is_keras_class(m, class_name)
        for m in _KERAS_MODULES
    ):
        raise PresetError(
            f"{source}: refusing to import {class_name!r} from module {module!r}; "
            "only seqzoo classes and Keras layers are allowed."
        )


def _is_keras_class(module: str, class_name: str) -> bool:
    # Functions such as `keras.layers.deserialize` are not classes, so a config
    # cannot name them; only public classes of the allowed modules pass.
    namespace = getattr(keras, module.split(".")[1])
    return not class_name.startswith("_") and isinstance(getattr(namespace, class_name, None), type)
