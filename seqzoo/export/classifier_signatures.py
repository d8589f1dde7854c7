"""The serving signature of a `TextClassifier`: raw strings -> probabilities and labels."""
from __future__ import annotations

import tensorflow as tf

from seqzoo.models import fast_path


class TextClassifierServing(tf.Module):
    """A `tf.Module` holding a text classifier, with a `serving_default` signature.

    `serving_default(texts: string [N])` -> `probabilities` float32 [N, C] and
    `label` string [N]. Long texts are read in chunks of `sequence_length`
    words whose probabilities are averaged, weighted by words, and cut at
    `MAX_TOKENS` (50,000) words, exactly as `TextClassifier.predict` does: the
    graph is the fast path's (`seqzoo.models.fast_path.classifier_probabilities`).
    An empty batch gives empty results.

    Args:
        model: A `TextClassifier` with a preprocessor.

    Example:
    >>> module = TextClassifierServing(seqzoo.load("sentiment-lstm"))
    >>> module.serving_default(tf.constant(["A dull, lifeless mess."]))["label"]
    """

    def __init__(self, model):
        super().__init__(name="text_classifier_serving")
        self.model = model
        self.word_table = model.preprocessor.tokenizer._lookup  # Tracked: the vocabulary travels along.
        self._labels = tf.constant(list(model.labels))
        self.sequence_length = int(model.preprocessor.sequence_length)

    def signatures(self) -> dict:
        """Signature name -> concrete function, for `tf.saved_model.save`."""
        return {"serving_default": self.serving_default.get_concrete_function()}

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="texts")])
    def serving_default(self, texts):
        probabilities = fast_path.classifier_probabilities(self.model, texts)
        label = tf.gather(self._labels, tf.argmax(probabilities, axis=1, output_type=tf.int32))
        return {"probabilities": probabilities, "label": label}
