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
from seqzoo.validation import env_int

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


# === Sizes, checked before any variable is created ===
# The zoo's largest model has 2.6 million parameters; these defaults leave ample room.
# Each limit can be raised through its environment variable.
SIZE_LIMITS = {
    "SEQZOO_MAX_LAYERS": 16,  # num_layers of a backbone.
    "SEQZOO_MAX_UNITS": 8_192,  # hidden_size, embedding_dim, feature_dim, units of a layer.
    "SEQZOO_MAX_VOCABULARY": 2_000_000,  # vocabulary_size, input_dim, max_vocabulary_size.
    "SEQZOO_MAX_EMBEDDING_PARAMS": 100_000_000,  # vocabulary_size x embedding_dim.
    "SEQZOO_MAX_PARAMS": 200_000_000,  # All parameters of the model, estimated from the config.
}
_LIMITED_KEYS = {
    "num_layers": "SEQZOO_MAX_LAYERS",
    "hidden_size": "SEQZOO_MAX_UNITS", "embedding_dim": "SEQZOO_MAX_UNITS",
    "feature_dim": "SEQZOO_MAX_UNITS", "units": "SEQZOO_MAX_UNITS", "output_dim": "SEQZOO_MAX_UNITS",
    "vocabulary_size": "SEQZOO_MAX_VOCABULARY", "input_dim": "SEQZOO_MAX_VOCABULARY",
    "max_vocabulary_size": "SEQZOO_MAX_VOCABULARY",
}
_GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}


def size_limit(variable: str) -> int:
    """The current value of one of `SIZE_LIMITS` (its environment variable, else the default).

    Example:
    >>> size_limit("SEQZOO_MAX_LAYERS")
    16
    """
    return env_int(variable, SIZE_LIMITS[variable], minimum=1)


def check_sizes(config: Any, *, source: str) -> None:
    """Raise `PresetError` if `config` declares sizes over `SIZE_LIMITS`, before anything is built.

    Every integer size field (layers, units, vocabulary) is checked, then each
    backbone's parameter count is estimated: the embedding (vocabulary x
    embedding), the recurrent layers and the largest head the tasks build.

    Args:
        config: A config that `check_config` accepted.
        source: The file it came from, named in the error.

    Example:
    >>> check_sizes({"class_name": "RecurrentBackbone", "config": {"num_layers": 160}}, source="c.json")
    Traceback (most recent call last):
    PresetError: c.json: num_layers = 160 is over the limit of 16 (SEQZOO_MAX_LAYERS) ...
    """
    limits = {name: size_limit(name) for name in SIZE_LIMITS}
    for fields, outputs in _layer_configs(config):
        for key, variable in _LIMITED_KEYS.items():
            value = fields.get(key)
            if isinstance(value, int) and not isinstance(value, bool):
                _within(source, key, value, variable, limits)
        if "architecture" in fields:
            _check_backbone(source, fields, outputs, limits)


def _layer_configs(config: Any):
    """(config dict, largest head output) of every serialised object in `config`, iteratively.

    A classifier's labels size the head over its backbone, which is nested inside its config,
    so each object inherits the head outputs of the objects around it.
    """
    pending = [(config, 0)]
    while pending:
        item, outputs = pending.pop()
        if isinstance(item, dict):
            fields = item.get("config")
            if "class_name" in item and isinstance(fields, dict):
                outputs = max(outputs, _head_outputs(fields))
                yield fields, outputs
            pending.extend((value, outputs) for value in item.values())
        elif isinstance(item, list | tuple):
            pending.extend((value, outputs) for value in item)


def _head_outputs(fields: dict) -> int:
    # A task's head is built from its config: one output per label (classifiers).
    labels = fields.get("labels")
    return len(labels) if isinstance(labels, list) else 0


def _check_backbone(source: str, fields: dict, outputs: int, limits: dict) -> None:
    def size(key, default=0):
        value = fields.get(key, default)
        return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0

    vocabulary, embedding = size("vocabulary_size"), size("embedding_dim", 64)
    hidden, layers = size("hidden_size", 256), size("num_layers", 1)
    directions = 2 if fields.get("bidirectional") else 1
    gates = _GATES.get(fields.get("architecture"), 4)
    embedding_params = vocabulary * embedding
    _within(source, "vocabulary_size x embedding_dim", embedding_params, "SEQZOO_MAX_EMBEDDING_PARAMS", limits)
    width = embedding if vocabulary else size("feature_dim")
    total = embedding_params
    for _ in range(layers):
        total += directions * gates * (width + hidden + 2) * hidden
        width = directions * hidden
    total += width * (max(vocabulary, outputs) + 1)  # The largest head: a char LM's vocabulary.
    _within(source, "the estimated parameter count", total, "SEQZOO_MAX_PARAMS", limits)


def _within(source: str, what: str, value: int, variable: str, limits: dict) -> None:
    if value > limits[variable]:
        raise PresetError(
            f"{source}: {what} = {value:,} is over the limit of {limits[variable]:,} ({variable}); "
            f"the config is corrupt or hostile. If the model really is this large, raise the "
            f"limit: export {variable}={value}."
        )
