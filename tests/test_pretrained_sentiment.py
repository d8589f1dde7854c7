"""The shipped sentiment presets: behaviour, and the card's figures re-measured on the test split."""
import numpy as np
import pytest

import seqzoo
from seqzoo.datasets.fetch import read_cached
from seqzoo.datasets.sources import get_source

PRESETS = ["sentiment-rnn", "sentiment-lstm", "sentiment-bilstm"]


@pytest.fixture(scope="module")
def sentiment_lstm():
    return seqzoo.load("sentiment-lstm")


def test_clear_reviews_get_the_right_label(sentiment_lstm):
    labels = [label for label, _ in sentiment_lstm.classify(
        ["This movie is absolutely fantastic!", "A dull, tedious and lifeless mess."])]
    assert labels == ["positive", "negative"]


@pytest.mark.xfail(strict=True, reason="Issue 4 asks for >= 0.9; the training snippets hold 'fantastic' 15 "
                   "times (11 positive), and every learner on them gives the review 0.59-0.69. See "
                   "docs/guides/sentiment-confidence.md.")
def test_headline_example_is_confidently_positive(sentiment_lstm):
    assert sentiment_lstm.classify(["This movie is absolutely fantastic!"])[0][1] >= 0.9


@pytest.mark.parametrize("name", PRESETS)
def test_cards_report_test_accuracy_beside_the_bag_of_words_baseline(name):
    card = seqzoo.info(name)
    assert card.task == "text_classification" and card.dataset == "rt-snippets"
    assert card.metrics["test_accuracy"]["split"] == card.metrics["bow_test_accuracy"]["split"] == "test"
    assert card.extra["labels"] == ["negative", "positive"]


def test_sentiment_lstm_beats_the_bag_of_words_baseline():
    metrics = seqzoo.info("sentiment-lstm").metrics
    assert metrics["test_accuracy"]["value"] > metrics["bow_test_accuracy"]["value"]


def test_sentiment_lstm_meets_the_78_percent_floor():
    assert seqzoo.info("sentiment-lstm").metrics["test_accuracy"]["value"] >= 0.78


def test_gates_matter_lstm_beats_simple_rnn():
    accuracy = {n: seqzoo.info(n).metrics["test_accuracy"]["value"] for n in PRESETS}
    assert accuracy["sentiment-lstm"] > accuracy["sentiment-rnn"]


@pytest.mark.skipif(read_cached(get_source("rt-snippets")) is None, reason="rt-snippets is not cached")
def test_card_accuracy_is_what_the_model_scores(sentiment_lstm):
    from seqzoo import datasets

    test = datasets.load("rt-snippets", "test")
    measured = float(np.mean(sentiment_lstm.predict(test.x).argmax(1) == test.y))
    assert measured == pytest.approx(seqzoo.info("sentiment-lstm").metrics["test_accuracy"]["value"], abs=1e-4)
