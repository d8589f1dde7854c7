"""Recipe: `sentiment-bilstm-ngram`, the shipped `sentiment-bilstm` with an n-gram model beside it.

The network is the parent preset's, unchanged. Beside it sits a linear model
over the snippets' words and hashed word pairs (`TextClassifier.stack_ngrams`,
`seqzoo.models.ngram_logits`), fitted on the parent's training data (train +
validation). Their logits are added: the n-gram logits with a scale, the sum
divided by a temperature. The parent leaves no held-out split to fit those two
on, so they come from its train-only twin (the run `sentiment_calibration` fits
the parent's temperature with): the twin is stacked with an n-gram model
fitted on the train split, and both weights are fitted by the likelihood of the
validation split. The settings (L2 1e-5, 3 passes, 2^18 pair buckets) are the
ones `seqzoo.recipes.ngram_stacking` measured on the cross-validation folds,
chosen before this preset's test split was read. The card's metrics are
measured on the test split.

Run (after the parent is trained, calibrated and compacted):
    python -m seqzoo.recipes.sentiment_stacked --preset sentiment-bilstm-ngram \\
        --out saved_models/sentiment-bilstm-ngram
    python -m seqzoo.recipes.compact_embeddings --preset sentiment-bilstm-ngram \\
        --out saved_models/sentiment-bilstm-ngram

The second command stores the word table in float16 (the parent's table is
float16 already, so no metric moves), records the check sample and how
precisely the test split measures the calibration error. With `--seed S`
other than the shipped parent's, the parent of that seed is trained first
(under the runs directory); a missing twin is trained too, as
`sentiment_calibration` trains it.
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

import seqzoo
from seqzoo.card import ModelCard
from seqzoo.errors import SeqzooError
from seqzoo.models.calibration import expected_calibration_error
from seqzoo.recipes import sentiment
from seqzoo.recipes.bag_of_words import tfidf_logistic_regression
from seqzoo.recipes.ngram_stacking import HEADLINE
from seqzoo.recipes.paired import paired_difference
from seqzoo.recipes.runner import display_path, metric, recipe_main, run_dir, versions
from seqzoo.recipes.sentiment_calibration import calibrate, is_twin_of, twin_dir
from seqzoo.registry import builtin_presets_dir

PRESETS = {
    "sentiment-bilstm-ngram": {"parent": "sentiment-bilstm", "l2": 1e-5, "epochs": 3, "pair_buckets": 2 ** 18},
}


def parent_dir(parent: str, seed: int) -> Path:
    """The parent preset of recipe seed `seed`: the shipped one when it has that seed, else one trained for it.

    Example:
    >>> parent_dir("sentiment-bilstm", 0)
    PosixPath('.../saved_models/sentiment-bilstm')
    """
    shipped = builtin_presets_dir() / parent
    if ModelCard.read(shipped).recipe.get("seed") == seed:
        return shipped
    folder = run_dir(f"{parent}-seed{seed}") / "preset"
    card = ModelCard.read(folder) if (folder / "card.json").is_file() else None
    if card is None or card.recipe.get("seed") != seed or "calibration" not in card.recipe:
        sentiment.train(parent, out=folder, seed=seed)
        calibrate(parent, out=folder, seed=seed)
    return folder


def against_parent(stacked, parent, labels) -> dict:
    """The stacked model against its network alone on the same texts: paired difference and McNemar's p.

    Example:
    >>> against_parent(np.array([[0.2, 0.8]]), np.array([[0.6, 0.4]]), np.array([1]))["only_stacked_right"]
    1
    """
    pair = paired_difference(stacked.argmax(1) == labels, parent.argmax(1) == labels)
    return {"difference": round(pair["difference"], 5), "interval": [round(x, 5) for x in pair["interval"]],
            "only_stacked_right": pair["only_a"], "only_parent_right": pair["only_b"],
            "mcnemar_p": round(pair["mcnemar_p"], 4), "texts": pair["examples"]}


def train(preset: str, *, out: Path, epochs: int | None = None, seed: int = 0) -> ModelCard:
    """Stack the parent preset with an n-gram model, measure on the test split, and write the preset.

    Args:
        preset: A key of `PRESETS`.
        out: The preset directory to write.
        epochs: The n-gram model's passes (default: the preset's).
        seed: The recipe seed of the parent and its twin, and of the n-gram fit's batch order.

    Example:
    >>> train("sentiment-bilstm-ngram", out=Path("/tmp/stacked")).metrics["test_accuracy"]["value"]
    0.81...
    """
    start = time.perf_counter()
    settings = PRESETS[preset]
    parent, passes = settings["parent"], epochs or settings["epochs"]
    fit = {"l2": settings["l2"], "epochs": passes, "pair_buckets": settings["pair_buckets"], "seed": seed}
    folder = parent_dir(parent, seed)
    twin_folder = twin_dir(parent, seed)
    if not is_twin_of(twin_folder, folder):  # Trained here, as sentiment_calibration trains it.
        sentiment.train(parent, out=twin_folder, seed=seed, twin=True)
    if not is_twin_of(twin_folder, folder):
        raise SeqzooError(f"{folder} was trained with other settings than today's {parent} recipe, so no "
                          f"twin of it can be trained; retrain it first (python -m seqzoo.recipes.sentiment "
                          f"--preset {parent} --seed {seed} --out DIR).")
    tr, va, te = sentiment.load_splits()
    stacked_twin = seqzoo.load(twin_folder).stack_ngrams(tr.x, tr.y, va.x, va.y, **fit)
    weights = (stacked_twin.ngram_logits.scale, stacked_twin.temperature)
    twin_accuracy = float(np.mean(stacked_twin.predict(va.x).argmax(1) == va.y))
    train_x, train_y = list(tr.x) + list(va.x), np.concatenate([tr.y, va.y])
    network = seqzoo.load(folder)
    model = network.stack_ngrams(train_x, train_y, weights=weights, **fit)
    seconds = time.perf_counter() - start

    probabilities = model.predict(te.x)
    accuracy = lambda split: float(np.mean(model.predict(split.x).argmax(1) == split.y))  # noqa: E731
    unseen = sentiment.with_unseen_words(model, te, sentiment.seen_words(model, train_x))
    long_x, long_y = sentiment.long_texts(te.x, te.y, seed=seed)
    bow = tfidf_logistic_regression((tr.x, tr.y), (va.x, va.y), (te.x, te.y), seed=seed, refit=True)
    parent_card = network.card
    headline = (float(network.predict([HEADLINE])[0, 1]), float(model.predict([HEADLINE])[0, 1]))
    card = ModelCard(
        name=preset, task="text_classification", architecture=parent_card.architecture, dataset="rt-snippets",
        description=(f"Sentiment of English movie-review snippets (Rotten Tomatoes fresh/rotten): the network of "
                     f"{parent} with a linear model over words and word pairs beside it, their logits added "
                     f"and weighed on the validation split by {parent}'s train-only twin."),
        headline_metric="test_accuracy",
        metrics={
            "test_accuracy": metric(float(np.mean(probabilities.argmax(1) == te.y)), "test", "",
                                    "fresh/rotten accuracy"),
            "unseen_words_test_accuracy": metric(
                accuracy(unseen), "test", "",
                f"the {len(unseen.x)} of {len(te.x)} test snippets with at least one word absent from the "
                f"training text"),
            "long_text_test_accuracy": metric(
                float(np.mean(model.predict(long_x).argmax(1) == long_y)), "test", "",
                f"{len(long_y)} texts of >= {sentiment.LONG_TEXT_WORDS} words joined from test snippets of one label"),
            "test_calibration_error": metric(
                expected_calibration_error(probabilities, te.y), "test", "",
                f"expected calibration error (10 confidence bins) with temperature {weights[1]:.3f}"),
            "bow_test_accuracy": metric(
                bow["test_accuracy"], "test", "",
                f"tf-idf unigram+bigram logistic regression (L2 {bow['l2']}, chosen on validation; then "
                f"{bow['epochs']} epochs on train + validation, as the model)", baseline=True),
            "texts_per_second_batch64": metric(sentiment.throughput(model, te.x), "test", "texts/s",
                                               "predict throughput on this machine (2 CPU cores)"),
        },
        recipe={
            "command": f"python -m seqzoo.recipes.sentiment_stacked --preset {preset} --out {display_path(out)}",
            "parent": {"name": parent, "folder": display_path(folder),
                       "test_accuracy": parent_card.metrics["test_accuracy"]["value"],
                       "test_calibration_error": parent_card.metrics["test_calibration_error"]["value"],
                       "headline_review": round(headline[0], 4)},
            "against_parent": against_parent(probabilities, network.predict(te.x), te.y),
            "headline_review": round(headline[1], 4),
            **({"embeddings": model.embedding_source} if model.embedding_source else {}),
            "hparams": dict(parent_card.recipe["hparams"]),
            "ngram_logits": {"l2": fit["l2"], "epochs": passes, "pair_buckets": fit["pair_buckets"],
                             "scale": round(weights[0], 5), "fitted_on": "train + validation splits (the parent's "
                                                                         "training data)"},
            "calibration": {
                "command": f"python -m seqzoo.recipes.sentiment_stacked --preset {preset} --out {display_path(out)}",
                "temperature": round(weights[1], 5),
                "fitted_on": ("validation split: NLL of the parent's train-only twin stacked with an n-gram model "
                              "fitted on the train split (the scale and the temperature together)"),
                "twin_validation_accuracy": round(twin_accuracy, 5),
            },
            "seed": seed,
            "training_time_s": round(seconds, 1),
            "versions": versions(),
        },
        limitations=parent_card.limitations + (
            f" The n-gram model weighs each word and word pair as the snippets used them: openings such as "
            f"\"this movie is\", which start more negative snippets than positive ones, pull plain praise down "
            f"(\"{HEADLINE}\" gets {headline[1]:.3f} positive, {parent} alone {headline[0]:.3f})."),
        extra={"labels": model.labels},
    )
    model.save_preset(out, card=card)
    return card


def main(argv=None) -> int:
    return recipe_main(train, __doc__, flag="preset", choices=PRESETS, default="sentiment-bilstm-ngram",
                       epochs=None, argv=argv)


if __name__ == "__main__":
    sys.exit(main())
