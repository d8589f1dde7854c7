"""The paired statistics behind the confidence guide's tables and `sentiment_compare`."""
import numpy as np
import pytest

from seqzoo.errors import SeqzooError
from seqzoo.recipes import paired as script


def test_mcnemar_matches_the_exact_binomial_test():
    # Two-sided exact binomial test of 15 successes in 45 at p = 0.5: 0.0357 (2 x P(X <= 15)).
    assert script.mcnemar_p(30, 15) == pytest.approx(0.0356978, abs=1e-7)
    assert script.mcnemar_p(15, 30) == script.mcnemar_p(30, 15)
    assert script.mcnemar_p(0, 10) == pytest.approx(2 / 2 ** 10)
    assert script.mcnemar_p(5, 5) == script.mcnemar_p(0, 0) == 1.0


def test_bootstrap_interval_has_the_binomial_width():
    right = np.array([1, 1, 1, 0] * 300)
    low, high = script.bootstrap_interval(right)
    assert low < 0.75 < high
    # Normal approximation: 0.75 +- 1.96 * sqrt(0.75 * 0.25 / 1200) = +- 0.0245.
    assert (high - low) / 2 == pytest.approx(0.0245, rel=0.1)
    assert script.bootstrap_interval(right) == (low, high)  # Seeded: the docs table is reproducible.


def test_paired_interval_of_a_difference():
    rng = np.random.default_rng(1)
    a = (rng.random(1000) < 0.8).astype(int)
    assert script.bootstrap_interval(np.stack([a, -a])) == (0.0, 0.0)
    b = a.copy()
    b[np.flatnonzero(a)[:50]] = 0  # B misses 50 snippets A gets right, and nothing else differs.
    low, high = script.bootstrap_interval(np.stack([a, -b]))
    # Paired: the difference is 5 points with a narrow interval, far narrower than either accuracy's.
    assert 0.03 < low < 0.05 < high < 0.07
    single_low, single_high = script.bootstrap_interval(a)
    assert high - low < 0.6 * (single_high - single_low)


def test_paired_difference_counts_the_examples_only_one_model_gets_right():
    pair = script.paired_difference([1, 1, 0, 1, 0], [1, 0, 0, 0, 1])
    assert (pair["only_a"], pair["only_b"], pair["examples"]) == (2, 1, 5)
    assert pair["difference"] == pytest.approx(0.2) and pair["accuracy_b"] == pytest.approx(0.4)
    assert pair["mcnemar_p"] == script.mcnemar_p(2, 1) == 1.0
    low, high = pair["interval"]
    assert low <= 0.2 <= high


@pytest.mark.parametrize("a, b", [([1, 0], [1, 0, 1]), ([], []), ([[1, 0]], [[1, 0]])])
def test_paired_difference_needs_the_same_examples(a, b):
    with pytest.raises(SeqzooError, match="same examples"):
        script.paired_difference(a, b)
