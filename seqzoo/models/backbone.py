"""The recurrent network shared by every task: embedding or features -> stacked RNN."""
from __future__ import annotations

import keras

from seqzoo.errors import InputError
from seqzoo.layers import GRU, LSTM, SimpleRNN
from seqzoo.validation import check_bool, check_float, check_int

# Keras' layers with a faster CPU loop; same class names, so presets' weight paths are unchanged.
ARCHITECTURES = {
    "simple_rnn": SimpleRNN,
    "lstm": LSTM,
    "gru": GRU,
}


def recurrent_layer(architecture: str, units: int, *, return_sequences: bool, name: str):
    """One recurrent layer of `architecture` that also returns its final state.

    Args:
        architecture: "simple_rnn", "lstm" or "gru".
        units: The hidden size.
        return_sequences: Output every step, or only the last.
        name: The layer name.

    Example:
    >>> recurrent_layer("gru", 8, return_sequences=True, name="gru_0").units
    8
    """
    if architecture not in ARCHITECTURES:
        raise InputError(
            f"Unknown architecture {architecture!r}; choose one of {sorted(ARCHITECTURES)}."
        )
    return ARCHITECTURES[architecture](
        units, return_sequences=return_sequences, return_state=True, name=name
    )


def _check_sizes(vocabulary_size, feature_dim, embedding_dim, hidden_size, num_layers) -> None:
    """Sizes are whole numbers within the limits that loading enforces too (see config_safety)."""
    from seqzoo.config_safety import size_limit

    units, vocabulary = size_limit("SEQZOO_MAX_UNITS"), size_limit("SEQZOO_MAX_VOCABULARY")
    check_int("vocabulary_size", vocabulary_size, minimum=1, maximum=vocabulary, allow_none=True)
    check_int("feature_dim", feature_dim, minimum=1, maximum=units, allow_none=True)
    check_int("embedding_dim", embedding_dim, minimum=1, maximum=units)
    check_int("hidden_size", hidden_size, minimum=1, maximum=units)
    check_int("num_layers", num_layers, minimum=1, maximum=size_limit("SEQZOO_MAX_LAYERS"))


@keras.saving.register_keras_serializable(package="seqzoo")
class RecurrentBackbone(keras.Model):
    """Token ids (or feature vectors) -> hidden states of a stacked RNN.

    Each recurrent layer returns its final state as well, so tasks can run
    the layers step by step (generation) or chunk by chunk (long texts).

    Args:
        architecture: "simple_rnn", "lstm" or "gru".
        vocabulary_size: Number of token ids; None for real-valued features.
        feature_dim: Number of input features when `vocabulary_size` is None.
        embedding_dim: Size of the token embedding.
        hidden_size: Units per recurrent layer (per direction).
        num_layers: Stacked recurrent layers.
        bidirectional: Read the sequence in both directions.
        dropout: Dropout rate on the embedding and between layers.
        word_dropout: Rate of dropping whole words (their embedding vectors)
            in training; a strong regulariser for small text datasets.
        return_sequences: Output every step ([B, T, H]) or the last one ([B, H]).

    Example:
    >>> backbone = RecurrentBackbone("lstm", vocabulary_size=40, hidden_size=16)
    >>> backbone(np.ones((2, 5), "int32")).shape
    (2, 5, 16)
    """

    def __init__(
        self,
        architecture: str = "lstm",
        vocabulary_size: int | None = None,
        feature_dim: int | None = None,
        embedding_dim: int = 64,
        hidden_size: int = 256,
        num_layers: int = 1,
        bidirectional: bool = False,
        dropout: float = 0.0,
        return_sequences: bool = True,
        word_dropout: float = 0.0,
        **kwargs,
    ):
        if (vocabulary_size is None) == (feature_dim is None):
            raise InputError("Give exactly one of vocabulary_size (tokens) or feature_dim (features).")
        _check_sizes(vocabulary_size, feature_dim, embedding_dim, hidden_size, num_layers)
        bidirectional, return_sequences = check_bool("bidirectional", bidirectional), check_bool(
            "return_sequences", return_sequences)
        for name, rate in (("dropout", dropout), ("word_dropout", word_dropout)):
            check_float(name, rate, minimum=0.0, maximum=1.0)
        if not (0.0 <= dropout < 1.0 and 0.0 <= word_dropout < 1.0):
            raise InputError(f"dropout and word_dropout must be in [0, 1), got {dropout}, {word_dropout}.")
        # === Layers ===
        if vocabulary_size is not None:
            self.token_embedding = keras.layers.Embedding(
                vocabulary_size, embedding_dim, mask_zero=True, name="token_embedding"
            )
        else:
            self.token_embedding = None
        self.recurrent_layers = []
        for i in range(num_layers):
            last = i == num_layers - 1
            layer = recurrent_layer(
                architecture, hidden_size,
                return_sequences=return_sequences or not last, name=f"{architecture}_{i}",
            )
            if bidirectional:
                layer = keras.layers.Bidirectional(layer, name=f"bidirectional_{i}")
            self.recurrent_layers.append(layer)
        self.dropout_layer = keras.layers.Dropout(dropout, name="dropout") if dropout else None
        self.word_dropout_layer = (
            keras.layers.Dropout(word_dropout, noise_shape=(None, None, 1), name="word_dropout")
            if word_dropout and vocabulary_size is not None else None
        )

        # === Functional Model ===
        if vocabulary_size is not None:
            inputs = keras.Input(shape=(None,), dtype="int32", name="token_ids")
            x = self.token_embedding(inputs)
            if self.word_dropout_layer is not None:
                x = self.word_dropout_layer(x)
        else:
            inputs = keras.Input(shape=(None, feature_dim), dtype="float32", name="features")
            x = inputs
        for layer in self.recurrent_layers:
            if self.dropout_layer is not None:
                x = self.dropout_layer(x)
            x = layer(x)[0]
        if self.dropout_layer is not None:
            x = self.dropout_layer(x)
        super().__init__(inputs=inputs, outputs=x, **kwargs)

        # === Config ===
        self.architecture = architecture
        self.vocabulary_size = vocabulary_size
        self.feature_dim = feature_dim
        self.embedding_dim = embedding_dim
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bidirectional = bidirectional
        self.dropout = dropout
        self.return_sequences = return_sequences
        self.word_dropout = word_dropout

    @property
    def output_size(self) -> int:
        """Size of the last axis of the output."""
        return self.hidden_size * (2 if self.bidirectional else 1)

    def get_config(self) -> dict:
        return {
            "name": self.name,
            "trainable": self.trainable,
            "architecture": self.architecture,
            "vocabulary_size": self.vocabulary_size,
            "feature_dim": self.feature_dim,
            "embedding_dim": self.embedding_dim,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "return_sequences": self.return_sequences,
            "word_dropout": self.word_dropout,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
