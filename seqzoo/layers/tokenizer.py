"""The base class of seqzoo tokenizers: a vocabulary kept as a preset asset."""
from __future__ import annotations

import collections
from collections.abc import Iterable
from pathlib import Path

import keras
import tensorflow as tf

from seqzoo.errors import InputError, PresetError
from seqzoo.validation import check_int

PAD, OOV, START, END = "<pad>", "<unk>", "<s>", "</s>"
SPECIAL_TOKENS = (PAD, OOV, START, END)
PAD_ID, OOV_ID, START_ID, END_ID = range(4)
VOCABULARY_FILE = "vocabulary.txt"


class Tokenizer(keras.layers.Layer):
    """Text <-> ids through a vocabulary; ids 0-3 are pad, unknown, start and end.

    Subclasses define how a text splits into tokens (`split`) and how tokens
    join back (`join`). The vocabulary lists the ordinary tokens only; token
    `vocabulary[i]` has id `i + 4`.

    Args:
        vocabulary: A list of tokens, or None to learn one later with `adapt`.
        max_vocabulary_size: The most ids `adapt` may use, specials included.
    """

    def __init__(
        self,
        vocabulary: list[str] | None = None,
        max_vocabulary_size: int | None = None,
        **kwargs,
    ):
        kwargs.setdefault("trainable", False)
        kwargs.setdefault("dtype", "int32")
        super().__init__(**kwargs)
        # Each id below len(SPECIAL_TOKENS) is reserved: a smaller budget would hold no token at all.
        self.max_vocabulary_size = check_int("max_vocabulary_size", max_vocabulary_size,
                                             minimum=len(SPECIAL_TOKENS) + 1, allow_none=True)
        self.vocabulary: list[str] | None = None
        self.built = True  # No weights: the vocabulary lives in lookup tables.
        if vocabulary is not None:
            self.set_vocabulary(vocabulary)

    # === Vocabulary ===
    @property
    def vocabulary_size(self) -> int:
        """Number of ids, the four special tokens included."""
        self._require_vocabulary()
        return len(self.vocabulary) + len(SPECIAL_TOKENS)

    def set_vocabulary(self, vocabulary: Iterable[str]) -> None:
        """Use `vocabulary` (ordinary tokens, most useful first)."""
        if isinstance(vocabulary, str | bytes) or not hasattr(vocabulary, "__iter__"):
            # A lone string would become one token per character: say so rather than guess.
            raise InputError(f"The vocabulary must be a list of tokens such as ['good', 'film'] (for "
                             f"characters: list('abc')); got {type(vocabulary).__name__} {vocabulary!r:.40}.")
        vocabulary = [str(token) for token in vocabulary]
        if not vocabulary:
            raise InputError("The vocabulary is empty; give at least one token (or learn one with adapt(texts)).")
        if len(set(vocabulary)) != len(vocabulary):
            raise InputError("The vocabulary has duplicate tokens; give each token once.")
        clash = set(vocabulary) & set(SPECIAL_TOKENS)
        if clash:
            raise InputError(f"The vocabulary must not contain the special tokens {sorted(clash)}.")
        self.vocabulary = vocabulary
        self._build_tables(vocabulary)

    def adapt(self, texts: Iterable[str], *, min_count: int = 1) -> None:
        """Learn the vocabulary from `texts`: the most frequent tokens first.

        Args:
            texts: An iterable of strings.
            min_count: Tokens seen fewer times are left out (they map to `<unk>`).
        """
        counts: collections.Counter = collections.Counter()
        texts = as_string_tensor(texts)  # InputError for anything but strings.
        for start in range(0, int(texts.shape[0]), 4096):
            tokens = self.split(texts[start : start + 4096]).flat_values.numpy()
            counts.update(t.decode("utf-8", "replace") for t in tokens)
        ranked = sorted(
            (t for t, c in counts.items() if c >= min_count and t not in SPECIAL_TOKENS),
            key=lambda t: (-counts[t], t),
        )
        if self.max_vocabulary_size is not None:
            ranked = ranked[: self.max_vocabulary_size - len(SPECIAL_TOKENS)]
        if not ranked:
            raise InputError("adapt() found no tokens: give it a non-empty list of texts.")
        self.set_vocabulary(ranked)

    def id_to_token(self, token_id: int) -> str:
        """The token with id `token_id` (specials included)."""
        self._require_vocabulary()
        table = list(SPECIAL_TOKENS) + self.vocabulary
        if not 0 <= token_id < len(table):
            raise InputError(f"Token id {token_id} is outside 0..{len(table) - 1}.")
        return table[token_id]

    def _require_vocabulary(self) -> None:
        if self.vocabulary is None:
            raise InputError(
                f"{type(self).__name__} has no vocabulary yet: pass `vocabulary=` or call `adapt(texts)`."
            )

    # === Assets (vocabulary files inside a preset) ===
    def save_assets(self, dir_path: str) -> None:
        self._require_vocabulary()
        text = "".join(_escape(token) + "\n" for token in self.vocabulary)
        Path(dir_path, VOCABULARY_FILE).write_text(text, encoding="utf-8")

    def load_assets(self, dir_path: str) -> None:
        path = Path(dir_path, VOCABULARY_FILE)
        try:
            lines = path.read_text(encoding="utf-8").split("\n")
        except (OSError, UnicodeDecodeError) as error:
            raise PresetError(f"Cannot read the vocabulary asset {path}: {error}") from None
        if not lines or lines[-1] != "":
            raise PresetError(f"The vocabulary asset {path} is truncated (no final newline).")
        self.set_vocabulary([_unescape(line) for line in lines[:-1]])

    # === Splitting, to be defined by subclasses ===
    def split(self, texts) -> tf.RaggedTensor:
        """Texts -> a ragged [batch, tokens] tensor of token strings."""
        raise NotImplementedError

    def _build_tables(self, vocabulary: list[str]) -> None:
        raise NotImplementedError

    def tokenize(self, texts) -> tf.RaggedTensor:
        raise NotImplementedError

    def call(self, texts):
        return self.tokenize(texts)

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(vocabulary=self.vocabulary, max_vocabulary_size=self.max_vocabulary_size)
        return config


def _escape(token: str) -> str:
    # One token per line: a newline or backslash inside a token is escaped.
    return token.replace("\\", "\\\\").replace("\n", "\\n")


def _unescape(line: str) -> str:
    out, chars = [], iter(line)
    for char in chars:
        if char == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt == "n" else nxt)
        else:
            out.append(char)
    return "".join(out)


def as_string_tensor(texts) -> tf.Tensor:
    """Check that `texts` is a string or a list of strings; return a tf string tensor.

    Args:
        texts: A str, a list/tuple/array of str, or a tf string tensor.

    Example:
    >>> as_string_tensor(["a", "b"]).shape
    TensorShape([2])
    """
    if isinstance(texts, tf.Tensor | tf.RaggedTensor):
        if texts.dtype != tf.string:
            raise InputError(f"Expected string texts, got a tensor of {texts.dtype.name}.")
        return texts
    if isinstance(texts, str | bytes):
        texts = [texts]
    try:
        items = list(texts)
    except TypeError:
        raise InputError(
            f"Expected a string or a list of strings, got {type(texts).__name__}."
        ) from None
    for i, item in enumerate(items):
        if not isinstance(item, str | bytes):
            raise InputError(
                f"Text {i} is a {type(item).__name__}, not a string; pass a list of strings."
            )
    # Invalid UTF-8 bytes are decoded with replacement (U+FFFD) by the tokenizers.
    encoded = [t.encode("utf-8", "surrogatepass") if isinstance(t, str) else t for t in items]
    return tf.constant(encoded, tf.string, shape=[len(encoded)])
