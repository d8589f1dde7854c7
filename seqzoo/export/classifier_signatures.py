"""The serving signature of a `TextClassifier`: raw strings -> probabilities and labels."""
from __future__ import annotations

import tensorflow as tf

from seqzoo.models.text_classifier_preprocessor import MAX_TOKENS


class TextClassifierServing(tf.Module):
    """A `tf.Module` holding a text classifier, with a `serving_default` signature.

    `serving_default(texts: string [N])` -> `probabilities` float32 [N, C] and
    `label` string [N]. Long texts are read in chunks of `sequence_length`
    words whose probabilities are averaged, weighted by words, exactly as
    `TextClassifier.predict` does.

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
        length = self.sequence_length
        ids = self.model.preprocessor.tokenizer.tokenize(texts)[:, :MAX_TOKENS]
        words = tf.cast(ids.row_lengths(), tf.int32)
        chunks = tf.maximum(1, (words + length - 1) // length)  # An empty text is one empty chunk.
        most = tf.reduce_max(tf.concat([chunks, [1]], axis=0))
        dense = ids.to_tensor(default_value=0, shape=[None, None])
        dense = tf.pad(dense, [[0, 0], [0, most * length - tf.shape(dense)[1]]])
        dense = tf.reshape(dense, [-1, most, length])
        real = tf.sequence_mask(chunks, most)  # [N, most]: which chunks a text has.
        rows = tf.boolean_mask(dense, real)
        owners = tf.boolean_mask(tf.broadcast_to(tf.range(tf.shape(texts)[0])[:, None], tf.shape(real)), real)
        starts = tf.boolean_mask(tf.broadcast_to(tf.range(most)[None, :] * length, tf.shape(real)), real)
        sizes = tf.cast(tf.clip_by_value(tf.gather(words, owners) - starts, 1, length), tf.float32)
        probs = tf.nn.softmax(self.model(rows, training=False)) * sizes[:, None]
        summed = tf.math.unsorted_segment_sum(probs, owners, tf.shape(texts)[0])
        probabilities = summed / tf.reduce_sum(summed, axis=1, keepdims=True)
        label = tf.gather(self._labels, tf.argmax(probabilities, axis=1, output_type=tf.int32))
        return {"probabilities": probabilities, "label": label}
