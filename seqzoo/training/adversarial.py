"""Adversarial training on word embeddings (the fast gradient method of Miyato et al., 2017).

Each step also trains on the batch with the word-embedding table moved a small
step up its loss gradient, so the classifier learns to hold its answer when the
vectors of its words shift a little. Only training changes: the saved model and
its predictions are those of a plain classifier.
"""
from __future__ import annotations

import keras
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.validation import check_float


def _loss_and_gradients(model, x, y, sample_weight, variables):
    with tf.GradientTape() as tape:
        y_pred = model(x, training=True)
        loss = model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=True)
        scaled = model.optimizer.scale_loss(loss)
    return y_pred, loss, tape.gradient(scaled, variables)


def adversarial_embedding_training(model, epsilon: float):
    """Make `model.fit` add the loss under an adversarial shift of the word embeddings.

    The shift is `epsilon` times the embedding table's gradient divided by its L2 norm
    over the batch; the gradients of the clean and the shifted loss are summed. It
    costs a second forward and backward pass per step.

    Args:
        model: A compiled `TextClassifier` whose word embedding is trainable.
        epsilon: L2 size of the shift of the whole table, > 0 (about 1 for 50-d GloVe).

    Returns:
        The model, changed in place.

    Example:
    >>> clf = seqzoo.build("lstm", "text_classification", texts=texts, embeddings="glove-6b-50d")
    >>> clf.compile(optimizer="adam")
    >>> adversarial_embedding_training(clf, 1.0).fit(texts, labels, epochs=3)
    """
    epsilon = check_float("epsilon", epsilon, minimum=0.0, exclusive_minimum=True)
    embedding = getattr(getattr(model, "backbone", None), "token_embedding", None)
    if embedding is None or not embedding.trainable:
        raise InputError("adversarial_embedding_training needs a model with a trainable word embedding.")
    if getattr(model, "optimizer", None) is None:
        raise InputError("Compile the model before adversarial_embedding_training(model, epsilon).")
    table = embedding.embeddings

    def train_step(data):
        x, y, sample_weight = keras.utils.unpack_x_y_sample_weight(data)
        variables = model.trainable_variables
        index = next(i for i, v in enumerate(variables) if v is table)
        y_pred, loss, clean = _loss_and_gradients(model, x, y, sample_weight, variables)
        direction = tf.convert_to_tensor(clean[index])
        shift = epsilon * direction / (tf.norm(direction) + 1e-12)
        original = tf.identity(table.value)  # Restored exactly (x + s - s can round).
        table.assign_add(shift)
        _, _, shifted = _loss_and_gradients(model, x, y, sample_weight, variables)
        table.assign(original)
        # The table's gradients arrive as IndexedSlices; dense sums for every variable.
        gradients = [tf.convert_to_tensor(a) + tf.convert_to_tensor(b) for a, b in zip(clean, shifted)]
        model._loss_tracker.update_state(loss, sample_weight=tf.shape(x)[0])  # What fit reports as `loss`.
        model.optimizer.apply_gradients(zip(gradients, variables))
        return model.compute_metrics(x, y, y_pred, sample_weight=sample_weight)

    model.train_step = train_step
    model.train_function = None  # Rebuilt with the new step on the next fit.
    return model
