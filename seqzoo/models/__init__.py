"""Backbones and task models."""
from __future__ import annotations

import importlib

_TASK_MODULES = {
    "char_lm": ("seqzoo.models.char_lm", "CharLM"),
    "text_classification": ("seqzoo.models.text_classifier", "TextClassifier"),
    "forecasting": ("seqzoo.models.forecaster", "Forecaster"),
}


def task_classes() -> dict:
    """Task name -> task class. Importing them registers every seqzoo class with Keras.

    Example:
    >>> task_classes()["char_lm"].__name__
    'CharLM'
    """
    classes = {}
    for task, (module, name) in _TASK_MODULES.items():
        try:
            classes[task] = getattr(importlib.import_module(module), name)
        except ModuleNotFoundError as error:
            if error.name != module:  # A task not written yet is fine; a broken import is not.
                raise
    return classes
