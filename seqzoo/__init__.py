"""seqzoo: a zoo of pretrained recurrent sequence models for Keras 3.

Example:
>>> import seqzoo
>>> seqzoo.list_models("*lstm*")
>>> seqzoo.load("names-lstm").predict_next("Joh")
"""
import os as _os

# TensorFlow's C++ start-up notices (oneDNN, "Could not find cuda drivers", cuInit) are
# noise for a user who wants an answer. The level must be set before TensorFlow's first
# import; a value the user set wins. Set TF_CPP_MIN_LOG_LEVEL=0 to see the logs again.
_os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
_os.environ.setdefault("KERAS_BACKEND", "tensorflow")

from seqzoo.card import ModelCard  # noqa: E402
from seqzoo.errors import (  # noqa: E402
    DatasetError,
    InputError,
    MissingDependencyError,
    PresetError,
    SeqzooError,
    SeqzooWarning,
    UnknownModelError,
)
from seqzoo.loading import build, load  # noqa: E402
from seqzoo.registry import info, list_models, register  # noqa: E402

__version__ = "0.1.0"

_LAZY_MODULES = {"datasets", "diagnostics", "layers", "models"}
_LAZY_CLASSES = {
    "CharLM": "seqzoo.models.char_lm",
    "TextClassifier": "seqzoo.models.text_classifier",
    "Forecaster": "seqzoo.models.forecaster",
}


def __getattr__(name: str):
    # TensorFlow loads only when a model is needed, so `seqzoo list` stays fast.
    import importlib

    from seqzoo._quiet import import_tensorflow

    if name in _LAZY_MODULES or name == "train" or name in _LAZY_CLASSES:
        import_tensorflow()
    if name in _LAZY_MODULES:
        return importlib.import_module(f"seqzoo.{name}")
    if name == "train":
        return importlib.import_module("seqzoo.training").train
    if name in _LAZY_CLASSES:
        return getattr(importlib.import_module(_LAZY_CLASSES[name]), name)
    raise AttributeError(f"module 'seqzoo' has no attribute {name!r}")


__all__ = [
    "CharLM", "DatasetError", "Forecaster", "InputError", "MissingDependencyError", "ModelCard", "PresetError",
    "SeqzooError", "SeqzooWarning", "TextClassifier", "UnknownModelError", "build", "info", "list_models",
    "load", "register", "train", "__version__",
]
