"""Serving signatures of a `CharLM`: `predict_next` and `generate`, on raw strings.

Both run the graph bodies of the Python fast path (`seqzoo.models.fast_path`:
`top_next` and `prefill`), so serving answers as `CharLM.predict_next` does.
Prefixes and prompts longer than `MAX_PREFIX_CHARS` (10,000) characters are
refused with an InvalidArgumentError, as the Python API refuses them; an
empty batch of prefixes gives empty answers.

`generate` calls the model's own compiled decoder (`RecurrentDecoder.prefill`
and `.decode`, an XLA-compiled `tf.while_loop` over recurrent steps), so the
exported graph samples with exactly the math and random numbers of
`CharLM.generate`: the same seed gives the same text.
"""
from __future__ import annotations

import tensorflow as tf

from seqzoo.layers.tokenizer import END_ID, SPECIAL_TOKENS
from seqzoo.models import fast_path
from seqzoo.models.char_lm import END_MARKER
from seqzoo.models.char_lm_preprocessor import MAX_PREFIX_CHARS

SEED_MODULUS = 2**31 - 1  # As `CharLM.generate` reduces its seed.


class CharLMServing(tf.Module):
    """A `tf.Module` holding a char LM and its tokenizer tables, with two signatures.

    - `predict_next(prefix: string [N])` -> `characters` string [N, k] and
      `probabilities` float32 [N, k]: the k most likely next characters
      ("<end>" for the end of the text), like `CharLM.predict_next`. Each
      prefix has at most `MAX_PREFIX_CHARS` characters.
    - `generate(prompt: string [], max_length: int32 [], temperature: float32 [],
      seed: int64 [])` -> `text` string []: the prompt and its sampled
      continuation, like `CharLM.generate(prompt, max_length=..., temperature=..., seed=...)`.

    Args:
        model: A `CharLM` with a preprocessor.
        top_k: How many answers `predict_next` returns.

    Example:
    >>> module = CharLMServing(seqzoo.load("names-lstm"))
    >>> module.generate(tf.constant("Ma"), tf.constant(10), tf.constant(0.0), tf.constant(0, tf.int64))
    """

    def __init__(self, model, top_k: int = 5):
        super().__init__(name="char_lm_serving")
        self.model = model
        tokenizer = model.tokenizer
        self.char_table = tokenizer._lookup  # Tracked, so the SavedModel carries the vocabulary.
        self._codepoints = tf.constant(tokenizer._codepoints)
        readable = [SPECIAL_TOKENS[i] if i != END_ID else END_MARKER for i in range(len(SPECIAL_TOKENS))]
        self._readable = tf.constant(readable + list(tokenizer.vocabulary))
        self.top_k = max(1, min(int(top_k), tokenizer.vocabulary_size))

    def signatures(self) -> dict:
        """Signature name -> concrete function, for `tf.saved_model.save`."""
        return {
            "predict_next": self.predict_next.get_concrete_function(),
            "generate": self.generate.get_concrete_function(),
        }

    @tf.function(input_signature=[tf.TensorSpec([None], tf.string, name="prefix")])
    def predict_next(self, prefix):
        with tf.control_dependencies([fast_path.check_text_length(prefix, MAX_PREFIX_CHARS, "prefix")]):
            indices, probabilities = fast_path.top_next(self.model, tf.identity(prefix), self.top_k)
        return {"characters": tf.gather(self._readable, indices), "probabilities": probabilities}

    @tf.function(input_signature=[
        tf.TensorSpec([], tf.string, name="prompt"),
        tf.TensorSpec([], tf.int32, name="max_length"),
        tf.TensorSpec([], tf.float32, name="temperature"),
        tf.TensorSpec([], tf.int64, name="seed"),
    ])
    def generate(self, prompt, max_length, temperature, seed):
        tf.debugging.assert_non_negative(max_length, message="max_length must be >= 0")
        tf.debugging.assert_non_negative(temperature, message="temperature must be >= 0 (0 is greedy)")
        with tf.control_dependencies([fast_path.check_text_length(prompt[None], MAX_PREFIX_CHARS, "prompt")]):
            logits, states = fast_path.prefill(self.model, tf.identity(prompt), 1)
        decoder = self.model.decoder
        seed = tf.cast(tf.math.floormod(seed, SEED_MODULUS), tf.int32)

        def decode():
            tokens, *_ = decoder.decode(
                logits, states, tf.zeros([1], tf.bool), max_length, temperature,
                tf.constant(0), tf.constant(1.0), seed, tf.constant(0),
            )
            return tokens[0]

        tokens = tf.cond(max_length > 0, decode, lambda: tf.zeros([0], tf.int32))
        # The end marker and the padding after it map to -1 and are dropped, as in detokenize.
        codepoints = tf.gather(self._codepoints, tf.clip_by_value(tokens, 0, tf.size(self._codepoints) - 1))
        codepoints = tf.boolean_mask(codepoints, codepoints >= 0)
        return {"text": tf.strings.join([prompt, tf.strings.unicode_encode(codepoints, "UTF-8")])}
