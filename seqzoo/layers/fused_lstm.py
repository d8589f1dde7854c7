"""An LSTM layer's inference in one TensorFlow kernel (`BlockLSTMV2`), for one input at a time.

The loop of `seqzoo.layers.fast_rnn` runs about twenty small ops per step; for
one name or one review, TensorFlow's per-op cost, not the arithmetic, sets the
time. `BlockLSTMV2` runs all steps of a layer inside one CPU kernel. Measured
here (`benchmarks/latency.py`, performance guide), two LSTM layers over one
input took about half the time of the loop; from a batch of two upwards the
loop's per-gate matmuls, spread over the cores, were faster. So the fast path
of the task models traces its one-input graphs inside `fused_kernels()`, and
nothing else uses this module.

Masks keep Keras' meaning exactly: the unmasked steps of each sequence are
moved to its front before the kernel runs, and each output is then the state
after the unmasked steps seen so far (masked steps carry the state).

Example:
>>> with fused_kernels():
...     graph = tf.function(lambda x: layer(x)).get_concrete_function(spec)  # doctest: +SKIP
"""
from __future__ import annotations

import contextlib
import threading

import tensorflow as tf

_STATE = threading.local()


@contextlib.contextmanager
def fused_kernels():
    """Within this block (in this thread), LSTM layers traced for inference use `BlockLSTMV2`.

    Example:
    >>> with fused_kernels():
    ...     enabled()
    True
    >>> enabled()
    False
    """
    before = enabled()
    _STATE.on = True
    try:
        yield
    finally:
        _STATE.on = before


def enabled() -> bool:
    """Whether LSTM layers traced now use the fused kernel (see `fused_kernels`)."""
    return getattr(_STATE, "on", False)


def lstm(x, h0, c0, kernel, recurrent_kernel, bias, mask):
    """One LSTM layer over time-major `x`, in one kernel; the loop's contract in `fast_rnn`.

    Args:
        x: Inputs [T, B, D], float32.
        h0: Initial output [B, U].
        c0: Initial cell state [B, U].
        kernel: Input kernel [D, 4U], gates i, f, c, o (Keras' order).
        recurrent_kernel: [U, 4U].
        bias: [4U] or None.
        mask: Which steps count, [T, B, 1] bool, or None.

    Returns:
        (h at every step [T, B, U], masked steps carrying the state; the last c [B, U]).

    Example:
    >>> hs, c = lstm(tf.zeros([3, 1, 2]), tf.zeros([1, 4]), tf.zeros([1, 4]),
    ...              tf.zeros([2, 16]), tf.zeros([4, 16]), None, None)
    >>> hs.shape, c.shape
    (TensorShape([3, 1, 4]), TensorShape([1, 4]))
    """
    units = recurrent_kernel.shape[0]
    if kernel.shape[0] % 2:  # The kernel warns (and slows) when batch and input sizes are both odd.
        x = tf.pad(x, [[0, 0], [0, 0], [0, 1]])
        kernel = tf.pad(kernel, [[0, 1], [0, 0]])
    if mask is not None:
        valid = mask[:, :, 0]
        # A stable sort puts each sequence's unmasked steps first, in order.
        order = tf.argsort(tf.cast(tf.logical_not(valid), tf.int32), axis=0, stable=True)
        x = tf.transpose(tf.gather(tf.transpose(x, [1, 0, 2]), tf.transpose(order), batch_dims=1), [1, 0, 2])
    no_peephole = tf.zeros([units], x.dtype)
    outputs = tf.raw_ops.BlockLSTMV2(
        seq_len_max=tf.cast(tf.shape(x)[0], tf.int64), x=x, cs_prev=c0, h_prev=h0,
        w=tf.concat([kernel, recurrent_kernel], axis=0),
        b=tf.zeros([4 * units], x.dtype) if bias is None else bias,
        wci=no_peephole, wcf=no_peephole, wco=no_peephole, cell_clip=-1.0, use_peephole=False)
    cs, hs = outputs[1], outputs[6]
    if mask is None:
        return hs, cs[-1]
    # Step t's output is the state after the first `seen[t]` unmasked steps (0: the initial one).
    seen = tf.transpose(tf.cumsum(tf.cast(valid, tf.int32), axis=0))  # [B, T]
    hs = tf.concat([h0[None], hs], axis=0)
    cs = tf.concat([c0[None], cs], axis=0)
    carried = tf.gather(tf.transpose(hs, [1, 0, 2]), seen, batch_dims=1)  # [B, T, U]
    c_last = tf.gather(tf.transpose(cs, [1, 0, 2]), seen[:, -1:], batch_dims=1)[:, 0]
    return tf.transpose(carried, [1, 0, 2]), c_last
