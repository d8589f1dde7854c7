"""The bag-of-words baseline of the sentiment cards: tf-idf n-grams + logistic regression."""
from __future__ import annotations

import keras
import numpy as np


def tfidf_logistic_regression(train, validation, test, *, max_tokens: int = 30_000, seed: int = 0,
                              refit: bool = False):
    """Fit tf-idf unigram+bigram logistic regression; pick L2 (and the epochs) on validation.

    Args:
        train, validation, test: `(texts, labels)` pairs with int labels.
        max_tokens: Vocabulary of n-grams.
        refit: Then fit again on train + validation with the chosen L2 and epochs
            (for a model that was itself trained on both), and measure that fit.

    Returns:
        {"validation_accuracy", "test_accuracy", "l2"} of the best L2.

    Example:
    >>> tfidf_logistic_regression((x, y), (vx, vy), (tx, ty))["test_accuracy"]
    """
    vectorizer = keras.layers.TextVectorization(max_tokens=max_tokens, ngrams=2, output_mode="tf_idf")
    vectorizer.adapt(train[0])
    features = [vectorizer(np.asarray(texts)).numpy() for texts, _ in (train, validation, test)]
    classes = int(np.max(train[1])) + 1
    best = None
    for l2 in (1e-5, 1e-4, 1e-3):
        model = _logistic_regression(features[0].shape[1], classes, l2, seed)
        stopping = keras.callbacks.EarlyStopping("val_accuracy", patience=3, restore_best_weights=True)
        model.fit(features[0], np.asarray(train[1]), epochs=15, batch_size=256, verbose=0,
                  validation_data=(features[1], np.asarray(validation[1])), callbacks=[stopping])
        val = model.evaluate(features[1], np.asarray(validation[1]), verbose=0)[1]
        if best is None or val > best[0]:
            best = (val, model.evaluate(features[2], np.asarray(test[1]), verbose=0)[1], l2, stopping.best_epoch + 1)
    result = {"validation_accuracy": best[0], "test_accuracy": best[1], "l2": best[2]}
    if refit:
        model = _logistic_regression(features[0].shape[1], classes, best[2], seed)
        model.fit(np.concatenate(features[:2]), np.concatenate([train[1], validation[1]]).astype("int64"),
                  epochs=best[3], batch_size=256, verbose=0)
        result.update(test_accuracy=model.evaluate(features[2], np.asarray(test[1]), verbose=0)[1], epochs=best[3])
    return result


def _logistic_regression(features: int, classes: int, l2: float, seed: int):
    keras.utils.set_random_seed(seed)
    model = keras.Sequential([
        keras.Input((features,)),
        keras.layers.Dense(classes, kernel_regularizer=keras.regularizers.L2(l2)),
    ])
    model.compile(keras.optimizers.Adam(1e-2), keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])
    return model
