"""Export task models for serving: a versioned SavedModel, TFLite, and golden outputs.

TensorFlow is imported only when an export runs, so `import seqzoo` stays fast.

Example:
>>> import seqzoo
>>> from seqzoo.export import export_saved_model
>>> export_saved_model(seqzoo.load("names-lstm"), "serving/names-lstm")  # serving/names-lstm/1/
"""
from __future__ import annotations

from seqzoo.export.errors import (
    ExportError,
    ExportExistsError,
    GoldenMismatchError,
    NotExportableError,
    UnknownFormatError,
)

FORMATS = ("saved_model", "tflite")


def export_saved_model(model, directory, **kwargs):
    """See `seqzoo.export.saved_model.export_saved_model`."""
    from seqzoo.export.saved_model import export_saved_model as export

    return export(model, directory, **kwargs)


def export_tflite(model, path, **kwargs):
    """See `seqzoo.export.tflite.export_tflite`."""
    from seqzoo.export.tflite import export_tflite as export

    return export(model, path, **kwargs)


__all__ = [
    "FORMATS", "ExportError", "ExportExistsError", "GoldenMismatchError", "NotExportableError",
    "UnknownFormatError", "export_saved_model", "export_tflite",
]
