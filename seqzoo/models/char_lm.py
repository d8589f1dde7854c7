"""Character language models: next-character prediction, generation and scoring."""
from __future__ import annotations

from collections.abc import Iterator

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.layers.char_tokenizer import CharTokenizer
from seqzoo.layers.tokenizer import END_ID, PAD_ID, START_ID, as_string_tensor
from seqzoo.models import fast_path
from seqzoo.models.backbone import RecurrentBackbone
from seqzoo.models.char_lm_preprocessor import CharLMPreprocessor
from seqzoo.models.decoding import RecurrentDecoder
from seqzoo.models.task import Task
from seqzoo.validation import check_float, check_int, check_str

END_MARKER = "<end>"
MAX_GENERATE_LENGTH = 1_000_000  # Characters one `generate`/`stream` call may add.
MAX_SAMPLES = 4_096  # Continuations (`n`) sampled in one batch.
FLOAT32_MAX = float(np.finfo(np.float32).max)
GENERATE_CHUNK = 1_024  # Steps per compiled call of `generate`: memory follows the text, not max_length.
DEFAULT_VOCABULARY = [chr(c) for c in range(32, 127)] + ["\n"]


@keras.saving.register_keras_serializable(package="seqzoo")
class CharLM(Task):
    """A character-level language model: raw text in, next-character logits out.

    `fit(texts)` trains on raw strings; `predict_next`, `generate`, `stream`
    and `score` use the model.

    Args:
        backbone: A unidirectional `RecurrentBackbone` returning sequences.
        preprocessor: A `CharLMPreprocessor` (or None to feed ids).

    Example:
    >>> lm = seqzoo.load("names-lstm")
    >>> lm.predict_next("Joh")[0][0]
    'n'
    >>> lm.generate("Ma", max_length=10, seed=0)
    """

    task_name = "char_lm"

    def __init__(self, backbone, preprocessor=None, **kwargs):
        if backbone.bidirectional or not backbone.return_sequences:
            raise InputError("A char LM reads left to right: use bidirectional=False.")
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        self.lm_head = keras.layers.Dense(backbone.vocabulary_size, name="lm_head")
        # === Functional Model ===
        inputs = backbone.input
        outputs = self.lm_head(backbone(inputs))
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        self._decoder = None

    @classmethod
    def create(cls, architecture: str, *, vocabulary=None, texts=None, sequence_length=64,
               packing="pad", embedding_dim=32, hidden_size=128, num_layers=1,
               bidirectional=False, dropout=0.0, **unknown) -> "CharLM":
        """An untrained char LM.

        Args:
            architecture: "simple_rnn", "lstm" or "gru".
            vocabulary: The characters to know; by default learned from
                `texts`, else printable ASCII and newline.
            texts: Texts to learn the vocabulary from.
            sequence_length, packing: See `CharLMPreprocessor`.
            embedding_dim, hidden_size, num_layers, bidirectional, dropout:
                See `RecurrentBackbone`.
        """
        _reject_unknown(unknown)
        tokenizer = CharTokenizer(vocabulary=vocabulary, name="char_tokenizer")
        if vocabulary is None and texts is not None:
            tokenizer.adapt(texts)
        elif vocabulary is None:
            tokenizer.set_vocabulary(DEFAULT_VOCABULARY)
        backbone = RecurrentBackbone(
            architecture, vocabulary_size=tokenizer.vocabulary_size, embedding_dim=embedding_dim,
            hidden_size=hidden_size, num_layers=num_layers, bidirectional=bidirectional,
            dropout=dropout,
        )
        return cls(backbone, CharLMPreprocessor(tokenizer, sequence_length, packing))

    def default_compile_arguments(self) -> dict:
        return {
            "optimizer": keras.optimizers.Adam(2e-3, clipnorm=1.0),
            "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "metrics": None,
        }

    @property
    def tokenizer(self) -> CharTokenizer:
        if self.preprocessor is None:
            raise InputError("This model has no preprocessor, so it cannot read text.")
        return self.preprocessor.tokenizer

    @property
    def decoder(self) -> RecurrentDecoder:
        if self._decoder is None:
            self._decoder = RecurrentDecoder(self.backbone, self.lm_head)
        return self._decoder

    def _prompt_ids(self, prompt: str) -> tf.Tensor:
        if not isinstance(prompt, str):
            raise InputError(f"The prompt must be a string, got {type(prompt).__name__}.")
        ids = self.tokenizer.tokenize([prompt])[0]
        return tf.concat([[START_ID], ids], axis=0)[None, :]

    # === Next character ===
    def predict(self, texts, **kwargs) -> np.ndarray:
        """Probabilities of the next character after each text: [N, vocabulary_size]."""
        fast = fast_path.char_lm_predict(self, texts, kwargs)  # Small inputs: one graph call.
        if fast is not None:
            return fast
        texts = as_string_tensor(texts)
        if int(texts.shape[0]) == 0:
            return np.zeros((0, self.backbone.vocabulary_size), np.float32)
        ids = self.preprocessor.with_markers(as_string_tensor(texts))[:, :-1].to_tensor()
        lengths = tf.reduce_sum(tf.cast(ids != PAD_ID, tf.int32), axis=1)
        logits = super().predict(ids, verbose=0, **kwargs)
        last = np.take_along_axis(logits, (lengths.numpy() - 1)[:, None, None], axis=1)[:, 0]
        return tf.nn.softmax(last).numpy()

    def predict_next(self, prefix: str, k: int = 5) -> list[tuple[str, float]]:
        """The `k` most likely next characters after `prefix`, with probabilities.

        The end of the text is a possible answer, shown as "<end>".

        Args:
            prefix: The text so far ("" for the first character).
            k: How many answers.

        Example:
        >>> seqzoo.load("names-lstm").predict_next("Joh", k=2)
        [('n', 0.9...), ...]
        """
        prefix = check_str("prefix", prefix)
        k = check_int("k", k, minimum=1)
        ids, probs = fast_path.char_lm_top_next(self, prefix, k)  # One graph call.
        return [(self._readable(i), p) for i, p in zip(ids, probs)]

    def _readable(self, token_id: int) -> str:
        return END_MARKER if token_id == END_ID else self.tokenizer.id_to_token(int(token_id))

    # === Generation ===
    def generate(self, prompt: str = "", *, max_length: int = 100, temperature: float = 1.0,
                 top_k: int | None = None, top_p: float | None = None, seed: int | None = None,
                 n: int = 1) -> str | list[str]:
        """Continue `prompt` by sampling up to `max_length` characters.

        Generation stops early at the end marker. The prompt is read once and
        each new character costs one recurrent step in a compiled loop.

        Args:
            prompt: The start of the text ("" starts from the start marker).
            max_length: The most characters to add, at most `MAX_GENERATE_LENGTH`
                (1,000,000). Memory grows with the text produced, not with
                `max_length`.
            temperature: Sampling temperature; 0 is greedy.
            top_k: Sample only among the k most likely characters.
            top_p: Sample only among the most likely characters whose
                probabilities sum to top_p.
            seed: The same seed gives the same text.
            n: Number of continuations, sampled in one batch.

        Returns:
            The prompt and its continuation, or a list of `n` of them.

        Example:
        >>> lm.generate("To be", max_length=50, temperature=0.8, seed=0)
        """
        max_length = check_int("max_length", max_length, minimum=0, maximum=MAX_GENERATE_LENGTH)
        chunk = max(1, min(max_length, GENERATE_CHUNK))
        pieces = list(self.stream(prompt, max_length=max_length, temperature=temperature,
                                  top_k=top_k, top_p=top_p, seed=seed, n=n, chunk_size=chunk))
        texts = [prompt + "".join(p[i] for p in pieces) for i in range(n)] if n > 1 else None
        return texts if n > 1 else prompt + "".join(pieces)

    def stream(self, prompt: str = "", *, max_length: int = 100, temperature: float = 1.0,
               top_k: int | None = None, top_p: float | None = None, seed: int | None = None,
               n: int = 1, chunk_size: int = 16) -> Iterator:
        """Yield the continuation of `prompt` piece by piece as it is produced.

        Takes the same options as `generate`; each piece is up to
        `chunk_size` characters (a list of `n` pieces when n > 1). Bad options
        and prompts raise here, before the first piece is asked for.

        Example:
        >>> for piece in lm.stream("To be", max_length=200, seed=1):
        ...     print(piece, end="", flush=True)
        """
        max_length = check_int("max_length", max_length, minimum=0, maximum=MAX_GENERATE_LENGTH)
        n = check_int("n", n, minimum=1, maximum=MAX_SAMPLES)
        chunk_size = check_int("chunk_size", chunk_size, minimum=1)
        options = _sampling_options(temperature, top_k, top_p, seed, self.backbone.vocabulary_size)
        logits, states = fast_path.char_lm_prefill(self, prompt, n)  # Tokenizer + prefill, one graph call.
        return self._pieces(logits, states, n, max_length, chunk_size, options)

    def _pieces(self, logits, states, n: int, max_length: int, chunk_size: int, options) -> Iterator:
        """The decoding loop of `stream`, over checked options and a read prompt."""
        done = tf.zeros([n], tf.bool)
        produced = 0
        while produced < max_length and not bool(tf.reduce_all(done)):
            steps = min(chunk_size, max_length - produced)
            tokens, logits, states, done, _ = self.decoder.decode(
                logits, states, done, tf.constant(steps), *options, tf.constant(produced)
            )
            produced += steps
            rows = fast_path.char_lm_detokenize(self, tokens.numpy())
            yield rows if n > 1 else rows[0]

    # === Scoring ===
    def score(self, texts, *, batch_size: int = 64, chunk_length: int = 2048) -> float:
        """Mean negative log-likelihood in nats per character, counting the end marker.

        Long texts (whole plays) are read in chunks with the state carried over.

        Args:
            texts: A string or a list of strings.
            batch_size: Texts scored together.
            chunk_length: Steps per compiled chunk.

        Example:
        >>> seqzoo.load("names-lstm").score(["Maria", "John"])
        """
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1)
        chunk_length = check_int("chunk_length", chunk_length, minimum=1, maximum=2**31 - 1)
        fast = fast_path.char_lm_score(self, texts, batch_size, chunk_length)  # One batch, one chunk.
        if fast is not None:
            return fast
        ids = self.preprocessor.with_markers(as_string_tensor(texts))
        lengths = ids.row_lengths().numpy()
        order = np.argsort(lengths)  # Similar lengths together: less padding.
        total, count = 0.0, 0
        for start in range(0, len(order), batch_size):
            batch = tf.gather(ids, order[start : start + batch_size]).to_tensor()
            states = None
            for t in range(0, int(batch.shape[1]) - 1, chunk_length):
                chunk = batch[:, t : t + chunk_length + 1]
                logits, states = self.decoder.run_chunk(chunk[:, :-1], states)
                target = chunk[:, 1:]
                nll = tf.nn.sparse_softmax_cross_entropy_with_logits(target, logits)
                weight = tf.cast(target != PAD_ID, tf.float32)
                total += float(tf.reduce_sum(nll * weight))
                count += int(tf.reduce_sum(weight))
        if count == 0:
            raise InputError("Nothing to score: pass at least one text.")
        return total / count


def _sampling_options(temperature, top_k, top_p, seed, vocabulary_size):
    """The sampler's options as tensors, each checked (`InputError` naming it otherwise)."""
    temperature = check_float("temperature", temperature, minimum=0.0, maximum=FLOAT32_MAX)  # Finite in float32.
    top_k = check_int("top_k", top_k, minimum=1, allow_none=True)
    top_p = check_float("top_p", top_p, minimum=0.0, maximum=1.0, exclusive_minimum=True, allow_none=True)
    seed = check_int("seed", seed, allow_none=True)
    if seed is None:
        seed = int(np.random.randint(0, 2**31 - 1))
    return (
        tf.constant(temperature), tf.constant(min(top_k or 0, vocabulary_size)),  # k > vocabulary keeps all.
        tf.constant(1.0 if top_p is None else top_p), tf.constant(seed % (2**31 - 1)),
    )


def _until_end(row):
    for token in row:
        if token == END_ID:
            return
        yield int(token)


def _reject_unknown(unknown: dict) -> None:
    if unknown:
        raise InputError(f"Unknown hyper-parameters {sorted(unknown)} for this task.")
