"""The shipped names presets (trained on names-us-ssa): behaviour, and card figures re-measured.

The card of each preset carries a fixed sample of test names (every 50th name of the test
split) with the NLL the recipe measured on it; the shipped weights are re-scored on that
sample here, without the dataset. With the dataset cached, the whole test split is re-scored too.
"""
import pytest

import seqzoo
from seqzoo.datasets import splits
from seqzoo.datasets.fetch import read_cached
from seqzoo.datasets.sources import get_source

PRESETS = ["names-lstm", "names-rnn"]


def _ssa_cached() -> bool:
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    return read_cached(get_source("names-us-ssa")) is not None


@pytest.fixture(scope="module")
def names_lstm():
    return seqzoo.load("names-lstm")


def test_joh_continues_with_n(names_lstm):
    char, probability = names_lstm.predict_next("Joh")[0]
    assert char == "n" and probability > 0.5


@pytest.mark.parametrize("name", ["Christopher", "Elizabeth", "William", "Matthew"])
def test_end_of_name_is_predicted_after_a_full_name(names_lstm, name):
    assert names_lstm.predict_next(name, k=1)[0][0] == "<end>"


def test_a_name_that_many_names_extend_is_continued(names_lstm):
    # Every distinct name counts once: 39 SSA names extend "Michael" (Michaela, ...), so
    # the model continues it rather than ending it, as the data says.
    assert names_lstm.predict_next("Michael", k=1)[0][0] == "a"


@pytest.mark.parametrize("name", PRESETS)
def test_cards_are_about_the_ssa_names(name):
    card = seqzoo.info(name)
    assert card.dataset == "names-us-ssa"
    assert card.recipe["hparams"]["rare_names"] == card.extra["rare_names"]["choice"] == "all"


def test_lstm_meets_the_targets_against_the_bigram():
    metrics = seqzoo.info("names-lstm").metrics
    assert metrics["test_nll"]["split"] == metrics["bigram_test_nll"]["split"] == "test"
    assert metrics["test_nll"]["value"] <= 0.85 * metrics["bigram_test_nll"]["value"]
    recent = metrics["test_nll_first_seen_2000_on"]["value"]
    assert recent <= 0.88 * metrics["bigram_test_nll_first_seen_2000_on"]["value"]


def test_simple_rnn_beats_the_bigram_and_the_lstm_beats_it():
    rnn = seqzoo.info("names-rnn").metrics
    lstm = seqzoo.info("names-lstm").metrics
    assert rnn["test_nll"]["value"] <= 0.9 * rnn["bigram_test_nll"]["value"]
    for key in ("test_nll", "test_nll_first_seen_2000_on", "test_nll_top32k"):
        assert lstm[key]["value"] < rnn[key]["value"], key


@pytest.mark.parametrize("name", PRESETS)
def test_shipped_weights_score_the_recorded_check_sample(name):
    check = seqzoo.info(name).extra["check_sample"]
    # The sample holds test names only (the split is a pure function of the name).
    assert len(check["names"]) >= 150
    assert {splits.hash_split(n.lower()) for n in check["names"]} == {"test"}
    assert seqzoo.load(name).score(check["names"]) == pytest.approx(check["nll"], abs=2e-4)


@pytest.mark.skipif(not _ssa_cached(), reason="names-us-ssa (and pyarrow) are not in this environment")
@pytest.mark.parametrize("name", PRESETS)
def test_card_test_nll_is_what_the_model_scores(name):
    from seqzoo import datasets

    test = datasets.load("names-us-ssa", "test")
    card = seqzoo.info(name)
    assert card.extra["check_sample"]["names"] == list(test.x)[::50]
    measured = seqzoo.load(name).score(test.x)
    assert measured == pytest.approx(card.metrics["test_nll"]["value"], abs=2e-4)


def test_card_samples_are_what_the_model_generates(names_lstm):
    card = seqzoo.info("names-lstm").extra
    settings = card["samples_settings"]
    samples = names_lstm.generate("", max_length=16, temperature=settings["temperature"],
                                  seed=settings["seed"], n=settings["n"])
    assert samples == card["samples"]
    assert all(1 <= len(n) <= 16 and n[:1].isupper() and n[1:].islower() for n in samples)


def test_card_novelty_shares_add_up():
    novelty = seqzoo.info("names-lstm").extra["novelty"]
    assert novelty["samples"] >= 1000
    total = novelty["real_not_in_train"] + novelty["copies_of_train"] + novelty["not_a_real_name"]
    assert total == pytest.approx(1.0, abs=1e-3)
    assert novelty["real_not_in_train"] > 0.0


def test_generation_makes_new_name_like_strings(names_lstm):
    names = names_lstm.generate("", max_length=20, temperature=0.8, seed=0, n=8)
    assert len(names) == 8
    assert all(1 <= len(n) <= 20 and n[:1].isupper() for n in names)
    assert names == names_lstm.generate("", max_length=20, temperature=0.8, seed=0, n=8)
