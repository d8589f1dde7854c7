"""`seqzoo.layers.SimpleRNN`: Keras' SimpleRNN with a faster loop on CPU."""
from __future__ import annotations

import keras

from seqzoo.layers import fast_rnn


@keras.saving.register_keras_serializable(package="seqzoo")
class SimpleRNN(fast_rnn.FastLoop, keras.layers.SimpleRNN):
    """Fully-connected RNN layer, a drop-in `keras.layers.SimpleRNN` that is faster on CPU.

    Same arguments, weights (kernel `[D, U]`, recurrent kernel `[U, U]`, bias
    `[U]`) and outputs as `keras.layers.SimpleRNN`; weights load in both
    directions. On CPU with the TensorFlow backend the input projection of all
    steps is one matmul in training and the backward pass is written out. The stock Keras
    loop still runs with recurrent dropout in training, `unroll=True`, an
    activation other than tanh or a non-float32 dtype policy.

    Args:
        units: Dimension of the output space.
        return_sequences: Return the output of every step ([B, T, U]) or the last one.
        return_state: Also return the last state h.
        go_backwards: Read the sequence backwards and return the reversed sequence.
        dropout: Fraction of the inputs' units to drop in training.
        recurrent_dropout: Fraction of the state's units to drop (stock Keras loop).
        **kwargs: Every other argument of `keras.layers.SimpleRNN`.

    Call arguments:
        inputs: A 3D tensor [batch, timesteps, features].
        mask: Optional [batch, timesteps] booleans; masked steps carry the state.
        training: Whether dropout applies.
        initial_state: Optional list [h] of one [batch, units] tensor.

    Example:
    >>> layer = SimpleRNN(8)
    >>> layer(np.zeros((2, 5, 3), "float32")).shape
    (2, 8)
    """

    kind = "simple_rnn"
