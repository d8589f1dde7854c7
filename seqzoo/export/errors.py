"""Errors of `seqzoo.export`: each names what was wrong and what to do about it."""
from __future__ import annotations

from seqzoo.errors import InputError, SeqzooError


class ExportError(SeqzooError):
    """A model that cannot be exported as asked."""


class UnknownFormatError(ExportError, InputError):
    """An export format other than "saved_model" or "tflite"."""


class ExportExistsError(ExportError, FileExistsError):
    """The export's target (a version directory or a file) exists already."""


class NotExportableError(ExportError):
    """A model seqzoo cannot export: no preprocessor, or an unknown task."""


class GoldenMismatchError(SeqzooError, AssertionError):
    """A preset whose outputs no longer match its golden file."""
