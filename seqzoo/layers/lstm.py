"""`seqzoo.layers.LSTM`: Keras' LSTM with a faster loop on CPU."""
from __future__ import annotations

import keras

from seqzoo.layers import fast_rnn


@keras.saving.register_keras_serializable(package="seqzoo")
class LSTM(fast_rnn.FastLoop, keras.layers.LSTM):
    """Long Short-Term Memory layer, a drop-in `keras.layers.LSTM` that is faster on CPU.

    Same arguments, weights (kernel `[D, 4U]`, recurrent kernel `[U, 4U]`, bias
    `[4U]`, gates in the order i, f, c, o) and outputs as `keras.layers.LSTM`;
    weights load in both directions. On CPU with the TensorFlow backend the
    matmuls run per gate, the input projection of all steps is computed before
    the loop in training and the backward pass is written out (see
    `seqzoo.layers.fast_rnn`). The stock Keras loop still runs on GPU
    (cuDNN), with recurrent dropout in training, `unroll=True`, non-default
    activations or a non-float32 dtype policy.

    Args:
        units: Dimension of the output space.
        return_sequences: Return the output of every step ([B, T, U]) or the last one.
        return_state: Also return the last state (h and c).
        go_backwards: Read the sequence backwards and return the reversed sequence.
        dropout: Fraction of the inputs' units to drop in training.
        recurrent_dropout: Fraction of the state's units to drop (stock Keras loop).
        **kwargs: Every other argument of `keras.layers.LSTM`.

    Call arguments:
        inputs: A 3D tensor [batch, timesteps, features].
        mask: Optional [batch, timesteps] booleans; masked steps carry the state.
        training: Whether dropout applies.
        initial_state: Optional list [h, c] of [batch, units] tensors.

    Example:
    >>> layer = LSTM(8, return_sequences=True)
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    (2, 5, 8)
    """

    kind = "lstm"
