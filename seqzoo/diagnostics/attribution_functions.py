"""The quantities `attributions` explains, as compiled TensorFlow functions of a batch of inputs.

- text classifiers: embedded tokens [B, T, E] -> logits [B, classes] (before the temperature);
- char LMs: embedded tokens [B, T, E] -> the next token's logits [B, vocabulary];
- forecasters: raw windows [B, days, columns] -> forecasts [B, targets] in real units.

The recurrent layers loop in a `tf.while_loop`; run eagerly, one text takes seconds, so each
model's functions are traced once and kept (weakly, with the model) for later calls.
"""
from __future__ import annotations

import weakref

import tensorflow as tf

_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _run_layers(model, x):
    for layer in model.backbone.recurrent_layers:  # Dropout is off at inference; no mask: no padding.
        x = layer(x, training=False)[0]
    return x


def _outputs(model, x):
    """All outputs of the model for a batch of (embedded or raw) inputs."""
    task = model.task_name
    if task == "forecasting":
        return model.head(_run_layers(model, model.normalizer(x)), x)
    if task == "char_lm":
        return model.lm_head(_run_layers(model, x))[:, -1]
    hidden = _run_layers(model, x)
    if model.pooler is not None:
        hidden = model.pooler(hidden)
    return model.classifier_head(hidden)


class ModelFunctions:
    """Compiled `outputs(x)` and `value_and_grad(x, index, scale)` for one model.

    `value_and_grad` returns scale * outputs[:, index] and its gradient with respect to x;
    the scale (1 / temperature for classifiers) is an argument, so recalibrating a model
    does not need a new trace.

    Example:
    >>> functions = ModelFunctions.of(seqzoo.load("names-lstm"))
    >>> values, grads = functions.value_and_grad(x, tf.constant(5), tf.constant(1.0))
    """

    def __init__(self, model):
        model_ref = weakref.ref(model)  # The cache must not keep the model alive.
        self._compiled = None

        def outputs(x):
            return _outputs(model_ref(), x)

        def value_and_grad(x, index, scale):
            # tf.gradients, not a GradientTape: inside tf.function (TensorFlow 2.21) a tape gave
            # None for the gradient with respect to the function's own input.
            values = _outputs(model_ref(), x)[:, index] * scale
            return values, tf.gradients(tf.reduce_sum(values), x)[0]

        self._python = outputs, value_and_grad

    def _functions(self, x):
        # One trace per model: batch and length are left open (texts differ in length), the
        # feature size is fixed.
        if self._compiled is None:
            spec = tf.TensorSpec([None] * (len(x.shape) - 1) + [x.shape[-1]], x.dtype)
            outputs, value_and_grad = self._python
            self._compiled = (
                tf.function(outputs, input_signature=[spec]),
                tf.function(value_and_grad, input_signature=[spec, tf.TensorSpec([], tf.int32),
                                                             tf.TensorSpec([], tf.float32)]))
        return self._compiled

    def outputs(self, x):
        """All outputs for a batch x."""
        return self._functions(x)[0](x)

    def value_and_grad(self, x, index, scale):
        """(scale * outputs[:, index], its gradient with respect to x)."""
        return self._functions(x)[1](x, index, scale)

    @classmethod
    def of(cls, model) -> ModelFunctions:
        """The (cached) functions of `model`."""
        if model not in _CACHE:
            _CACHE[model] = cls(model)
        return _CACHE[model]

    def target(self, index: int, scale: float = 1.0):
        """(f, f_and_grad) of one output, as the attribution methods take them."""
        index_t, scale_t = tf.constant(index, tf.int32), tf.constant(scale, tf.float32)

        def f(x):
            return self.outputs(x)[:, index] * scale

        def f_and_grad(x):
            return self.value_and_grad(x, index_t, scale_t)

        return f, f_and_grad
