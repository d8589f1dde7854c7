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


def test_headline_example_is_confidently_positive(sentiment_lstm):
    label, probability = sentiment_lstm.classify(["This movie is absolutely fantastic!"])[0]
    assert label == "positive" and probability >= 0.9
    assert sentiment_lstm.classify(["A dull, tedious and lifeless mess."])[0][0] == "negative"


@pytest.mark.parametrize("name", PRESETS)
def test_cards_report_test_accuracy_beside_the_bag_of_words_baseline(name):
    card = seqzoo.info(name)
    assert card.task == "text_classification" and card.dataset == "rt-snippets"
    assert card.metrics["test_accuracy"]["split"] == card.metrics["bow_test_accuracy"]["split"] == "test"
    assert card.extra["labels"] == ["negative", "positive"]


def test_sentiment_lstm_meets_the_accuracy_targets():
    metrics = seqzoo.info("sentiment-lstm").metrics
    assert metrics["test_accuracy"]["value"] >= 0.78
    assert metrics["test_accuracy"]["value"] > metrics["bow_test_accuracy"]["value"]


@pytest.mark.skipif(read_cached(get_source("rt-snippets")) is None, reason="rt-snippets is not cached")
def test_card_accuracy_is_what_the_model_scores(sentiment_lstm):
    from seqzoo import datasets

    test = datasets.load("rt-snippets", "test")
    measured = float(np.mean(sentiment_lstm.predict(test.x).argmax(1) == test.y))
    assert measured == pytest.approx(seqzoo.info("sentiment-lstm").metrics["test_accuracy"]["value"], abs=1e-4)
