"""`seqzoo.layers.GRU`: Keras' GRU with a faster loop on CPU."""
from __future__ import annotations

import keras

from seqzoo.layers import fast_rnn


@keras.saving.register_keras_serializable(package="seqzoo")
class GRU(fast_rnn.FastLoop, keras.layers.GRU):
    """Gated Recurrent Unit layer, a drop-in `keras.layers.GRU` that is faster on CPU.

    Same arguments, weights (kernel `[D, 3U]`, recurrent kernel `[U, 3U]`, gates
    z, r, h; bias `[2, 3U]` with `reset_after=True`, else `[3U]`) and outputs as
    `keras.layers.GRU`; weights load in both directions. On CPU with the
    TensorFlow backend the matmuls run per gate, the input projection of all
    steps is computed before the loop in training; with `reset_after=True`
    (the default) the backward pass is written out too (see `seqzoo.layers.fast_rnn`).
    The stock Keras loop still runs on GPU (cuDNN), with recurrent dropout in
    training, `unroll=True`, non-default activations or a non-float32 dtype policy.

    Args:
        units: Dimension of the output space.
        return_sequences: Return the output of every step ([B, T, U]) or the last one.
        return_state: Also return the last state h.
        go_backwards: Read the sequence backwards and return the reversed sequence.
        dropout: Fraction of the inputs' units to drop in training.
        recurrent_dropout: Fraction of the state's units to drop (stock Keras loop).
        reset_after: Apply the reset gate after the recurrent matmul (Keras' default).
        **kwargs: Every other argument of `keras.layers.GRU`.

    Call arguments:
        inputs: A 3D tensor [batch, timesteps, features].
        mask: Optional [batch, timesteps] booleans; masked steps carry the state.
        training: Whether dropout applies.
        initial_state: Optional list [h] of one [batch, units] tensor.

    Example:
    >>> layer = GRU(8, return_state=True)
    >>> output, state = layer(np.zeros((2, 5, 3), "float32"))
    >>> output.shape, state.shape
    ((2, 8), (2, 8))
    """

    kind = "gru"
