"""The CPU recurrences behind `seqzoo.layers.LSTM`, `GRU` and `SimpleRNN` (TensorFlow).

Keras' generic loop calls the cell once per step, so every step multiplies its
input by the kernel and TensorFlow differentiates the loop step by step. Here:

- every matmul is split per gate: [B, U] x [U, U] blocks instead of one
  [B, U] x [U, 4U], which TensorFlow runs side by side on the cores (a
  recurrent step measured about 1.5x the GFLOP/s of the wide matmul here);
- in training, the input projection of all steps is computed before the loop
  (one [T*B, D] x [D, U] matmul per gate); at inference each step's projection
  runs inside the loop, where TensorFlow's executor runs it ahead of the
  recurrence (measured faster);
- the loop carries only `h @ recurrent_kernel` and the gate arithmetic;
- the backward pass is written out (`tf.custom_gradient`): the factors that do
  not depend on the incoming gradient are computed for all steps at once, a
  reverse loop yields the gates' gradients, and the recurrent kernel's gradient
  is then one matmul over all steps instead of one per step;
- optionally (`inference_precision="bfloat16"`), inference multiplies in
  bfloat16 (AVX512-BF16 or AMX through oneDNN) with float32 states and gates.

Masked steps carry the state, and the output is the last unmasked step's
output (zeros before the first one), exactly as in Keras.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.layers import fused_lstm

PRECISIONS = ("float32", "bfloat16")
GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}  # Column blocks of the kernels.


def check_precision(precision) -> str:
    """`precision` if it is one of `PRECISIONS`, else a `SeqzooError` naming them."""
    if precision not in PRECISIONS:
        raise InputError(f"inference_precision must be one of {', '.join(PRECISIONS)}; got {precision!r}.")
    return precision


class FastLoop:
    """Mixin for a Keras RNN layer: run this module's loop where it applies, else Keras' own.

    The subclass names its recurrence in `kind` ("lstm", "gru" or "simple_rnn").
    `inference_precision` ("float32" or "bfloat16") is the precision of the
    matmuls at inference; training always runs in float32.
    """

    kind: str

    def __init__(self, *args, inference_precision: str = "float32", **kwargs):
        super().__init__(*args, **kwargs)
        # The loop is written for TensorFlow's graph executor and its oneDNN matmuls; under
        # XLA it measured slower, so `compile(jit_compile="auto")` leaves such models unjitted.
        self.supports_jit = False
        self.inference_precision = check_precision(inference_precision)

    def get_config(self):
        config = super().get_config()
        if self.inference_precision != "float32":  # Float32 configs stay as Keras writes them.
            config["inference_precision"] = self.inference_precision
        return config

    def inner_loop(self, sequences, initial_state, mask, training=False):
        mask = mask[0] if keras.tree.is_nested(mask) else mask
        if fast_path_supported(self, training):
            initial_state = initial_state if keras.tree.is_nested(initial_state) else [initial_state]
            return run(self.kind, self, sequences, initial_state, mask, training)
        return super().inner_loop(sequences, initial_state, mask=mask, training=training)


def fast_path_supported(layer, training) -> bool:
    """Whether `layer` can run on this module's loop (else: the stock Keras path).

    The stock path stays for the GPU (cuDNN), recurrent dropout in training,
    unrolling, other activations and non-float32 computation.
    """
    cell = layer.cell
    if keras.backend.backend() != "tensorflow" or layer.unroll or getattr(layer, "use_cudnn", "auto") is True:
        return False
    if training and cell.recurrent_dropout:
        return False
    if layer.compute_dtype != "float32" or _gpu_available():
        return False
    if getattr(cell, "implementation", 2) == 1 and training and cell.dropout:
        return False  # Implementation 1 draws one dropout mask per gate.
    activations = [cell.activation]
    if hasattr(cell, "recurrent_activation"):
        activations.append(cell.recurrent_activation)
    expected = [keras.activations.tanh, keras.activations.sigmoid][: len(activations)]
    return all(a is e for a, e in zip(activations, expected))


def _gpu_available() -> bool:
    return bool(tf.config.list_logical_devices("GPU"))


def run(kind: str, layer, sequences, initial_state, mask, training):
    """One recurrent layer over `sequences` [B, T, D]; Keras' `inner_loop` contract.

    Returns:
        (last_output [B, U], outputs [B, T, U] or [B, 1, U], states list).
    """
    cell = layer.cell
    if training and cell.dropout:
        # One input dropout mask for all steps, as the stock cell applies it.
        sequences = sequences * tf.expand_dims(cell.get_dropout_mask(sequences[:, 0, :]), 1)
    x = tf.transpose(sequences, [1, 0, 2])  # Time-major: the loop reads x[t].
    if mask is not None:
        mask = tf.transpose(tf.cast(mask, tf.bool))[:, :, None]  # [T, B, 1]
    if layer.go_backwards:
        x = tf.reverse(x, [0])
        mask = None if mask is None else tf.reverse(mask, [0])
    kernel = tf.convert_to_tensor(cell.kernel)
    recurrent_kernel = tf.convert_to_tensor(cell.recurrent_kernel)
    bias = None if cell.bias is None else tf.convert_to_tensor(cell.bias)
    input_bias, candidate_bias = bias, None
    if kind == "gru" and cell.reset_after and bias is not None:
        # The recurrent biases of z and r join the input bias (one add fewer per gate and
        # step); only the candidate's stays in the loop, inside r * (h R_n + b_n).
        units = cell.units
        input_bias = bias[0] + tf.concat([bias[1][: 2 * units], tf.zeros([units], bias.dtype)], 0)
        candidate_bias = bias[1][2 * units :]
    if kind == "lstm" and not training and layer.inference_precision == "float32" and fused_lstm.enabled():
        states = [tf.convert_to_tensor(s) for s in initial_state]
        hs, final = fused_lstm.lstm(x, states[0], states[1], kernel, recurrent_kernel, bias, mask)
        return _outputs(layer, hs, mask, [hs[-1], final])
    if not training:
        # Each step's projection inside the loop: TensorFlow runs it ahead, beside the
        # recurrence (measured at least as fast as projecting all steps before the loop).
        if layer.inference_precision == "bfloat16":
            kernel, recurrent_kernel = tf.cast(kernel, tf.bfloat16), tf.cast(recurrent_kernel, tf.bfloat16)
        projected = StepProjection(x, kernel, input_bias, GATES[kind])
    else:  # All steps' input projections before the loop (the backward pass reuses them).
        projected = _projections(x, kernel, input_bias, GATES[kind])
    states = [tf.convert_to_tensor(s) for s in initial_state]
    # Training keeps what the written-out backward pass needs; inference keeps only h.
    differentiable = bool(training)
    if kind == "lstm":
        hs, final = _lstm(projected, states[0], states[1], recurrent_kernel, mask, differentiable)
        new_states = [hs[-1], final]
    elif kind == "gru" and cell.reset_after:
        if candidate_bias is None:
            candidate_bias = tf.zeros([cell.units], tf.float32)
        hs = _gru(projected, states[0], recurrent_kernel, candidate_bias, mask, differentiable)
        new_states = [hs[-1]]
    elif kind == "gru":
        hs = _gru_reset_before(projected, states[0], recurrent_kernel, mask)
        new_states = [hs[-1]]
    else:
        hs = _simple_rnn(projected, states[0], recurrent_kernel, mask, differentiable)
        new_states = [hs[-1]]
    return _outputs(layer, hs, mask, new_states)


def _outputs(layer, hs, mask, new_states):
    """Keras' `inner_loop` result from the carried outputs `hs` [T, B, U] of the loop."""
    if mask is not None and layer.zero_output_for_mask:  # As Bidirectional asks.
        hs = tf.where(mask, hs, tf.zeros_like(hs))
    elif mask is not None:
        # Keras outputs zeros until the first unmasked step, then carries the output.
        seen = tf.cumsum(tf.cast(mask, hs.dtype), axis=0) > 0
        hs = tf.where(seen, hs, tf.zeros_like(hs))
    last_output = hs[-1]
    outputs = tf.transpose(hs, [1, 0, 2]) if layer.return_sequences else last_output[:, None]
    return last_output, outputs, new_states


class StepProjection:
    """The input projection computed when the loop reads step t, one matmul per gate.

    `gates(t)` is `[x[t] @ kernel_j + bias_j for each gate j]`, the kernel split
    into `parts` column blocks: several small matmuls run side by side on the
    cores (measured faster than one wide matmul).

    Args:
        x: Time-major inputs [T, B, D] (float32).
        kernel: The input kernel [D, parts * U], in the precision of the matmul.
        bias: Optional float32 bias [parts * U], added after the matmul.
        parts: Number of gates.
    """

    def __init__(self, x, kernel, bias, parts: int):
        self.x, self.steps = _lowered(x, kernel), _steps(x)
        self.blocks = _gate_blocks(kernel, bias, parts)

    def gates(self, t):
        return [_biased(_matmul(self.x[t], k), b) for k, b in self.blocks]


class HoistedProjection:
    """All steps' input projections, one [T, B, U] tensor per gate (from `_projections`).

    Args:
        projected: The list of per-gate projections.
    """

    def __init__(self, projected):
        self.steps = _steps(projected[0])
        self.parts = projected

    def gates(self, t):
        return [p[t] for p in self.parts]


def _steps(x):
    """The number of steps of time-major `x`: a Python int when known when tracing, else a tensor."""
    return x.shape[0] if x.shape[0] is not None else tf.shape(x)[0]


def _per_gate(projected):
    return projected if isinstance(projected, StepProjection) else HoistedProjection(projected)


def _projections(x, kernel, bias, parts: int):
    """`x @ kernel + bias` for all steps, one [T, B, U] tensor per gate.

    Separate matmuls per gate spare the copies of splitting one [T, B, parts * U]
    result before the loop and of joining its gradient after.
    """
    flat = tf.reshape(x, [-1, tf.shape(x)[-1]])
    shape = tf.concat([tf.shape(x)[:2], [kernel.shape[1] // parts]], 0)
    return [tf.reshape(_biased(tf.matmul(flat, k), b), shape) for k, b in _gate_blocks(kernel, bias, parts)]


def _gate_blocks(kernel, bias, parts: int):
    """[(kernel block, bias block or None)] for each gate: the kernel's column blocks."""
    biases = [None] * parts if bias is None else tf.split(bias, parts)
    return list(zip(tf.split(kernel, parts, axis=1), biases))


def _biased(product, bias):
    # bias_add lets TensorFlow fuse the bias into the matmul (measured faster than +).
    return product if bias is None else tf.nn.bias_add(product, bias)


def _lowered(a, kernel):
    """`a` in `kernel`'s precision (cast once per step, not once per gate)."""
    return a if a.dtype == kernel.dtype else tf.cast(a, kernel.dtype)


def _matmul(a, b):
    """`a @ b` in `b`'s precision, returned in float32 (float32 states, bfloat16 kernels)."""
    product = tf.matmul(_lowered(a, b), b)
    return product if product.dtype == tf.float32 else tf.cast(product, tf.float32)


def _carry(mask, t, new, old):
    return new if mask is None else tf.where(mask[t], new, old)


# Loops over at most this many steps, when the number is known when tracing, are unrolled: a
# `tf.while_loop` costs TensorFlow's executor tens of microseconds per step and loop variable,
# more than a short sequence's arithmetic (the latency of one name or one short text).
UNROLL_MAX_STEPS = 16


class _Steps:
    """A list with TensorArray's `write` and `stack`: the outputs of an unrolled loop."""

    def __init__(self, size: int):
        self.values = [None] * size

    def write(self, t, value):
        self.values[t] = value
        return self

    def stack(self):
        return tf.stack(self.values)


def _loop(step, steps, state, outputs):
    """`tf.while_loop` over `steps`, writing TensorArrays shaped like the `outputs` tensors.

    Static element shapes keep the loop convertible by TFLite (with a fixed batch).
    When `steps` is a Python int of at most `UNROLL_MAX_STEPS`, the steps are
    unrolled instead (same values, no loop overhead).
    """
    if isinstance(steps, int) and 0 < steps <= UNROLL_MAX_STEPS:
        arrays = tuple(_Steps(steps) for _ in outputs)
        for t in range(steps):
            state, arrays = step(t, state, arrays)
        return state, [a.stack() for a in arrays]
    arrays = tuple(tf.TensorArray(o.dtype, size=steps, element_shape=o.shape) for o in outputs)
    _, state, arrays = tf.while_loop(
        lambda t, *_: t < steps,
        lambda t, state, arrays: (t + 1, *step(t, state, arrays)),
        (tf.constant(0), state, arrays),
        maximum_iterations=steps,
    )
    return state, [a.stack() for a in arrays]


def _previous(first, values):
    """The state entering each step: [first, values[0], ..., values[T-2]], [T, B, U]."""
    return tf.concat([first[None], values[:-1]], axis=0)


def _flat(a):
    return tf.reshape(a, [-1, tf.shape(a)[-1]])


def _none_to_zeros(grad, like):
    return tf.zeros_like(like) if grad is None else grad


def _split_masked(mask, t, grad):
    """A gradient into the part for the step's new value and the part that skips the step."""
    if mask is None:
        return grad, 0.0
    through = tf.where(mask[t], grad, tf.zeros_like(grad))
    return through, grad - through


def _kernel_gradient(previous, grads):
    """The recurrent kernel's gradient: previous states [T*B, U] times each gate's gradients."""
    return tf.concat([tf.matmul(previous, _flat(g), transpose_a=True) for g in grads], axis=1)


def _transposed_gates(recurrent_kernel, parts: int):
    """The recurrent kernel's gate blocks, each transposed once before the reverse loop."""
    return [tf.transpose(k) for k in tf.split(recurrent_kernel, parts, axis=1)]


def _times_transposed(grads, transposed):
    """sum_j grads[j] @ transposed[j]: the gradient reaching the previous state."""
    return tf.add_n([tf.matmul(g, k) for g, k in zip(grads, transposed)])


# --- LSTM: z = x W + b + h R; gates i, f, g, o; c' = f c + i g; h' = o tanh(c') ---

def _lstm(projected, h0, c0, recurrent_kernel, mask, differentiable):
    """-> (h at every step [T, B, U], the last c [B, U])."""
    if not differentiable:  # Inference keeps only h; TensorFlow can still differentiate it.
        return _lstm_forward(projected, h0, c0, recurrent_kernel, mask, keep=False)[:2]

    @tf.custom_gradient
    def recurrence(x_i, x_f, x_g, x_o, h0, c0, recurrent_kernel):
        return _lstm_recurrence([x_i, x_f, x_g, x_o], h0, c0, recurrent_kernel, mask)

    return recurrence(*projected, h0, c0, recurrent_kernel)


def _lstm_forward(projected, h0, c0, recurrent_kernel, mask, keep):
    """The loop; `keep` also returns c and the gates i, f, g, o of every step."""
    projected = _per_gate(projected)
    kernels = tf.split(recurrent_kernel, 4, axis=1)  # One matmul per gate (see StepProjection).

    def step(t, state, arrays):
        h, c = state
        x_i, x_f, x_g, x_o = projected.gates(t)
        h_low = _lowered(h, kernels[0])
        i = tf.sigmoid(x_i + _matmul(h_low, kernels[0]))
        f = tf.sigmoid(x_f + _matmul(h_low, kernels[1]))
        g = tf.tanh(x_g + _matmul(h_low, kernels[2]))
        o = tf.sigmoid(x_o + _matmul(h_low, kernels[3]))
        c_new = f * c + i * g
        h_new = o * tf.tanh(c_new)
        h_new, c_new = _carry(mask, t, h_new, h), _carry(mask, t, c_new, c)
        written = (h_new, c_new, i, f, g, o) if keep else (h_new,)
        return (h_new, c_new), tuple(a.write(t, v) for a, v in zip(arrays, written))

    (_, c_last), arrays = _loop(step, projected.steps, (h0, c0), (h0,) * (6 if keep else 1))
    return (c_last, *arrays) if keep else (arrays[0], c_last)


def _lstm_recurrence(projected, h0, c0, recurrent_kernel, mask):
    steps = _steps(projected[0])
    c_last, hs, cs, i_s, f_s, g_s, o_s = _lstm_forward(projected, h0, c0, recurrent_kernel, mask, keep=True)
    c_prev = _previous(c0, cs)

    def grad(d_hs, d_c_last):
        d_hs = _none_to_zeros(d_hs, hs)
        transposed = _transposed_gates(recurrent_kernel, 4)
        # What does not depend on the incoming gradients, for all steps at once (big
        # elementwise ops), so the reverse loop keeps only a few multiplies per step.
        # Masked rows hold other values, but their gradients are zero.
        tanh_c = tf.tanh(cs)
        to_c = o_s * (1.0 - tanh_c * tanh_c)  # dc += dh * to_c
        to_i, to_f, to_g = g_s * i_s * (1.0 - i_s), c_prev * f_s * (1.0 - f_s), i_s * (1.0 - g_s * g_s)
        to_o = tanh_c * o_s * (1.0 - o_s)

        def back(k, state, arrays):
            dh, dc = state
            t = steps - 1 - k
            dh_new, dh_skip = _split_masked(mask, t, dh + d_hs[t])
            dc_new, dc_skip = _split_masked(mask, t, dc)
            dc_new = dc_new + dh_new * to_c[t]
            dz = (dc_new * to_i[t], dc_new * to_f[t], dc_new * to_g[t], dh_new * to_o[t])
            dh_prev = _times_transposed(dz, transposed) + dh_skip
            return (dh_prev, dc_new * f_s[t] + dc_skip), tuple(a.write(t, v) for a, v in zip(arrays, dz))

        (dh0, dc0), dzs = _loop(back, steps, (tf.zeros_like(h0), _none_to_zeros(d_c_last, c0)), (h0,) * 4)
        return (*dzs, dh0, dc0, _kernel_gradient(_flat(_previous(h0, hs)), dzs))

    return (hs, c_last), grad


# --- GRU, reset after (Keras' default): r = h R + b_r; z, r gates; n = tanh(x_n + r * r_n) ---

def _gru(projected, h0, recurrent_kernel, candidate_bias, mask, differentiable):
    """-> h at every step [T, B, U]."""
    if not differentiable:
        return _gru_forward(projected, h0, recurrent_kernel, candidate_bias, mask, keep=False)[0]

    @tf.custom_gradient
    def recurrence(x_z, x_r, x_n, h0, recurrent_kernel, candidate_bias):
        return _gru_recurrence([x_z, x_r, x_n], h0, recurrent_kernel, candidate_bias, mask)

    return recurrence(*projected, h0, recurrent_kernel, candidate_bias)


def _gru_forward(projected, h0, recurrent_kernel, candidate_bias, mask, keep):
    """The loop; `keep` also returns z, r, n and `h R_n + b_n` of every step."""
    projected = _per_gate(projected)
    k_z, k_r, k_n = tf.split(recurrent_kernel, 3, axis=1)

    def step(t, h, arrays):
        x_z, x_r, x_n = projected.gates(t)
        h_low = _lowered(h, k_z)
        z = tf.sigmoid(x_z + _matmul(h_low, k_z))  # x_z and x_r carry z's and r's recurrent biases.
        r = tf.sigmoid(x_r + _matmul(h_low, k_r))
        r_n = tf.nn.bias_add(_matmul(h_low, k_n), candidate_bias)
        n = tf.tanh(x_n + r * r_n)
        h_new = _carry(mask, t, z * h + (1.0 - z) * n, h)
        written = (h_new, z, r, n, r_n) if keep else (h_new,)
        return h_new, tuple(a.write(t, v) for a, v in zip(arrays, written))

    return _loop(step, projected.steps, h0, (h0,) * (5 if keep else 1))[1]


def _gru_recurrence(projected, h0, recurrent_kernel, candidate_bias, mask):
    steps = _steps(projected[0])
    hs, z_s, r_s, n_s, rn_s = _gru_forward(projected, h0, recurrent_kernel, candidate_bias, mask, keep=True)
    h_prev = _previous(h0, hs)

    def grad(d_hs):
        d_hs = _none_to_zeros(d_hs, hs)
        transposed = _transposed_gates(recurrent_kernel, 3)
        # Every gate's gradient is the step's dh times a factor known for all steps at once
        # (masked rows hold other values, but their gradients are zero).
        to_n = (1.0 - z_s) * (1.0 - n_s * n_s)
        to_z, to_r, to_rn = (h_prev - n_s) * z_s * (1.0 - z_s), to_n * rn_s * r_s * (1.0 - r_s), to_n * r_s

        def back(k, dh, arrays):
            t = steps - 1 - k
            dh_new, dh_skip = _split_masked(mask, t, dh + d_hs[t])
            d_recs = (dh_new * to_z[t], dh_new * to_r[t], dh_new * to_rn[t])
            dh_prev = dh_new * z_s[t] + _times_transposed(d_recs, transposed) + dh_skip
            return dh_prev, (arrays[0].write(t, dh_new),)

        dh0, (dh_new,) = _loop(back, steps, tf.zeros_like(h0), (h0,))
        dz, dr, dn, d_rn = dh_new * to_z, dh_new * to_r, dh_new * to_n, dh_new * to_rn
        d_recurrent = _kernel_gradient(_flat(h_prev), (dz, dr, d_rn))
        return dz, dr, dn, dh0, d_recurrent, tf.reduce_sum(d_rn, axis=[0, 1])

    return hs, grad


def _gru_reset_before(projected, h0, recurrent_kernel, mask):
    """GRU with `reset_after=False`: n = tanh(x_n + (r * h) R_n). TensorFlow differentiates it."""
    projected = _per_gate(projected)
    units = recurrent_kernel.shape[0]
    gates_kernel, candidate_kernel = recurrent_kernel[:, : 2 * units], recurrent_kernel[:, 2 * units :]

    def step(t, h, arrays):
        x_z, x_r, x_n = projected.gates(t)
        r_z, r_r = tf.split(_matmul(h, gates_kernel), 2, axis=-1)
        z, r = tf.sigmoid(x_z + r_z), tf.sigmoid(x_r + r_r)
        n = tf.tanh(x_n + _matmul(r * h, candidate_kernel))
        h_new = _carry(mask, t, z * h + (1.0 - z) * n, h)
        return h_new, (arrays[0].write(t, h_new),)

    return _loop(step, projected.steps, h0, (h0,))[1][0]


# --- SimpleRNN: h' = tanh(x W + b + h R) ---

def _simple_rnn(projected, h0, recurrent_kernel, mask, differentiable):
    """-> h at every step [T, B, U]."""
    if not differentiable:
        return _simple_rnn_forward(projected, h0, recurrent_kernel, mask)[-1]

    @tf.custom_gradient
    def recurrence(projected, h0, recurrent_kernel):
        return _simple_rnn_recurrence([projected], h0, recurrent_kernel, mask)

    return recurrence(projected[0], h0, recurrent_kernel)


def _simple_rnn_forward(projected, h0, recurrent_kernel, mask):
    """The loop -> [new h of every step, then (with a mask) the state after carrying]."""
    projected = _per_gate(projected)

    def step(t, h, arrays):
        h_new = tf.tanh(projected.gates(t)[0] + _matmul(h, recurrent_kernel))
        carried = _carry(mask, t, h_new, h)
        if mask is None:
            return carried, (arrays[0].write(t, h_new),)
        return carried, (arrays[0].write(t, h_new), arrays[1].write(t, carried))

    return _loop(step, projected.steps, h0, (h0,) * (1 if mask is None else 2))[1]


def _simple_rnn_recurrence(projected, h0, recurrent_kernel, mask):
    steps = _steps(projected[0])
    arrays = _simple_rnn_forward(projected, h0, recurrent_kernel, mask)
    news, hs = arrays[0], arrays[-1]  # Before and after carrying masked steps.

    def grad(d_hs):
        d_hs = _none_to_zeros(d_hs, hs)
        transposed = tf.transpose(recurrent_kernel)
        to_pre = 1.0 - news * news  # For all steps at once.

        def back(k, dh, arrays):
            t = steps - 1 - k
            dh_new, dh_skip = _split_masked(mask, t, dh + d_hs[t])
            d_pre = dh_new * to_pre[t]
            return tf.matmul(d_pre, transposed) + dh_skip, (arrays[0].write(t, d_pre),)

        dh0, (d_pre,) = _loop(back, steps, tf.zeros_like(h0), (h0,))
        d_recurrent = _kernel_gradient(_flat(_previous(h0, hs)), [d_pre])
        return d_pre, dh0, d_recurrent

    return hs, grad
