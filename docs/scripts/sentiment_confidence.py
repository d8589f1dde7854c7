"""How sure can a classifier trained on the Rotten Tomatoes snippets be about one short review?

Measures, for the shipped sentiment presets: the probability they give to the
issue's headline review and to a few close variants; their calibration on the
test split (for the snippets given each confidence, the share they get right);
and what the training snippets (train + validation, which sentiment-lstm was
trained on) say about the review's words. A multinomial naive Bayes on word
counts, fitted on the same snippets, is a second, non-recurrent reading of the
same data. If calibrated models put the review well below 0.9, the limit is
the snippets, not the network. Last, how precisely the 1,272 test snippets
measure a calibration error (the figures that
`seqzoo.recipes.calibration_precision` recorded in the cards) and accuracy: a 95% bootstrap interval per preset, and for each pair of
presets the paired difference with the snippets only one of them gets right
(exact McNemar test).

Run:
    python docs/scripts/sentiment_confidence.py
"""
from __future__ import annotations

import itertools
import re
from collections import Counter

import numpy as np

import seqzoo
from seqzoo import datasets
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.recipes.paired import bootstrap_interval, paired_difference

HEADLINE = "This movie is absolutely fantastic!"
VARIANTS = [HEADLINE, "This movie is fantastic!", "Absolutely fantastic!", "A fantastic movie.",
            "This movie is absolutely wonderful!", "This movie is absolutely terrific!"]
PHRASES = ["fantastic", "absolutely", "this movie is", "wonderful", "terrific"]
PRESETS = ["sentiment-lstm", "sentiment-bilstm", "sentiment-rnn", "sentiment-bilstm-ngram"]
BINS = [0.5, 0.6, 0.7, 0.8, 0.9, 1.0001]  # The top probability of two classes; the error uses 0.1-wide bins too.


def words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", text.lower())


def phrase_counts(texts, labels) -> list[tuple[str, int, int]]:
    """(phrase, snippets holding it, of which positive) over whole-word matches."""
    rows = []
    for phrase in PHRASES:
        pattern = re.compile(r"\b" + re.escape(phrase) + r"\b", re.IGNORECASE)
        hits = [y for x, y in zip(texts, labels) if pattern.search(x)]
        rows.append((phrase, len(hits), int(sum(hits))))
    return rows


def naive_bayes(texts, labels):
    """Multinomial naive Bayes with add-one smoothing -> P(positive | text) function."""
    counts = [Counter(), Counter()]
    for text, label in zip(texts, labels):
        counts[label].update(words(text))
    vocabulary = set(counts[0]) | set(counts[1])
    totals = [sum(c.values()) + len(vocabulary) for c in counts]
    prior = np.log(np.bincount(labels, minlength=2) / len(labels))

    def positive(text: str) -> float:
        score = prior.copy()
        for w in words(text):
            if w in vocabulary:
                score += [np.log((counts[k][w] + 1) / totals[k]) for k in (0, 1)]
        return float(1.0 / (1.0 + np.exp(score[0] - score[1])))

    return positive


def calibration(probabilities: np.ndarray, labels: np.ndarray) -> tuple[list[tuple], float]:
    """Reliability rows (bin, snippets, mean confidence, accuracy) and the expected calibration error."""
    confidence = probabilities.max(axis=1)
    right = probabilities.argmax(axis=1) == labels
    rows = []
    for low, high in zip(BINS[:-1], BINS[1:]):
        inside = (confidence >= low) & (confidence < high)
        if inside.any():
            rows.append((f"{low:.1f}-{min(high, 1.0):.1f}", int(inside.sum()), confidence[inside].mean(),
                         right[inside].mean()))
    return rows, expected_calibration_error(probabilities, labels)


def main() -> None:
    train, validation, test = (datasets.load("rt-snippets", s) for s in ("train", "validation", "test"))
    texts = [str(x) for x in list(train.x) + list(validation.x)]
    labels = np.concatenate([train.y, validation.y]).astype("int64")
    test_texts, test_labels = [str(x) for x in test.x], np.asarray(test.y, "int64")

    print("## What the training snippets (train + validation) say\n")
    print("| phrase | snippets | positive | share positive |\n|---|---:|---:|---:|")
    for phrase, n, positive in phrase_counts(texts, labels):
        print(f"| {phrase} | {n} | {positive} | {positive / max(n, 1):.0%} |")

    bayes = naive_bayes(texts, labels)
    bayes_accuracy = np.mean([(bayes(t) >= 0.5) == y for t, y in zip(test_texts, test_labels)])
    columns = PRESETS + ["naive Bayes"]
    scores = {"naive Bayes": [bayes(v) for v in VARIANTS]}
    reliability, right = {}, {}
    for name in PRESETS:
        model = seqzoo.load(name)
        scores[name] = [float(p[1]) for p in model.predict(VARIANTS)]
        probabilities = model.predict(test_texts)
        reliability[name] = calibration(probabilities, test_labels)
        right[name] = (probabilities.argmax(axis=1) == test_labels).astype("int64")

    print("\n## P(positive) for the headline review and variants\n")
    print("| review | " + " | ".join(columns) + " |\n|---|" + "---:|" * len(columns))
    for i, review in enumerate(VARIANTS):
        print(f"| {review} | " + " | ".join(f"{scores[c][i]:.2f}" for c in columns) + " |")
    print(f"\nnaive Bayes test accuracy: {bayes_accuracy:.1%} ({len(test_texts)} snippets)")

    print("\n## What the cards say (measured by the recipes on the test split)\n")
    print("| preset | test accuracy | unseen words | calibration error | temperature | bag of words |\n"
          "|---|---:|---:|---:|---:|---:|")
    for name in PRESETS:
        card = seqzoo.info(name)
        value = lambda key: card.metrics[key]["value"] if key in card.metrics else float("nan")  # noqa: E731
        temperature = card.recipe.get("calibration", {}).get("temperature", 1.0)
        print(f"| {name} | {value('test_accuracy'):.1%} | {value('unseen_words_test_accuracy'):.1%} | "
              f"{value('test_calibration_error'):.3f} | {temperature:.3f} | {value('bow_test_accuracy'):.1%} |")

    print("\n## Calibration on the test split\n")
    for name, (rows, error) in reliability.items():
        print(f"{name} (expected calibration error {error:.3f}):\n")
        print("| confidence | snippets | mean confidence | accuracy |\n|---|---:|---:|---:|")
        for band, n, mean, accuracy in rows:
            print(f"| {band} | {n} | {mean:.2f} | {accuracy:.2f} |")
        print()

    print(f"## How precisely {len(test_labels)} test snippets measure a calibration error (from the cards)\n")
    print("| preset | calibration error | bootstrap standard error | 95% bootstrap interval "
          "| perfectly calibrated: mean | perfectly calibrated: 95th percentile |\n|---|---:|---:|---:|---:|---:|")
    for name in PRESETS:
        card = seqzoo.info(name)
        precision = card.recipe["calibration"]["test_precision"]
        spread, floor = precision["bootstrap"], precision["perfectly_calibrated"]
        print(f"| {name} | {card.metrics['test_calibration_error']['value']:.3f} | {spread['standard_error']:.3f} | "
              f"{spread['low']:.3f} - {spread['high']:.3f} | {floor['mean']:.3f} | {floor['p95']:.3f} |")
    print()

    print(f"## How precisely {len(test_labels)} test snippets measure accuracy\n")
    print("| preset | test accuracy | 95% bootstrap interval |\n|---|---:|---:|")
    for name in PRESETS:
        low, high = bootstrap_interval(right[name])
        print(f"| {name} | {right[name].mean():.2%} | {low:.2%} - {high:.2%} |")
    print("\n| pair (A - B) | difference | 95% paired interval | only A right | only B right | McNemar p |\n"
          "|---|---:|---:|---:|---:|---:|")
    for a, b in itertools.combinations(PRESETS, 2):
        pair = paired_difference(right[a], right[b])
        low, high = pair["interval"]
        print(f"| {a} - {b} | {pair['difference']:+.2%} | {low:+.2%} - {high:+.2%} | "
              f"{pair['only_a']} | {pair['only_b']} | {pair['mcnemar_p']:.3f} |")


if __name__ == "__main__":
    main()
