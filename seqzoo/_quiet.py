"""Import TensorFlow without its C++ start-up notices, unless the user asked for them.

TensorFlow's native libraries write some lines (absl's "All log messages
before absl::InitializeLog() ...", "Could not find cuda drivers", oneDNN
notices) to the process's standard error while they load, before
`TF_CPP_MIN_LOG_LEVEL` takes effect. seqzoo imports TensorFlow the first time
a model is needed; when the user has not chosen a log level (seqzoo's import
sets `TF_CPP_MIN_LOG_LEVEL=3` by default), that first import runs with file
descriptor 2 pointed at /dev/null. Python errors still raise as usual.

To see the logs again, set `TF_CPP_MIN_LOG_LEVEL=0` before importing seqzoo.

Example:
>>> from seqzoo._quiet import import_tensorflow
>>> tf = import_tensorflow()
"""
from __future__ import annotations

import contextlib
import os
import sys

_QUIET_LEVEL = "3"


@contextlib.contextmanager
def _stderr_silenced():
    try:
        sys.stderr.flush()
        saved = os.dup(2)
        devnull = os.open(os.devnull, os.O_WRONLY)
    except (OSError, ValueError, AttributeError):  # no real fd 2 (embedded interpreters)
        yield
        return
    try:
        os.dup2(devnull, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)


def import_tensorflow():
    """Return the `tensorflow` module, importing it (and Keras, TF Text) quietly once.

    The import is quiet only while `TF_CPP_MIN_LOG_LEVEL` is "3" (seqzoo's
    default); any other value the user set shows TensorFlow's logs as usual.

    Example:
    >>> import_tensorflow().__name__
    'tensorflow'
    """
    if "tensorflow" in sys.modules or os.environ.get("TF_CPP_MIN_LOG_LEVEL") != _QUIET_LEVEL:
        import tensorflow

        return tensorflow
    with _stderr_silenced():
        import tensorflow
        import keras  # noqa: F401
        import tensorflow_text  # noqa: F401

        tensorflow.get_logger().setLevel("ERROR")
    return tensorflow
