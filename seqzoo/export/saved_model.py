"""Write a task model as a versioned SavedModel that TensorFlow Serving loads.

The layout is TensorFlow Serving's: `DIRECTORY/VERSION/saved_model.pb`,
`variables/`, `assets.extra/seqzoo.json` (what was exported, for people
and for the golden checks). The version directory is written under a
temporary name and renamed into place when complete, so a server watching
`DIRECTORY` never loads half an export.
"""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from seqzoo.errors import InputError
from seqzoo.export.errors import ExportExistsError, NotExportableError

METADATA_FILE = "assets.extra/seqzoo.json"


def resolve_model(model_or_name):
    """A task model from a model, a zoo name or a preset directory.

    Raises:
        NotExportableError: The model has no preprocessor, so it cannot read raw inputs.
    """
    if isinstance(model_or_name, str | os.PathLike):
        import seqzoo

        model_or_name = seqzoo.load(model_or_name)
    task = getattr(model_or_name, "task_name", None)
    if task not in ("char_lm", "text_classification", "forecasting"):
        raise NotExportableError(f"Cannot export a {type(model_or_name).__name__}: it is not a seqzoo task model.")
    if getattr(model_or_name, "preprocessor", None) is None:
        raise NotExportableError(
            f"This {task} model has no preprocessor, so an export could not read raw inputs; "
            "set `model.preprocessor` back (or load the preset again) before exporting."
        )
    return model_or_name


def serving_module(model, *, top_k: int = 5):
    """The `tf.Module` with the serving signatures of `model`'s task.

    Args:
        model: A seqzoo task model with a preprocessor.
        top_k: Answers of a char LM's `predict_next` signature.

    Example:
    >>> module = serving_module(seqzoo.load("weather-gru"))
    >>> sorted(module.signatures())
    ['serving_default']
    """
    model = resolve_model(model)
    if model.task_name == "char_lm":
        from seqzoo.export.char_lm_signatures import CharLMServing

        return CharLMServing(model, top_k=top_k)
    if model.task_name == "text_classification":
        from seqzoo.export.classifier_signatures import TextClassifierServing

        return TextClassifierServing(model)
    from seqzoo.export.forecaster_signatures import ForecasterServing

    return ForecasterServing(model)


def metadata(model, signatures: dict) -> dict:
    """What `assets.extra/seqzoo.json` records about an export."""
    import keras
    import tensorflow as tf

    import seqzoo

    card = getattr(model, "card", None)
    info = {
        "model": card.name if card is not None else model.name,
        "task": model.task_name,
        "seqzoo_version": seqzoo.__version__,
        "tensorflow_version": tf.__version__,
        "keras_version": keras.__version__,
        "signatures": {
            name: {
                "inputs": {spec.name: _describe(spec) for spec in fn.structured_input_signature[0]},
                "outputs": {key: _describe(spec) for key, spec in fn.structured_outputs.items()},
            }
            for name, fn in signatures.items()
        },
    }
    if model.task_name == "text_classification":
        info["labels"] = list(model.labels)
    if model.task_name == "forecasting":
        reader = model.reader
        info.update(feature_names=reader.feature_names, target_names=reader.target_names,
                    window=reader.window, season=reader.season, frequency=reader.frequency)
    return info


def export_saved_model(model, directory, *, version: int = 1, overwrite: bool = False,
                       top_k: int = 5) -> Path:
    """Export `model` as `directory/version/`, a SavedModel for TensorFlow Serving.

    Signatures take raw inputs, since the tokenizer is inside the graph:
    classifiers `serving_default` (texts -> probabilities, label); char LMs
    `predict_next` (prefix -> characters, probabilities) and `generate`
    (prompt, max_length, temperature, seed -> text); forecasters
    `serving_default` (features, dates -> forecast).

    Args:
        model: A task model, a zoo name or a preset directory.
        directory: The model's base directory, as TensorFlow Serving's
            `--model_base_path` names it.
        version: The version subdirectory to write.
        overwrite: Replace an existing version directory.
        top_k: Answers of a char LM's `predict_next`.

    Returns:
        The version directory.

    Raises:
        ExportExistsError: The version directory exists and `overwrite` is False.
        NotExportableError: The model has no preprocessor.

    Example:
    >>> export_saved_model("names-lstm", "serving/names-lstm")
    PosixPath('serving/names-lstm/1')
    >>> tf.saved_model.load("serving/names-lstm/1").signatures["generate"](
    ...     prompt=tf.constant("Ma"), max_length=tf.constant(10),
    ...     temperature=tf.constant(0.8), seed=tf.constant(0, tf.int64))
    """
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise InputError(f"version must be a whole number >= 1, got {version!r}.")
    from seqzoo.export.paths import check_target, writing

    model = resolve_model(model)
    target = Path(directory) / str(version)
    check_target(target, kind="folder")
    if target.exists() and not overwrite:
        raise ExportExistsError(
            f"{target} exists already; choose another version, or pass overwrite=True (--overwrite)."
        )
    import tensorflow as tf

    module = serving_module(model, top_k=top_k)
    signatures = module.signatures()
    from seqzoo._atomic import remove_path, replace_directory, user_mode

    with writing(target):
        target.parent.mkdir(parents=True, exist_ok=True)
        # A name TensorFlow Serving ignores (not a number) until the rename below.
        tmp = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{version}.tmp-"))
    try:
        os.chmod(tmp, user_mode(directory=True))  # mkdtemp makes it private; a server may run as another user.
        with writing(target):
            tf.saved_model.save(module, str(tmp), signatures=signatures)
            (tmp / METADATA_FILE).parent.mkdir(parents=True, exist_ok=True)
            (tmp / METADATA_FILE).write_text(json.dumps(metadata(model, signatures), indent=1),
                                             encoding="utf-8")
            # Swapped with an old version (a folder, or a stray file named like one), which is then
            # removed: nothing named `.VERSION.tmp-*` stays in the folder a server watches.
            replace_directory(tmp, target)
    except BaseException:
        remove_path(tmp)
        raise
    return target


def _describe(spec) -> str:
    """A tensor's dtype and shape, such as "string [None, 5]" (None: any size)."""
    shape = spec.shape.as_list() if spec.shape.rank is not None else "any shape"
    return f"{spec.dtype.name} {shape}"
