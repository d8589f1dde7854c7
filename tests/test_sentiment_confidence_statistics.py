"""The statistics behind the confidence guide's "how precisely the test split measures" tables."""
import importlib.util
from pathlib import Path

import numpy as np
import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "docs" / "scripts" / "sentiment_confidence.py"


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("sentiment_confidence", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_mcnemar_matches_the_exact_binomial_test(script):
    # Two-sided exact binomial test of 15 successes in 45 at p = 0.5: 0.0357 (2 x P(X <= 15)).
    assert script.mcnemar_p(30, 15) == pytest.approx(0.0356978, abs=1e-7)
    assert script.mcnemar_p(15, 30) == script.mcnemar_p(30, 15)
    assert script.mcnemar_p(0, 10) == pytest.approx(2 / 2 ** 10)
    assert script.mcnemar_p(5, 5) == script.mcnemar_p(0, 0) == 1.0


def test_bootstrap_interval_has_the_binomial_width(script):
    right = np.array([1, 1, 1, 0] * 300)
    low, high = script.bootstrap_interval(right)
    assert low < 0.75 < high
    # Normal approximation: 0.75 +- 1.96 * sqrt(0.75 * 0.25 / 1200) = +- 0.0245.
    assert (high - low) / 2 == pytest.approx(0.0245, rel=0.1)
    assert script.bootstrap_interval(right) == (low, high)  # Seeded: the docs table is reproducible.


def test_paired_interval_of_a_difference(script):
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
