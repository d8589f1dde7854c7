"""The shipped names presets: behaviour, and the card's figures re-measured on the test split."""
import pytest

import seqzoo
from seqzoo.datasets.fetch import read_cached
from seqzoo.datasets.sources import get_source


def _test_names_cached() -> bool:
    return read_cached(get_source("names-us-census")) is not None


@pytest.fixture(scope="module")
def names_lstm():
    return seqzoo.load("names-lstm")


def test_joh_continues_with_n(names_lstm):
    char, probability = names_lstm.predict_next("Joh")[0]
    assert char == "n" and probability > 0.5


def test_end_of_name_is_predicted_after_a_full_name(names_lstm):
    assert "<end>" in [c for c, _ in names_lstm.predict_next("Michael", k=3)]


@pytest.mark.parametrize("name", ["names-lstm", "names-rnn"])
def test_cards_beat_the_bigram_by_ten_percent(name):
    metrics = seqzoo.info(name).metrics
    assert metrics["test_nll"]["split"] == metrics["bigram_test_nll"]["split"] == "test"
    assert metrics["test_nll"]["value"] <= 0.9 * metrics["bigram_test_nll"]["value"]


def test_lstm_beats_simple_rnn():
    assert seqzoo.info("names-lstm").metrics["test_nll"]["value"] < seqzoo.info("names-rnn").metrics["test_nll"]["value"]


@pytest.mark.skipif(not _test_names_cached(), reason="names-us-census is not in the local cache")
@pytest.mark.parametrize("name", ["names-lstm", "names-rnn"])
def test_card_test_nll_is_what_the_model_scores(name):
    from seqzoo import datasets

    test = datasets.load("names-us-census", "test")
    measured = seqzoo.load(name).score(test.x)
    assert measured == pytest.approx(seqzoo.info(name).metrics["test_nll"]["value"], abs=2e-4)


def test_generation_makes_new_name_like_strings(names_lstm):
    names = names_lstm.generate("", max_length=20, temperature=0.8, seed=0, n=8)
    assert len(names) == 8
    assert all(1 <= len(n) <= 20 and n[:1].isupper() for n in names)
    assert names == names_lstm.generate("", max_length=20, temperature=0.8, seed=0, n=8)
