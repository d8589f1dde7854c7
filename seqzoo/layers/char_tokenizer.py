"""Characters <-> ids, built on tensorflow-text's Unicode character tokenizer."""
from __future__ import annotations

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from seqzoo.layers.tokenizer import END_ID, OOV_ID, START_ID, Tokenizer, as_string_tensor


@keras.saving.register_keras_serializable(package="seqzoo")
class CharTokenizer(Tokenizer):
    """Unicode characters -> ids, with `<unk>`, `<s>` and `</s>` markers.

    Bytes that are not valid UTF-8 become U+FFFD (the replacement character),
    which maps to `<unk>` unless it is in the vocabulary.

    Args:
        vocabulary: A list of single characters, or None to `adapt` later.
        max_vocabulary_size: The most ids `adapt` may use, specials included.

    Example:
    >>> tok = CharTokenizer(vocabulary=list("abc"))
    >>> tok.tokenize(["cab"]).to_list()
    [[6, 4, 5]]
    >>> tok.detokenize([[6, 4, 5]])
    ['cab']
    """

    def set_vocabulary(self, vocabulary) -> None:
        vocabulary = list(vocabulary)
        for token in vocabulary:
            if len(token) != 1:
                raise ValueError(f"CharTokenizer tokens are single characters, got {token!r}.")
        super().set_vocabulary(vocabulary)

    def split(self, texts) -> tf.RaggedTensor:
        """Texts -> a ragged [batch, chars] tensor of one-character strings."""
        return tf.strings.unicode_split(as_string_tensor(texts), "UTF-8", errors="replace")

    def _build_tables(self, vocabulary: list[str]) -> None:
        codepoints = tf.constant([ord(c) for c in vocabulary], tf.int64)
        ids = tf.range(4, 4 + len(vocabulary), dtype=tf.int64)
        self._lookup = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(codepoints, ids), default_value=OOV_ID
        )
        # id -> codepoint; specials decode to nothing (-1 is dropped below).
        self._codepoints = tf.constant([-1] * 4 + [ord(c) for c in vocabulary], tf.int32)
        self._splitter = tf_text.UnicodeCharTokenizer()

    def tokenize(self, texts) -> tf.RaggedTensor:
        """Texts -> a ragged [batch, chars] tensor of int32 ids (no markers)."""
        self._require_vocabulary()
        codepoints = self._splitter.tokenize(as_string_tensor(texts))
        ids = tf.ragged.map_flat_values(
            lambda c: self._lookup.lookup(tf.cast(c, tf.int64)), codepoints
        )
        return tf.cast(ids, tf.int32)

    def detokenize(self, ids) -> list[str]:
        """Ids (nested lists, dense or ragged) -> texts. Special ids are dropped."""
        self._require_vocabulary()
        ids = tf.ragged.constant(ids, tf.int32) if isinstance(ids, list) else ids
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids, tf.int32))
        codepoints = tf.ragged.map_flat_values(
            lambda i: tf.gather(self._codepoints, tf.clip_by_value(i, 0, len(self.vocabulary) + 3)),
            ids,
        )
        codepoints = tf.ragged.boolean_mask(codepoints, codepoints >= 0)
        text = self._splitter.detokenize(codepoints)
        return [t.decode("utf-8", "replace") for t in text.numpy().tolist()]

    def token_for(self, token_id: int) -> str:
        """A readable form of one id: the character, or a marker such as `</s>`."""
        return self.id_to_token(int(token_id))


__all__ = ["CharTokenizer", "START_ID", "END_ID"]
