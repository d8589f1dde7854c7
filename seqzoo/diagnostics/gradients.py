"""The vanishing-gradient probe: how much of the loss gradient reaches each time step."""
from __future__ import annotations

import numpy as np
import tensorflow as tf

from seqzoo.diagnostics.forward import forward, read_example
from seqzoo.errors import InputError

WRT = ("hidden", "input")


def _loss(model, output, example) -> tf.Tensor:
    # One scalar per task, from the model's last-step output; no labels are needed.
    if model.task_name == "char_lm":
        return tf.nn.sparse_softmax_cross_entropy_with_logits([example.target], output)[0]
    if model.task_name == "text_classification":
        predicted = tf.stop_gradient(tf.argmax(output, axis=-1))
        return tf.nn.sparse_softmax_cross_entropy_with_logits(predicted, output)[0]
    return tf.reduce_sum(output)


def gradient_norms(model, inputs, *, wrt: str = "hidden", layer: int = -1,
                   last_step_only: bool = True) -> np.ndarray:
    """The norm of the loss gradient at each time step of one example: [T].

    The loss is read from the model's output after the last step:

    - char_lm: the cross-entropy of the text's last character, predicted from
      the characters before it (the model reads `<s>` and all but the last one);
    - text_classification: the cross-entropy of the label the model predicts;
    - forecasting: the sum of the forecast values (there is no target).

    With `wrt="hidden"` the norm is that of dL/dh_t, the total gradient with
    respect to the hidden state h_t of recurrent layer `layer` (for a
    bidirectional layer, both directions' states at position t). The layer is
    run step by step with its cell, so the gradient counts every path from h_t
    to the loss. With `wrt="input"` it is the gradient with respect to the
    layers' input at step t: the word or character embedding, or a
    forecaster's normalised features.

    Args:
        model: A char_lm, text_classification or forecasting model (from
            `seqzoo.load` or `seqzoo.build`).
        inputs: One example as the task takes it: a text (char LMs,
            classifiers, which read the whole text, not chunks), or a
            forecaster's window [window, columns] or history table.
        wrt: "hidden" or "input".
        layer: Which recurrent layer's hidden state (`wrt="hidden"`); -1 is the top one.
        last_step_only: Let the gradient enter only at the last step, so it
            reaches earlier steps through the recurrence alone. It changes
            only classifiers that pool all steps (`pooling="max_mean"`); set
            False for the full gradient training sees, which reaches every
            step directly through the pooling.

    Returns:
        A float array with one norm per step, in reading order.

    Example:
    >>> lm = seqzoo.load("names-lstm")
    >>> norms = gradient_norms(lm, "Maximilian")
    >>> norms.shape, norms[0] / norms[-1]
    ((10,), 0.0...)
    """
    if wrt not in WRT:
        raise InputError(f"wrt must be one of {WRT}, got {wrt!r}.")
    example = read_example(model, inputs)
    with tf.GradientTape() as tape:
        tape.watch(example.x)
        output, hidden, _ = forward(model, example, unrolled=layer if wrt == "hidden" else None,
                                    last_step_only=last_step_only)
        loss = _loss(model, output, example)
    watched = hidden if wrt == "hidden" else example.x
    grads = tape.gradient(loss, watched, unconnected_gradients=tf.UnconnectedGradients.ZERO)
    if wrt == "hidden":  # Per step, one tensor per direction.
        norms = np.array([float(tf.sqrt(sum(tf.reduce_sum(g**2) for g in step))) for step in grads])
    else:
        norms = tf.norm(grads[0], axis=-1).numpy()
    return norms.astype(np.float64)
