"""`seqzoo.load` and `seqzoo.build`: task models from the zoo, a directory, or hyper-parameters."""
from __future__ import annotations

from pathlib import Path

from seqzoo.card import CARD_FILE
from seqzoo.errors import InputError, SeqzooError
from seqzoo.registry import TASKS, resolve


def load(name_or_path: str | Path, *, num_classes: int | None = None, weights: bool = True,
         labels: list[str] | None = None, inference_precision: str = "float32"):
    """A task model from the zoo or from a preset directory.

    Nothing is downloaded: built-in presets ship with the package. Every file
    is checked against the sha256 in its card before it is read.

    Args:
        name_or_path: A zoo name (see `list_models`) or a preset directory.
            A zoo name means the zoo entry even if a folder of that name is
            in the working directory; write `./NAME` for the folder. A name
            no zoo entry has is read as a directory.
        num_classes: For classifiers: a new, freshly initialised head with
            this many classes (the tokenizer and backbone stay pretrained).
        weights: False builds the same architecture and tokenizer, untrained.
        labels: Names of the new classes (with `num_classes`).
        inference_precision: "bfloat16" runs the recurrent layers' matmuls in
            bfloat16 at inference (faster on CPUs with AVX512-BF16 or AMX; the
            cards' accuracy change is in the
            [performance guide](../guides/performance.md)). Training
            stays float32. See `seqzoo.layers.set_inference_precision`.

    Example:
    >>> lm = seqzoo.load("names-lstm")
    >>> lm.predict_next("Joh")[0][0]
    'n'
    """
    from seqzoo._quiet import import_tensorflow

    import_tensorflow()
    from seqzoo.presets import load_preset

    from seqzoo.validation import check_bool, check_choice, check_int

    found = resolve(name_or_path)
    weights = check_bool("weights", weights)
    inference_precision = check_choice("inference_precision", inference_precision, ["float32", "bfloat16"])
    num_classes = check_int("num_classes", num_classes, minimum=2, allow_none=True)
    if isinstance(found, Path):
        if not (found / CARD_FILE).exists() and not (found / CARD_FILE).is_symlink():
            what = "is not a preset directory (it has no" if found.exists() else "does not exist (no"
            raise SeqzooError(f"{found} {what} {CARD_FILE}).")
        model = load_preset(found, weights=weights)
    else:
        entry = found
        if entry.preset is not None:
            model = load_preset(entry.preset, weights=weights)
        elif weights:
            raise SeqzooError(f"{entry.name!r} has no pretrained weights; use weights=False.")
        else:
            model = entry.builder()
            model.card = entry.card
    if num_classes is not None or labels is not None:
        if not hasattr(model, "with_new_head"):
            raise InputError(f"num_classes/labels apply to classifiers, not to a {model.task_name} model.")
        model = model.with_new_head(num_classes=num_classes, labels=labels)
    if inference_precision != "float32":
        from seqzoo.layers import set_inference_precision

        set_inference_precision(model, inference_precision)
    return model


def build(architecture: str, task: str, **hparams):
    """An untrained task model.

    Args:
        architecture: "simple_rnn", "lstm" or "gru".
        task: "char_lm", "text_classification" or "forecasting".
        **hparams: hidden_size, num_layers, bidirectional, dropout,
            embedding_dim, and what the task's preprocessing needs (for
            example `vocabulary` or `texts` to learn it from).

    Example:
    >>> names = ["Aurelio", "Benedetta", "Cosimo", "Donatella"]
    >>> lm = seqzoo.build("gru", "char_lm", hidden_size=64, num_layers=2, texts=names)
    >>> lm.fit(names, epochs=3, verbose=0)
    """
    from seqzoo._quiet import import_tensorflow

    import_tensorflow()
    from seqzoo.models import task_classes

    from seqzoo.validation import check_str

    classes = task_classes()
    check_str("architecture", architecture)
    if not isinstance(task, str) or task not in classes:
        raise InputError(f"Unknown task {task!r:.60}; choose one of {list(TASKS)}.")
    return classes[task].create(architecture, **hparams)
