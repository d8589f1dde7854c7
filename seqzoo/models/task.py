"""The base class of task models: backbone + head + preprocessor, raw data in."""
from __future__ import annotations

from typing import ClassVar

import keras
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.validation import check_bool, check_int


class Task(keras.Model):
    """A functional model of token ids whose `fit`, `evaluate` and `predict` take raw data.

    The preprocessor turns raw inputs into (x, y, sample_weight) batches in a
    `tf.data` pipeline, so the network itself runs on ids and exports cleanly.
    Set `task.preprocessor = None` to feed ids directly.

    Subclasses set `task_name`, build their graph, and implement `create` and
    `predict`.
    """

    task_name: ClassVar[str] = ""
    default_batch_size: ClassVar[int] = 32

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.card = None  # Set by seqzoo.load: the ModelCard of the preset.

    @classmethod
    def create(cls, architecture: str, **hparams) -> "Task":
        """An untrained model of `architecture` with these hyper-parameters."""
        raise NotImplementedError

    # === Training defaults ===
    def compile(self, optimizer="auto", loss="auto", metrics="auto", **kwargs):
        """Compile with the task's defaults for every argument left as "auto"."""
        defaults = self.default_compile_arguments()
        self._compile_arguments = (optimizer, loss, metrics, kwargs)
        super().compile(
            optimizer=defaults["optimizer"] if optimizer == "auto" else optimizer,
            loss=defaults["loss"] if loss == "auto" else loss,
            metrics=defaults["metrics"] if metrics == "auto" else metrics,
            **kwargs,
        )
        self._trainable_at_compile = [id(v) for v in self.trainable_variables]

    def _compile_if_needed(self) -> None:
        # Keras traces the train step over the trainable variables seen at compile
        # time; after `backbone.trainable = False` it must compile again.
        if not self.compiled:
            self.compile()
        elif getattr(self, "_trainable_at_compile", None) != [id(v) for v in self.trainable_variables]:
            optimizer, loss, metrics, kwargs = self._compile_arguments
            if isinstance(optimizer, keras.optimizers.Optimizer):
                optimizer = type(optimizer).from_config(optimizer.get_config())
            self.compile(optimizer, loss, metrics, **kwargs)

    def default_compile_arguments(self) -> dict:
        return {"optimizer": keras.optimizers.Adam(1e-3), "loss": None, "metrics": None}

    # === Raw data in ===
    def _as_dataset(self, x, y=None, *, batch_size=None, shuffle=False, seed=0):
        if self.preprocessor is None:
            return None
        batch_size = batch_size or self.default_batch_size
        if isinstance(x, tf.data.Dataset):
            if y is not None:
                raise InputError("Pass labels inside the tf.data.Dataset, not as `y`.")
            return self.preprocessor.map_dataset(x, batch_size=batch_size)
        return self.preprocessor.make_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)

    def fit(self, x=None, y=None, *, batch_size=None, validation_data=None, shuffle=True, seed=0, **kwargs):
        """Train on raw data, or on ids when `preprocessor` is None.

        Compiles with the task's defaults first if `compile` was not called,
        and again after `trainable` changed (for example a frozen backbone).

        Args:
            x: Raw inputs (a list of texts, a table of rows) or a `tf.data.Dataset`
                of raw examples.
            y: Targets for `x` when it is not a dataset (labels, values), if the task has any.
            batch_size: Examples per step (default: the task's).
            validation_data: `x` or an `(x, y)` tuple, in the same raw form.
            shuffle: Shuffle the examples each epoch.
            seed: Seed of the shuffle.
            **kwargs: Passed to `keras.Model.fit` (epochs, callbacks, verbose, ...).

        Example:
        >>> clf = seqzoo.load("sentiment-lstm")
        >>> clf.fit(["great film", "dull film"], ["positive", "negative"], epochs=2)
        """
        batch_size, kwargs = _checked_options(batch_size, kwargs)
        shuffle, seed = check_bool("shuffle", shuffle), check_int("seed", seed)
        self._compile_if_needed()
        dataset = self._as_dataset(x, y, batch_size=batch_size, shuffle=shuffle, seed=seed)
        if dataset is None:
            return super().fit(x, y, batch_size=batch_size, validation_data=validation_data, shuffle=shuffle, **kwargs)
        _refuse_sample_weight(kwargs)
        if validation_data is not None:
            vx, vy = _unpack(validation_data)
            validation_data = self._as_dataset(vx, vy, batch_size=batch_size)
        # The dataset is already shuffled; Keras would warn that it cannot shuffle it.
        return super().fit(dataset, validation_data=validation_data, shuffle=False, **kwargs)

    def evaluate(self, x=None, y=None, *, batch_size=None, **kwargs):
        """Evaluate on raw data, like `fit`; returns the loss and metrics.

        Args:
            x: Raw inputs or a `tf.data.Dataset` of raw examples.
            y: Targets for `x` when it is not a dataset.
            batch_size: Examples per step.

        Example:
        >>> clf.evaluate(texts, labels)
        [0.48, 0.78]
        """
        batch_size, kwargs = _checked_options(batch_size, kwargs)
        self._compile_if_needed()
        # Keras calls evaluate from fit with an already preprocessed dataset.
        if kwargs.get("_use_cached_eval_dataset") or self.preprocessor is None:
            return super().evaluate(x, y, batch_size=batch_size, **kwargs)
        _refuse_sample_weight(kwargs)
        return super().evaluate(self._as_dataset(x, y, batch_size=batch_size), **kwargs)

    # === Saving ===
    def save_preset(self, directory, *, card=None, extra_files=None, overwrite: bool = False) -> None:
        """Write a preset directory that `seqzoo.load(directory)` reads back.

        Args:
            directory: Where to write. An existing preset there is replaced
                only once the new one is complete. Anything else there (a
                file, a folder that is not a seqzoo preset) is refused with a
                `SeqzooError`, unless `overwrite=True`.
            card: A `ModelCard` to store (the recipes pass measured metrics).
                By default a card describing this model is written; metrics
                of the model it was loaded from are not carried over, since
                training may have changed them.
            extra_files: Relative name -> path of files to add (plots, samples);
                names must stay inside the preset (no "..", no absolute path).
            overwrite: Replace whatever is at `directory`.

        Example:
        >>> model.save_preset("my-names-model")
        >>> seqzoo.load("my-names-model")
        """
        from seqzoo.presets import save_preset

        save_preset(self, directory, card=card, extra_files=extra_files, overwrite=overwrite)

    def export_saved_model(self, directory, *, version: int = 1, overwrite: bool = False):
        """Write `directory/version/`, a SavedModel for TensorFlow Serving that takes raw inputs.

        See `seqzoo.export.saved_model.export_saved_model` for the signatures.

        Args:
            directory: The model's base directory (TF Serving's `--model_base_path`).
            version: The version subdirectory to write.
            overwrite: Replace an existing version directory.

        Example:
        >>> seqzoo.load("sentiment-lstm").export_saved_model("serving/sentiment")
        PosixPath('serving/sentiment/1')
        """
        from seqzoo.export.saved_model import export_saved_model

        return export_saved_model(self, directory, version=version, overwrite=overwrite)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "preprocessor": keras.saving.serialize_keras_object(self.preprocessor),
        }

    nested_layers = ("backbone", "preprocessor")  # Config entries that are serialised layers.

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls.nested_layers:
            if isinstance(config.get(key), dict):
                config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)


MAX_EPOCHS = 1_000_000


def _checked_options(batch_size, kwargs: dict) -> tuple:
    """`batch_size` and Keras' `epochs`/`initial_epoch`/`steps_per_epoch`, checked before Keras sees them."""
    batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1, allow_none=True)
    kwargs = dict(kwargs)
    for name in ("epochs", "initial_epoch"):
        if name in kwargs:
            kwargs[name] = check_int(name, kwargs[name], minimum=0, maximum=MAX_EPOCHS)
    for name in ("steps_per_epoch", "validation_steps", "steps"):
        if kwargs.get(name) is not None:
            kwargs[name] = check_int(name, kwargs[name], minimum=1)
    return batch_size, kwargs


def _refuse_sample_weight(kwargs: dict) -> None:
    """Raw inputs become a tf.data pipeline inside the task, which Keras cannot pair with `sample_weight`."""
    if kwargs.get("sample_weight") is not None:
        raise InputError("sample_weight is not supported with raw inputs; for per-class weights pass "
                         "class_weight={class_index: weight}, or repeat the examples that should count more.")


def _unpack(data):
    if isinstance(data, tf.data.Dataset):
        return data, None
    if isinstance(data, tuple):  # (x, y); a list is a list of texts.
        if len(data) != 2:
            weights = " (sample weights are not supported with raw inputs)" if len(data) == 3 else ""
            raise InputError(f"validation_data must be raw inputs or an (inputs, targets) pair; got a tuple "
                             f"of {len(data)}{weights}.")
        return data
    return data, None
