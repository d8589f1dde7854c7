"""A task model's forward pass for one example, with one recurrent layer run step by step.

A Keras recurrent layer hides its per-step states inside its loop. To watch
them (their values, or the gradient that reaches them), the layer's cell is
called once per step here, with the layer's own weights, through the cell's
public `call(inputs, states)`. The other layers run as usual. Dropout is off.
"""
from __future__ import annotations

import dataclasses

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.layers.tokenizer import START_ID

TASKS = ("char_lm", "text_classification", "forecasting")


@dataclasses.dataclass
class Example:
    """One example, read the way its task reads it.

    x: the first input of the recurrent layers, [1, T, D] (embedded tokens, or
    normalised features); history: the raw window (forecasters' head reads it);
    target: the id to predict (char LMs); steps: what each step read (words,
    characters, or "t-k" rows).
    """

    x: tf.Tensor
    history: tf.Tensor | None
    target: int | None
    steps: list[str]


def check_model(model, tasks=TASKS, *, with_ngrams: bool = False) -> str:
    """The task name of `model`, or an InputError naming what is expected.

    `with_ngrams`: whether the caller also explains an n-gram model beside the
    network (`stack_ngrams`); the diagnostics that read the network's states
    alone refuse such a classifier.
    """
    task = getattr(model, "task_name", None)
    if task not in tasks or getattr(model, "backbone", None) is None:
        what = type(model).__name__ if task is None else f"a {task} model"
        raise InputError(f"Expected a seqzoo task model of {' or '.join(tasks)} (from seqzoo.load or "
                         f"seqzoo.build), got {what}.")
    if getattr(model, "ngram_logits", None) is not None and not with_ngrams:
        raise InputError("This classifier adds an n-gram model's logits to its network's (stack_ngrams); the "
                         f"diagnostics read the network only. Pass the classifier it was stacked from"
                         f"{_parent_of(model)}, or ask for attributions (seqzoo explain --attributions), which "
                         "cover both.")
    return task


def _parent_of(model) -> str:
    """" (NAME)" when a saved stacked classifier's card names the classifier it was stacked from, else ""."""
    parent = (getattr(getattr(model, "card", None), "recipe", None) or {}).get("parent")
    name = parent.get("name") if isinstance(parent, dict) else parent
    return f" ({name})" if isinstance(name, str) else ""


def one_text(inputs) -> str:
    if isinstance(inputs, list | tuple) and len(inputs) == 1:
        inputs = inputs[0]
    if isinstance(inputs, bytes):
        inputs = inputs.decode("utf-8", errors="replace")
    if not isinstance(inputs, str):
        raise InputError(f"Pass one text (a string), got {type(inputs).__name__}; diagnostics read one "
                         "example at a time.")
    if not inputs.strip():
        raise InputError("The text is empty; pass a text with at least one character (a word, for classifiers).")
    return inputs


def read_example(model, inputs) -> Example:
    """Turn one raw example (a text, or a forecaster's window or history table) into an `Example`.

    Args:
        model: A char_lm, text_classification or forecasting model with its preprocessor.
        inputs: A string (or a list holding one) for text tasks; for forecasters a window
            [window, columns] or [1, window, columns], or a history table (its last window is used).

    Example:
    >>> read_example(seqzoo.load("names-lstm"), "Maria").steps
    ['<s>', 'M', 'a', 'r', 'i']
    """
    task = check_model(model)
    if model.preprocessor is None:
        raise InputError("The model has no preprocessor; diagnostics read raw inputs, so keep it.")
    backbone = model.backbone
    if task == "forecasting":
        if isinstance(inputs, np.ndarray | tf.Tensor | list) and np.ndim(inputs) in (2, 3):
            window = np.asarray(inputs, np.float32)
            window, _ = model.preprocessor.check_windows(window[None] if window.ndim == 2 else window)
        else:
            window = model.preprocessor.windows(inputs)
        if len(window) != 1 and np.ndim(inputs) == 3:
            raise InputError(f"Pass one window, got {len(window)}.")
        history = tf.constant(window[-1:], tf.float32)
        steps = [f"t-{len(history[0]) - 1 - i}" for i in range(len(history[0]))]
        return Example(model.normalizer(history), history, None, steps)
    text = one_text(inputs)
    tokenizer = model.preprocessor.tokenizer
    ids = tokenizer.tokenize([text])[0].numpy().tolist()
    if task == "char_lm":
        ids = [START_ID, *ids]
        ids, target = ids[:-1], ids[-1]
        steps = ["<s>", *text[:-1]] if len(text) == len(ids) else [str(i) for i in ids]
    else:
        target = None
        steps = [tokenizer.id_to_token(int(i)) for i in ids]
    if not ids:
        raise InputError(f"The text {text[:40]!r} has no tokens; pass a text with at least one word.")
    x = backbone.token_embedding(tf.constant([ids], tf.int32))
    return Example(tf.convert_to_tensor(x), None, target, steps)


# === Step by step ===
def _cell_steps(layer, x) -> tuple[list, list]:
    """Run a unidirectional recurrent layer with its cell: per-step outputs and state lists, in reading order."""
    cell = layer.cell
    states = cell.get_initial_state(batch_size=int(x.shape[0]))
    states = list(states) if isinstance(states, list | tuple) else [states]
    outputs, all_states = [], []
    order = range(int(x.shape[1]) - 1, -1, -1) if layer.go_backwards else range(int(x.shape[1]))
    for t in order:
        out, new = cell(x[:, t], states, training=False)
        states = list(new) if isinstance(new, list | tuple) else [new]
        # The hidden state is the output and the first state of all three cells; one tensor for both
        # uses, so the gradient taken with respect to it counts both paths (up the stack, on in time).
        states[0] = out
        outputs.append(out)
        all_states.append(states)
    return outputs, all_states


def unroll(layer, x) -> tuple[list, list, list]:
    """Run a (possibly bidirectional) recurrent layer step by step, in text order.

    Returns:
        outputs: per position, the layer's output [B, H] ([forward, backward] when bidirectional);
        hidden: per position, a tuple of the hidden-state tensors that the recurrence carries on
            (one, or the forward's and the backward's): take gradients with respect to these;
        states: per position, the state list (the forward's then the backward's).

    Example:
    >>> outputs, hidden, states = unroll(model.backbone.recurrent_layers[0], x)
    """
    if isinstance(layer, keras.layers.Bidirectional):
        f_out, f_states = _cell_steps(layer.forward_layer, x)
        b_out, b_states = _cell_steps(layer.backward_layer, x)
        b_out, b_states = b_out[::-1], b_states[::-1]
        return ([tf.concat([f, b], axis=-1) for f, b in zip(f_out, b_out)], list(zip(f_out, b_out)),
                [f + b for f, b in zip(f_states, b_states)])
    outputs, states = _cell_steps(layer, x)
    return outputs, [(h,) for h in outputs], states


def _last_output(layer, outputs) -> tf.Tensor:
    # What the layer returns with return_sequences=False: each direction's last step.
    if isinstance(layer, keras.layers.Bidirectional):
        half = outputs[0].shape[-1] // 2
        return tf.concat([outputs[-1][:, :half], outputs[0][:, half:]], axis=-1)
    return outputs[-1]


def _only_last_step_backward(layer, sequence) -> tf.Tensor:
    """The same values, but the gradient enters only at each direction's last step."""
    steps = int(sequence.shape[1])
    keep = np.zeros((1, steps, int(sequence.shape[-1])), np.float32)
    if isinstance(layer, keras.layers.Bidirectional):
        half = keep.shape[-1] // 2
        keep[:, -1, :half] = keep[:, 0, half:] = 1.0
    else:
        keep[:, -1] = 1.0
    return keep * sequence + (1.0 - keep) * tf.stop_gradient(sequence)


def forward(model, example: Example, *, unrolled: int | None = None, last_step_only: bool = False):
    """The model's output for `example`, and the per-step outputs and states of layer `unrolled`.

    Args:
        model: The task model `example` was read for.
        example: From `read_example`.
        unrolled: Index in `model.backbone.recurrent_layers` of the layer to run step by step
            (None: no layer).
        last_step_only: Let the gradient reach the backbone's output only at the last step, so
            it travels back in time through the recurrence alone (pooling classifiers otherwise
            reach every step directly).

    Returns:
        (output [1, ...] of the head, and for layer `unrolled` (else None) the per-step hidden-state
        tensors and state lists of `unroll`).

    Example:
    >>> output, hidden, states = forward(model, read_example(model, "To be"), unrolled=-1)
    """
    backbone, task = model.backbone, model.task_name
    layers = backbone.recurrent_layers
    if unrolled is not None and not -len(layers) <= unrolled < len(layers):
        raise InputError(f"layer must be in 0..{len(layers) - 1} (the model has {len(layers)} recurrent "
                         f"layers), got {unrolled}.")
    index = None if unrolled is None else unrolled % len(layers)
    x, hidden, states = example.x, None, None
    for i, layer in enumerate(layers):
        last = i == len(layers) - 1
        if i == index:
            outputs, hidden, states = unroll(layer, x)
            x = (tf.stack(outputs, axis=1) if backbone.return_sequences or not last
                 else _last_output(layer, outputs))
        else:
            x = layer(x, training=False)[0]
    if last_step_only and backbone.return_sequences:
        x = _only_last_step_backward(layers[-1], x)
    if task == "char_lm":
        output = model.lm_head(x)[:, -1]
    elif task == "text_classification":
        if model.pooler is not None:
            x = model.pooler(x)
        output = model.classifier_head(x)
    else:
        output = model.head(x, example.history)
    return output, hidden, states
