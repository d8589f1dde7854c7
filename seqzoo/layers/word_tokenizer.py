"""Words <-> ids: Unicode normalisation, case folding and splitting by tensorflow-text."""
from __future__ import annotations

import keras
import tensorflow as tf
import tensorflow_text as tf_text

from seqzoo.layers.tokenizer import OOV_ID, Tokenizer, as_string_tensor

# Runs of whitespace separate words; each other symbol is a token of its own.
# RE2's \w is ASCII-only, so letters, marks and digits are named as Unicode classes.
_DELIMITER = r"\s+|[^\pL\pM\pN_\s]"
_KEEP_DELIMITER = r"[^\pL\pM\pN_\s]"


@keras.saving.register_keras_serializable(package="seqzoo")
class WordTokenizer(Tokenizer):
    """Texts -> word ids: NFKC normalisation, case folding, word and punctuation split.

    Args:
        vocabulary: A list of words, or None to `adapt` later.
        max_vocabulary_size: The most ids `adapt` may use, specials included.
        lowercase: Fold case (tensorflow-text `case_fold_utf8`) before splitting.

    Example:
    >>> tok = WordTokenizer(vocabulary=["good", "film", "!"])
    >>> tok.tokenize(["Good FILM!!"]).to_list()
    [[4, 5, 6, 6]]
    """

    def __init__(self, vocabulary=None, max_vocabulary_size=None, lowercase: bool = True, **kwargs):
        self.lowercase = lowercase
        super().__init__(vocabulary=vocabulary, max_vocabulary_size=max_vocabulary_size, **kwargs)

    def _build_tables(self, vocabulary: list[str]) -> None:
        keys = tf.constant(vocabulary, tf.string)
        ids = tf.range(4, 4 + len(vocabulary), dtype=tf.int64)
        self._lookup = tf.lookup.StaticHashTable(
            tf.lookup.KeyValueTensorInitializer(keys, ids), default_value=OOV_ID
        )
        self._words = tf.constant(["", "", "", ""] + vocabulary, tf.string)

    def split(self, texts) -> tf.RaggedTensor:
        """Texts -> a ragged [batch, words] tensor of normalised word strings."""
        texts = tf_text.normalize_utf8(as_string_tensor(texts), "NFKC")
        if self.lowercase:
            texts = tf_text.case_fold_utf8(texts)
        return tf_text.regex_split(texts, _DELIMITER, _KEEP_DELIMITER)

    def tokenize(self, texts) -> tf.RaggedTensor:
        """Texts -> a ragged [batch, words] tensor of int32 ids."""
        self._require_vocabulary()
        ids = tf.ragged.map_flat_values(self._lookup.lookup, self.split(texts))
        return tf.cast(ids, tf.int32)

    def detokenize(self, ids) -> list[str]:
        """Ids -> texts with words joined by spaces (special ids dropped)."""
        self._require_vocabulary()
        ids = tf.ragged.constant(ids, tf.int32) if isinstance(ids, list) else ids
        if not isinstance(ids, tf.RaggedTensor):
            ids = tf.RaggedTensor.from_tensor(tf.convert_to_tensor(ids, tf.int32))
        words = tf.ragged.map_flat_values(lambda i: tf.gather(self._words, i), ids)
        words = tf.ragged.boolean_mask(words, ids >= 4)
        return [t.decode("utf-8") for t in tf.strings.reduce_join(words, axis=1, separator=" ").numpy()]

    def get_config(self) -> dict:
        config = super().get_config()
        config["lowercase"] = self.lowercase
        return config
