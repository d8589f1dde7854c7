"""models/sampling.py: what mutation testing found untested (tools/mutation.py seqzoo/models/sampling.py)."""
from __future__ import annotations

import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")

from seqzoo.models import sampling  # noqa: E402

# Two rows in different orders: a sort or a count over the wrong axis mixes them up. Plain lists:
# no TensorFlow op may run at import (mutmut forks its workers after collecting the tests).
ROWS = [[4.0, 1.0, 0.0, -1.0], [-1.0, 0.0, 1.0, 4.0]]


@pytest.fixture()
def two_rows():
    return tf.constant(ROWS)


def draw(logits, **options):
    settings = {"temperature": 1.0, "top_k": 0, "top_p": 1.0, "seed": tf.constant([3, 4], tf.int32), **options}
    return sampling.sample_tokens(logits, **settings)


def test_samples_and_greedy_choices_are_int32(two_rows):
    assert draw(two_rows).dtype == tf.int32
    assert draw(two_rows, temperature=0.0).dtype == tf.int32


def test_a_banned_token_is_never_chosen_greedy_or_sampled(two_rows):
    banned = tf.constant([True, False, False, True])  # Each row's best token is banned.
    assert draw(two_rows, temperature=0.0, banned=banned).numpy().tolist() == [1, 2]
    for seed in range(30):
        ids = draw(two_rows, temperature=5.0, banned=banned, seed=tf.constant([seed, 1])).numpy()
        assert ids[0] in (1, 2) and ids[1] in (1, 2)


def test_top_k_of_one_keeps_only_each_rows_best_token(two_rows):
    for seed in range(20):
        ids = draw(two_rows, temperature=50.0, top_k=1, seed=tf.constant([seed, 7])).numpy()
        assert ids.tolist() == [0, 3]
    kept = sampling._keep_top_k(two_rows, tf.constant(2)).numpy()
    np.testing.assert_array_equal(np.isinf(kept), [[False, False, True, True], [True, True, False, False]])
    assert (kept[np.isinf(kept)] < 0).all()
    np.testing.assert_array_equal(sampling._keep_top_k(two_rows, tf.constant(0)).numpy(), two_rows.numpy())


def test_top_p_keeps_each_rows_own_most_likely_tokens_and_drops_the_rest_to_minus_inf():
    probabilities = tf.math.log(tf.constant([[0.5, 0.3, 0.15, 0.05], [0.05, 0.15, 0.3, 0.5]]))
    kept = sampling._keep_top_p(probabilities, tf.constant(0.7)).numpy()
    np.testing.assert_array_equal(np.isfinite(kept), [[True, True, False, False], [False, False, True, True]])
    assert (kept[~np.isfinite(kept)] == -np.inf).all()
    for seed in range(20):
        ids = draw(probabilities, top_p=0.4, temperature=1.0, seed=tf.constant([seed, 9])).numpy()
        assert ids.tolist() == [0, 3]
