"""The base class of preprocessors: a tokenizer plus packing, as a Keras layer."""
from __future__ import annotations

import keras

from seqzoo.layers.tokenizer import as_string_tensor
from seqzoo.validation import check_int

MAX_SEQUENCE_LENGTH = 1_000_000  # Texts are cut at 50,000 words; windows this long never fit in memory.


class Preprocessor(keras.layers.Layer):
    """Raw texts -> model inputs. Holds a tokenizer; has no weights.

    Calling it accepts a Python list of strings as well as a string tensor.

    Args:
        tokenizer: A seqzoo `Tokenizer`.
        sequence_length: Steps per training window.
    """

    def __init__(self, tokenizer, sequence_length: int, **kwargs):
        kwargs.setdefault("trainable", False)
        super().__init__(**kwargs)
        self.tokenizer = tokenizer
        self.sequence_length = check_int("sequence_length", sequence_length, minimum=1, maximum=MAX_SEQUENCE_LENGTH)
        self.built = True  # No weights.

    def __call__(self, texts, *args, **kwargs):
        # Keras layers take tensors only; users pass lists of strings.
        return super().__call__(as_string_tensor(texts), *args, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(tokenizer=keras.saving.serialize_keras_object(self.tokenizer),
                      sequence_length=self.sequence_length)
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        config["tokenizer"] = keras.saving.deserialize_keras_object(config["tokenizer"])
        return cls(**config)
