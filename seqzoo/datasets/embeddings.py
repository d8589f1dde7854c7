"""Pretrained word vectors from a pinned source: `load_embeddings("glove-6b-50d")`.

The vectors are a NumPy `.npy` file (read without pickle); the words are a
parquet file with one column `index`, read with pyarrow, an optional
dependency (`pip install "seqzoo[recipes]"`) that is imported only here, never
when a preset is loaded.
"""
from __future__ import annotations

import io
import re

import numpy as np

from seqzoo.datasets import fetch as _fetch
from seqzoo.datasets.sources import get_source
from seqzoo.errors import DatasetError, MissingDependencyError
from seqzoo.validation import check_bool

_WORD = re.compile(r"\w+")

EMBEDDINGS = {
    # dataset id -> (vectors file, words file, column of the words)
    "glove-6b-50d": ("glove_6B_50d_emb.npy", "glove_6B_index.parquet", "index"),
}


def load_embeddings(name: str = "glove-6b-50d", *, allow_fetch: bool = True) -> tuple[list[str], np.ndarray]:
    """Return the words and vectors of a pinned word-vector source, fetching it on first use.

    Args:
        name: The dataset id of the vectors (see `EMBEDDINGS`).
        allow_fetch: If False, never download; raise when not cached.

    Returns:
        (words, vectors): a list of N words and a float32 array [N, dim];
        row i of `vectors` is the vector of `words[i]`.

    Raises:
        DatasetError: Unknown name, the data cannot be fetched or verified,
            its files disagree, or pyarrow is not installed.

    Example:
    >>> words, vectors = load_embeddings("glove-6b-50d")  # doctest: +SKIP
    >>> words[0], vectors.shape
    ('the', (400000, 50))
    """
    allow_fetch = check_bool("allow_fetch", allow_fetch)
    if not isinstance(name, str) or name not in EMBEDDINGS:
        raise DatasetError(f"{name!r} holds no word vectors; choose one of {sorted(EMBEDDINGS)}.")
    vectors_file, words_file, column = EMBEDDINGS[name]
    fetched = _fetch.ensure(get_source(name), allow_fetch=allow_fetch)
    vectors = _read_vectors(vectors_file, fetched.files[vectors_file])
    words = _read_words(words_file, fetched.files[words_file], column)
    if len(words) != len(vectors):
        raise DatasetError(f"{name}: {words_file} names {len(words):,} words but {vectors_file} "
                           f"holds {len(vectors):,} vectors.")
    return words, vectors


def _read_vectors(file_name: str, data: bytes) -> np.ndarray:
    try:
        vectors = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError as exc:
        raise DatasetError(f"{file_name} is not a plain .npy array ({exc}).") from None
    if vectors.ndim != 2 or not np.issubdtype(vectors.dtype, np.floating):
        raise DatasetError(f"{file_name} holds a {vectors.dtype} array of shape {vectors.shape}, "
                           f"not a [words, dim] float matrix.")
    return vectors.astype(np.float32, copy=False)


def _read_words(file_name: str, data: bytes, column: str) -> list[str]:
    try:
        import pyarrow.parquet as parquet
    except ImportError:
        raise MissingDependencyError(f"Reading {file_name} needs pyarrow, an optional dependency: "
                           f'pip install "seqzoo[recipes]".') from None
    try:
        table = parquet.read_table(io.BytesIO(data), columns=[column])
    except Exception as exc:  # pyarrow raises its own ArrowInvalid / KeyError family.
        raise DatasetError(f"{file_name} is not a parquet file with a column {column!r} ({exc}).") from None
    words = table.column(column).to_pylist()
    if not all(isinstance(w, str) for w in words):
        raise DatasetError(f"{file_name}: column {column!r} holds values that are not strings.")
    return words


def embedding_matrix(vocabulary: list[str], words: list[str], vectors: np.ndarray, *,
                     rows: int, seed: int = 0, scale: float = 0.05) -> tuple[np.ndarray, int]:
    """Initial weights of a word embedding: pretrained vectors where known, small random ones elsewhere.

    Args:
        vocabulary: The tokenizer's ordinary tokens; token `vocabulary[i]` has id `i + 4`
            (ids 0-3 are pad, unknown, start and end).
        words, vectors: Pretrained words and their [N, dim] vectors (as `load_embeddings` returns).
        rows: Rows of the embedding (at least `len(vocabulary) + 4`).
        seed: Seed of the random vectors.
        scale: Random vectors are uniform in [-scale, scale] (Keras' default embedding
            initialiser); the padding row is zero.

    Returns:
        (matrix [rows, dim] float32, how many vocabulary tokens got a pretrained vector).

    Example:
    >>> m, found = embedding_matrix(["good"], ["good"], np.ones((1, 2), "float32"), rows=5)
    >>> m[4].tolist(), found
    ([1.0, 1.0], 1)
    """
    rng = np.random.default_rng(seed)
    matrix = rng.uniform(-scale, scale, (rows, vectors.shape[1])).astype(np.float32)
    matrix[0] = 0.0
    row_of = {word: i for i, word in enumerate(words)}
    found = 0
    for i, token in enumerate(vocabulary):
        j = row_of.get(token)
        if j is not None and i + 4 < rows:
            matrix[i + 4] = vectors[j]
            found += 1
    return matrix, found


def extra_words(vocabulary: list[str], words: list[str], count: int) -> list[str]:
    """The first `count` pretrained words (most frequent first, as GloVe lists them) not in `vocabulary`.

    Only words that seqzoo's `WordTokenizer` can produce as one token are taken:
    runs of letters, digits and underscores ("e-mail" or "n't" never come out of it).

    Example:
    >>> extra_words(["the"], ["the", ",", "n't", "of", "film"], 1)
    ['of']
    """
    known = set(vocabulary)
    return [w for w in words if w not in known and _WORD.fullmatch(w)][:count]
