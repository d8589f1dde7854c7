"""TFLite export of the numeric core of each task (ids or feature values in, numbers out).

TFLite's built-in ops have no string kernels (hash tables, Unicode
decoding, tensorflow-text's normaliser), and the `tf.lite.Interpreter` of the
TensorFlow pip package has no Flex delegate to run TensorFlow ops. So the
TFLite models start after tokenization, which stays in the app: map each
character or word to its id with the preset's `assets/*/vocabulary.txt`
(line i is id i + 4; 0 pad, 1 unknown, 2 start, 3 end). Their signatures:

one `serving_default` signature, for one example at a time (a fixed batch of 1
keeps every shape in the recurrent loop static, which TFLite's built-in ops need):

- char LMs: `token_ids: int32 [1, T]` (the start id 2, then the text's ids) ->
  `probabilities` float32 [1, vocabulary] of the next token, as `CharLM.predict`.
- classifiers: `token_ids: int32 [1, sequence_length]` (one chunk, padded
  with 0) -> `probabilities` float32 [1, classes].
- forecasters: `features: float32 [1, window, features]`, `day_of_year: int32
  [1, window]` (0 for 1 January) -> `forecast` float32 [1, targets].
"""
from __future__ import annotations

import contextlib
import math
import os
import re
from pathlib import Path

from seqzoo.export.errors import ExportError, ExportExistsError
from seqzoo.export.saved_model import resolve_model

SIGNATURE = "serving_default"


def tflite_module(model):
    """A `tf.Module` with the numeric TFLite signature of `model`'s task.

    Example:
    >>> module = tflite_module(seqzoo.load("weather-gru"))
    """
    import tensorflow as tf

    from seqzoo.layers.tokenizer import PAD_ID

    model = resolve_model(model)
    module = tf.Module(name=f"{model.task_name}_tflite")
    module.model = model
    if model.task_name == "char_lm":
        def next_token(token_ids):
            logits = model(token_ids, training=False)
            lengths = tf.reduce_sum(tf.cast(token_ids != PAD_ID, tf.int32), axis=1)
            return {"probabilities": tf.nn.softmax(tf.gather(logits, lengths - 1, batch_dims=1))}

        module.serving_default = tf.function(
            next_token, input_signature=[tf.TensorSpec([1, None], tf.int32, name="token_ids")])
        return module
    if model.task_name == "text_classification":
        length = model.preprocessor.sequence_length

        def classify(token_ids):
            return {"probabilities": tf.nn.softmax(model(token_ids, training=False))}

        module.serving_default = tf.function(
            classify, input_signature=[tf.TensorSpec([1, length], tf.int32, name="token_ids")])
        return module
    reader = model.reader

    def forecast(features, day_of_year):
        if reader.season:
            angle = 2 * math.pi * tf.cast(day_of_year, tf.float32) / 365.25
            features = tf.concat([features, tf.stack([tf.sin(angle), tf.cos(angle)], axis=-1)], axis=-1)
        return {"forecast": model(features, training=False)}

    module.serving_default = tf.function(forecast, input_signature=[
        tf.TensorSpec([1, reader.window, len(reader.feature_names)], tf.float32, name="features"),
        tf.TensorSpec([1, reader.window], tf.int32, name="day_of_year"),
    ])
    return module


@contextlib.contextmanager
def keras_recurrent_loops(model):
    """Trace `model`'s recurrent layers with Keras' own time loop, whatever subclass they are.

    Keras' loop keeps every TensorArray's element shape static, which TFLite's
    built-in ops need; a faster subclass (such as `seqzoo.layers.LSTM`) may
    not. The weights and the math are the same.
    """
    import keras

    patched = []
    for layer in model._flatten_layers():
        if not isinstance(layer, keras.layers.RNN):
            continue
        stock = next((c for c in type(layer).__mro__ if c.__module__.startswith("keras.")), None)
        if stock is not None and type(layer).inner_loop is not stock.inner_loop:
            object.__setattr__(layer, "inner_loop", stock.inner_loop.__get__(layer))
            patched.append(layer)
    try:
        yield
    finally:
        for layer in patched:
            object.__delattr__(layer, "inner_loop")


def convert(model, *, select_tf_ops: bool = False) -> bytes:
    """The TFLite flatbuffer of `model`'s numeric `serving_default` signature.

    Args:
        model: A task model, a zoo name or a preset directory.
        select_tf_ops: Allow TensorFlow ops that TFLite lacks (the app then
            needs the Flex delegate).

    Raises:
        ExportError: The converter refused; the message holds its error.
    """
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import convert_variables_to_constants_v2

    model = resolve_model(model)
    with keras_recurrent_loops(model):
        function = tflite_module(model).serving_default.get_concrete_function()
    # Weights become constants: TFLite cannot read resource variables inside the recurrent while loop.
    frozen = convert_variables_to_constants_v2(function)
    output = next(iter(function.structured_outputs))
    holder = tf.Module()  # Names the signature and its output again, which freezing dropped.
    holder.serving_default = tf.function(lambda *inputs: {output: frozen(*inputs)[0]},
                                         input_signature=function.structured_input_signature[0])
    converter = tf.lite.TFLiteConverter.from_concrete_functions(
        [holder.serving_default.get_concrete_function()], holder)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS] + (
        [tf.lite.OpsSet.SELECT_TF_OPS] if select_tf_ops else [])
    try:
        return converter.convert()
    except Exception as error:  # The converter raises ConverterError and others.
        raise ExportError(f"TFLite cannot convert this {model.task_name} model: {_first_lines(error)}") from None


def export_tflite(model, path, *, overwrite: bool = False, select_tf_ops: bool = False) -> Path:
    """Write `model`'s numeric core as a `.tflite` file, atomically.

    Args:
        model: A task model, a zoo name or a preset directory.
        path: The file to write; an existing folder, or a path ending in "/", gets
            `model.tflite` inside.
        overwrite: Replace an existing file.
        select_tf_ops: Allow TensorFlow ops that TFLite lacks.

    Returns:
        The file written.

    Example:
    >>> path = export_tflite("weather-gru", "weather-gru.tflite")
    >>> runner = tf.lite.Interpreter(model_path=str(path)).get_signature_runner("serving_default")
    >>> runner(features=np.zeros([1, 7, 4], "float32"), day_of_year=np.zeros([1, 7], "int32"))
    """
    from seqzoo._atomic import write_bytes_atomic
    from seqzoo.export.paths import check_target, writing

    path = tflite_path(path)
    check_target(path, kind="file")
    if path.exists() and not overwrite:
        raise ExportExistsError(f"{path} exists already; pass overwrite=True (--overwrite) to replace it.")
    if path.is_dir():
        raise ExportExistsError(f"{path} is a folder; choose a file name, or --out {path}/ to write "
                                "model.tflite inside it.")
    data = convert(model, select_tf_ops=select_tf_ops)
    with writing(path):
        write_bytes_atomic(path, data)
    return path


def tflite_path(path) -> Path:
    """The file an export to `path` writes: `path/model.tflite` for a folder or a path ending in "/".

    `Path` drops a trailing separator, so the check reads the text as given.

    Example:
    >>> tflite_path("serving/")
    PosixPath('serving/model.tflite')
    """
    text = os.fspath(path)
    separators = tuple(s for s in (os.sep, os.altsep) if s)
    if isinstance(text, bytes):
        text = os.fsdecode(text)
    if text.endswith(separators) or Path(text).is_dir():
        return Path(text) / "model.tflite"
    return Path(text)


def _first_lines(error: Exception, limit: int = 600) -> str:
    # The converter's message repeats long MLIR call-site traces; its "error: ..." lines say what failed.
    text = str(error)
    found = []
    for match in re.finditer(r"error: ([^\n]*)", text):
        message = match.group(1).strip()
        if message.startswith("loc("):  # Drop the call-site prefix: loc(callsite(...)): message.
            message = message.rsplit("): ", 1)[-1]
        if message and message not in found:
            found.append(message)
    summary = "; ".join(found) or " ".join(line.strip() for line in text.strip().splitlines()[:3])
    return summary[:limit] or type(error).__name__
