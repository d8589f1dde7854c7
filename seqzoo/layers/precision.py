"""Switch the matmul precision of a model's seqzoo recurrent layers at inference."""
from __future__ import annotations

from seqzoo.layers.fast_rnn import FastLoop, check_precision


def set_inference_precision(model, precision: str = "bfloat16") -> int:
    """Run the inference matmuls of every seqzoo recurrent layer in `model` in `precision`.

    "bfloat16" multiplies bfloat16 inputs and kernels into float32 results
    (AVX512-BF16 or AMX through oneDNN) and keeps states and gates in float32;
    "float32" restores the default. Training is unaffected: it always runs in
    float32. The model's compiled predict, evaluate and generation functions
    are dropped so that the next call traces them again. Generation reads the
    prompt in `precision` and then steps the Keras cells, which stay float32.

    Args:
        model: A Keras model (a seqzoo task model, a backbone or any model) or layer.
        precision: "float32" or "bfloat16".

    Returns:
        The number of recurrent layers set.

    Example:
    >>> clf = seqzoo.load("sentiment-lstm")
    >>> set_inference_precision(clf, "bfloat16")
    2
    """
    precision = check_precision(precision)
    layers = [layer for layer in model._flatten_layers(include_self=True) if isinstance(layer, FastLoop)]
    for layer in layers:
        layer.inference_precision = precision
    for name in ("predict_function", "test_function"):
        if getattr(model, name, None) is not None:
            setattr(model, name, None)
    if getattr(model, "_decoder", None) is not None:
        model._decoder = None  # CharLM's compiled stepping.
    return len(layers)
