"""The fast path for small inputs: raw strings (or windows) in, answers out, in one graph call.

`keras.Model.predict` builds a `tf.data` pipeline and an iterator on every
call, which costs tens of milliseconds; the arithmetic for one name, one review
or one window takes well under one. So each task has one `tf.function` with a
fixed input signature (traced once, never per shape) that runs the tokenizer,
the network and the post-processing in one call:

- text classifiers: texts [N] -> probabilities [N, classes];
- char LMs: prefixes [N] -> next-character probabilities [N, vocabulary],
  the k best of them, a prompt's prefill for generation, and score sums;
- forecasters: windows [N, window, input columns] -> forecasts [N, targets].

Token ids are padded to the next of a few bucket lengths (`BUCKETS`), not to
the longest allowed length. Padding is masked, so the answers equal those of
the batched path to float rounding. Large batches keep the batched `tf.data`
path; the switch-over points (`*_FAST_PATH_MAX_*`) come from
`benchmarks/latency.py --switch-over` (see the performance guide).

The graph bodies (`classifier_probabilities`, `next_probabilities`,
`top_next`, `prefill`, `forecast_windows`) are also what the SavedModel
signatures of `seqzoo.export` serve, so serving runs the same graph.
"""
from __future__ import annotations

import contextlib
import threading
import weakref

import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError
from seqzoo.layers import fused_lstm
from seqzoo.layers.tokenizer import (
    END_ID,
    PAD_ID,
    SPECIAL_TOKENS,
    START_ID,
    as_string_tensor,
)
from seqzoo.models.char_lm_preprocessor import MAX_PREFIX_CHARS
from seqzoo.models.text_classifier_preprocessor import MAX_TOKENS

# Padded lengths of token ids; longer inputs are padded to a multiple of the last one.
BUCKETS = (4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048)
# Switch-over points. Measured (`benchmarks/latency.py --switch-over`, performance guide): the fast
# path was faster than the batched path at every batch size tried, 1 to 1,024, for all three tasks;
# so the limits only bound the memory of one graph call, and larger inputs go through tf.data.
CLASSIFIER_FAST_PATH_MAX_TEXTS = 1024
CLASSIFIER_FAST_PATH_MAX_CHARS = 256 * 1024
CHAR_LM_FAST_PATH_MAX_PREFIXES = 1024
FORECASTER_FAST_PATH_MAX_WINDOWS = 1024
# Inputs of at most this many items run a graph traced with the fused LSTM kernel
# (`seqzoo.layers.fused_lstm`): measured about twice as fast for one item; from two items
# on, the loop's per-gate matmuls on both cores were as fast or faster (performance guide).
FUSED_MAX_ITEMS = 1


# === Graph bodies, shared with the SavedModel signatures ===
def bucket_length(length, buckets=BUCKETS):
    """The smallest bucket >= `length` (int32 scalar tensor); a multiple of the last beyond it.

    Example:
    >>> int(bucket_length(tf.constant(5)))
    8
    >>> int(bucket_length(tf.constant(3)))
    4
    >>> int(bucket_length(tf.constant(3000)))
    4096
    """
    table = tf.constant(buckets, tf.int32)
    last = buckets[-1]
    above = tf.where(table >= length, table, tf.int32.max)
    rounded = (length + last - 1) // last * last
    return tf.where(length > last, rounded, tf.reduce_min(above))


def check_text_length(texts, maximum: int, what: str):
    """Fail in the graph (InvalidArgumentError) when a text has more than `maximum` characters."""
    longest = tf.reduce_max(tf.concat([tf.strings.length(texts, unit="UTF8_CHAR"), [0]], axis=0))
    return tf.debugging.assert_less_equal(
        longest, maximum, message=f"each {what} may have at most {maximum} characters")


def _pad_to(dense, width):
    """Dense ids [N, <= width] padded with PAD to [N, width]."""
    return tf.pad(dense, [[0, 0], [0, width - tf.shape(dense)[1]]])


def classifier_probabilities(model, texts):
    """Texts [N] -> probabilities [N, classes], long texts in chunks, as `TextClassifier.predict`.

    Each text is cut at `MAX_TOKENS` words and read in chunks of
    `sequence_length` words whose probabilities are averaged, weighted by words.
    The chunks are padded to the bucket of the longest one.
    """
    length = int(model.preprocessor.sequence_length)
    buckets = tuple(b for b in BUCKETS if b < length) + (length,)
    ids = model.preprocessor.tokenizer.tokenize(texts)[:, :MAX_TOKENS]
    words = tf.cast(ids.row_lengths(), tf.int32)
    chunks = tf.maximum(1, (words + length - 1) // length)  # An empty text is one empty chunk.
    most = tf.reduce_max(tf.concat([chunks, [1]], axis=0))
    dense = ids.to_tensor(default_value=0, shape=[None, None])
    dense = tf.pad(dense, [[0, 0], [0, most * length - tf.shape(dense)[1]]])
    dense = tf.reshape(dense, [-1, most, length])
    real = tf.sequence_mask(chunks, most)  # [N, most]: which chunks a text has.
    rows = tf.boolean_mask(dense, real)
    owners = tf.boolean_mask(tf.broadcast_to(tf.range(tf.shape(words)[0])[:, None], tf.shape(real)), real)
    starts = tf.boolean_mask(tf.broadcast_to(tf.range(most)[None, :] * length, tf.shape(real)), real)
    sizes = tf.clip_by_value(tf.gather(words, owners) - starts, 1, length)
    width = bucket_length(tf.reduce_max(tf.concat([sizes, [1]], axis=0)), buckets)
    logits = model(rows[:, :width], training=False)
    probs = tf.nn.softmax(logits) * tf.cast(sizes, logits.dtype)[:, None]
    summed = tf.math.unsorted_segment_sum(probs, owners, tf.shape(words)[0])
    return summed / tf.reduce_sum(summed, axis=1, keepdims=True)


def next_probabilities(model, prefixes):
    """Prefixes [N] -> probabilities of the next character [N, vocabulary], as `CharLM.predict`."""
    ids = model.tokenizer.tokenize(prefixes)
    lengths = tf.cast(ids.row_lengths(), tf.int32) + 1  # [<s>, characters...]
    width = bucket_length(tf.reduce_max(tf.concat([lengths, [1]], axis=0)))
    # <s> joins as a padded column: cheaper than a ragged concat of the markers.
    dense = _pad_to(tf.pad(ids.to_tensor(default_value=PAD_ID), [[0, 0], [1, 0]], constant_values=START_ID), width)
    logits = model(dense, training=False)
    return tf.nn.softmax(tf.gather(logits, tf.maximum(lengths - 1, 0), batch_dims=1))


def top_next(model, prefixes, k):
    """The `k` most likely next ids and their probabilities [N, k], PAD and START excluded."""
    probs = next_probabilities(model, prefixes)
    never = tf.reduce_sum(tf.one_hot([PAD_ID, START_ID], tf.shape(probs)[-1], dtype=probs.dtype), axis=0)
    top = tf.math.top_k(probs * (1.0 - never), k=tf.minimum(k, tf.shape(probs)[-1]))
    return top.indices, top.values


def prefill(model, prompt, n):
    """One prompt (scalar string) read once for `n` samples: the last logits [n, V] and the states."""
    ids = model.tokenizer.tokenize(prompt[None])[0]
    ids = tf.repeat(tf.concat([[START_ID], ids], axis=0)[None, :], n, axis=0)
    return model.decoder._prefill(ids)


def score_sums(model, texts):
    """Texts [N] -> (sum of the negative log-likelihoods, number of predicted ids), one chunk."""
    ids = model.preprocessor.with_markers(texts)
    width = bucket_length(tf.reduce_max(tf.concat([tf.cast(ids.row_lengths(), tf.int32), [2]], axis=0)))
    dense = _pad_to(ids.to_tensor(default_value=PAD_ID), width + 1)
    logits, _ = model.decoder._run_chunk(dense[:, :-1], None)
    target = dense[:, 1:]
    nll = tf.nn.sparse_softmax_cross_entropy_with_logits(target, logits)
    weight = tf.cast(target != PAD_ID, tf.float32)
    return tf.reduce_sum(nll * weight), tf.reduce_sum(weight)


def forecast_windows(model, windows):
    """Windows [N, window, input columns] in real units -> forecasts [N, targets] in real units."""
    return model(windows, training=False)


# === One compiled function per model ===
class TracedOnce:
    """A `tf.function` with a fixed input signature, called through its one concrete function.

    Calling the concrete function skips the per-call signature matching of
    `tf.function` (a few hundred microseconds on a busy CPU), and calling its
    flat entry point with tensors checked against the signature skips binding
    them to the Python signature again.

    Args:
        fn: The graph body.
        input_signature: The `tf.TensorSpec`s of its arguments.

    Example:
    >>> double = TracedOnce(lambda x: 2 * x, [tf.TensorSpec([None], tf.float32)])
    >>> double(tf.constant([1.0])).numpy()
    array([2.], dtype=float32)
    """

    def __init__(self, fn, input_signature, *, fused: bool = False):
        self.function = tf.function(fn, input_signature=input_signature, autograph=False)
        self.fused = fused
        self._concrete = None
        self._lock = threading.Lock()

    def __call__(self, *args):
        concrete = self._concrete
        if concrete is None:
            with self._lock:  # Two threads' first calls trace once.
                if self._concrete is None:
                    with fused_lstm.fused_kernels() if self.fused else contextlib.nullcontext():
                        self._concrete = self.function.get_concrete_function()
                concrete = self._concrete
        tensors = [tf.convert_to_tensor(a) for a in args]
        for spec, tensor in zip(self.function.input_signature, tensors, strict=True):
            if not spec.is_compatible_with(tensor):
                raise InputError(f"The fast path's {spec.name or 'input'} must be {spec.dtype.name} of shape "
                                 f"{spec.shape}, got {tensor.dtype.name} of shape {tensor.shape}.")
        call_flat = getattr(concrete, "_call_flat", None)
        if call_flat is None:  # pragma: no cover - a TensorFlow without the private entry point.
            return concrete(*tensors)
        # The checked tensors straight to the graph: skips binding them to the Python signature
        # again (0.25-0.4 ms of a 1.3 ms call measured here; tests compare both ways).
        return call_flat(tensors, concrete.captured_inputs)

    def experimental_get_tracing_count(self) -> int:
        return self.function.experimental_get_tracing_count()


class OneOrMany:
    """One graph body traced twice: with the fused LSTM kernel for one item, with the loop for more.

    Each of the two graphs is traced on its first use only.

    Args:
        fn: The graph body.
        input_signature: The `tf.TensorSpec`s of its arguments.
        items: The number of items in a call's arguments (default: the first argument's length).

    Example:
    >>> double = OneOrMany(lambda x: 2 * x, [tf.TensorSpec([None], tf.float32)])
    >>> double(tf.constant([1.0])).numpy()
    array([2.], dtype=float32)
    """

    def __init__(self, fn, input_signature, items=lambda args: len(args[0])):
        self.one = TracedOnce(fn, input_signature, fused=True)
        self.many = TracedOnce(fn, input_signature)
        self._items = items

    def __call__(self, *args):
        return (self.one if self._items(args) <= FUSED_MAX_ITEMS else self.many)(*args)

    def experimental_get_tracing_count(self) -> int:
        return self.one.experimental_get_tracing_count() + self.many.experimental_get_tracing_count()


class ClassifierFastPath:
    """`probabilities(texts [N] string)` -> float32 [N, classes], one graph call.

    Example:
    >>> fast = fast_path(seqzoo.load("sentiment-lstm"))
    >>> fast.probabilities(tf.constant(["A dull, lifeless mess."])).shape
    TensorShape([1, 2])
    """

    def __init__(self, model):
        model = weakref.proxy(model)  # The cache entry must not keep the model alive.
        self.probabilities = OneOrMany(
            lambda texts: classifier_probabilities(model, texts),
            input_signature=[tf.TensorSpec([None], tf.string, name="texts")])


class CharLMFastPath:
    """The compiled calls of a `CharLM`: next-character probabilities, top k, prefill, score.

    Example:
    >>> fast = fast_path(seqzoo.load("names-lstm"))
    >>> ids, probs = fast.top_next(tf.constant(["Joh"]), tf.constant(5))
    """

    def __init__(self, model):
        model = weakref.proxy(model)

        def top(prefixes, k):
            with tf.control_dependencies([check_text_length(prefixes, MAX_PREFIX_CHARS, "prefix")]):
                return top_next(model, tf.identity(prefixes), k)

        self.next_probabilities = OneOrMany(
            lambda prefixes: next_probabilities(model, prefixes),
            input_signature=[tf.TensorSpec([None], tf.string, name="prefixes")])
        self.top_next = OneOrMany(top, input_signature=[
            tf.TensorSpec([None], tf.string, name="prefixes"), tf.TensorSpec([], tf.int32, name="k")])
        self.prefill = OneOrMany(
            lambda prompt, n: prefill(model, prompt, n),
            input_signature=[tf.TensorSpec([], tf.string, name="prompt"), tf.TensorSpec([], tf.int32, name="n")],
            items=lambda args: int(args[1]))
        self.score_sums = OneOrMany(
            lambda texts: score_sums(model, texts),
            input_signature=[tf.TensorSpec([None], tf.string, name="texts")])


class ForecasterFastPath:
    """`forecast(windows [N, window, input columns] float32)` -> [N, targets], one graph call.

    Example:
    >>> model = seqzoo.load("weather-lstm")
    >>> fast_path(model).forecast(tf.zeros([1, 7, 6])).shape
    TensorShape([1, 2])
    """

    def __init__(self, model):
        columns = len(model.input_columns)
        model_ref = weakref.proxy(model)
        self.forecast = OneOrMany(
            lambda windows: forecast_windows(model_ref, windows),
            input_signature=[tf.TensorSpec([None, model.window, columns], tf.float32, name="windows")])


_KINDS = {"text_classification": ClassifierFastPath, "char_lm": CharLMFastPath,
          "forecasting": ForecasterFastPath}
_CACHE: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def _state(model) -> tuple:
    """What the traced graph bakes in: a change of any of these needs a new trace."""
    preprocessor = model.preprocessor
    tokenizer = getattr(preprocessor, "tokenizer", None)
    layers = [inner for layer in model.backbone.recurrent_layers
              for inner in ((layer.forward_layer, layer.backward_layer) if hasattr(layer, "forward_layer") else (layer,))]
    precision = tuple(getattr(layer, "inference_precision", None) for layer in layers)
    return (id(preprocessor), id(getattr(tokenizer, "_lookup", None)),
            getattr(model, "temperature", None), precision, id(model.backbone))


def fast_path(model):
    """The fast path of a task model, built on first use and kept while the model lives.

    It is built again when something the graph bakes in changes: the
    preprocessor or its vocabulary, a classifier's temperature, the inference
    precision.

    Args:
        model: A `TextClassifier`, `CharLM` or `Forecaster` with a preprocessor.

    Example:
    >>> fast_path(seqzoo.load("sentiment-lstm")).probabilities(tf.constant(["Great!"]))
    """
    if getattr(model, "preprocessor", None) is None:
        raise InputError("The fast path reads raw inputs: this model has no preprocessor.")
    state = _state(model)
    entry = _CACHE.get(model)
    if entry is not None and entry[0] == state:
        return entry[1]
    with _LOCK:
        entry = _CACHE.get(model)
        if entry is None or entry[0] != state:
            entry = (state, _KINDS[model.task_name](model))
            _CACHE[model] = entry
    return entry[1]


# === The task methods' entry points: an answer, or None for the batched path ===
def _small_texts(texts, max_texts: int, max_chars: int):
    """(string tensor [N], whether it is small enough for the fast path); checks the texts."""
    tensor = as_string_tensor(texts)
    if isinstance(tensor, tf.RaggedTensor) or tensor.shape.rank != 1 or int(tensor.shape[0]) > max_texts:
        return tensor, False
    if isinstance(texts, str | bytes):
        chars = len(texts)
    elif isinstance(texts, list | tuple):
        chars = sum(len(t) for t in texts)
    else:
        chars = int(tf.reduce_sum(tf.strings.length(tensor)))
    return tensor, chars <= max_chars


def classifier_predict(model, texts, kwargs: dict):
    """`TextClassifier.predict` on the fast path: probabilities [N, classes] float32, or None."""
    if kwargs or model.preprocessor is None:
        return None
    tensor, small = _small_texts(texts, CLASSIFIER_FAST_PATH_MAX_TEXTS, CLASSIFIER_FAST_PATH_MAX_CHARS)
    if not small:
        return None
    return fast_path(model).probabilities(tensor).numpy()


def check_prefixes(texts, what: str = "prefix") -> None:
    """An `InputError` when a prefix or prompt is longer than `MAX_PREFIX_CHARS` characters."""
    items = [texts] if isinstance(texts, str | bytes) else texts
    if isinstance(items, list | tuple):
        longest = max((len(t) for t in items if isinstance(t, str | bytes)), default=0)
    else:
        tensor = as_string_tensor(texts)
        longest = int(tf.reduce_max(tf.concat([tf.reshape(tf.strings.length(tensor, "UTF8_CHAR"), [-1]), [0]], 0)))
    if longest > MAX_PREFIX_CHARS:
        raise InputError(f"A {what} has {longest} characters; at most {MAX_PREFIX_CHARS:,} are read "
                         "(pass the end of the text).")


def char_lm_predict(model, texts, kwargs: dict):
    """`CharLM.predict` on the fast path: next-character probabilities [N, V], or None."""
    if kwargs or model.preprocessor is None:
        return None
    check_prefixes(texts)
    tensor, small = _small_texts(texts, CHAR_LM_FAST_PATH_MAX_PREFIXES, CHAR_LM_FAST_PATH_MAX_PREFIXES * 1024)
    if not small:
        return None
    return fast_path(model).next_probabilities(tensor).numpy()


def char_lm_top_next(model, prefix: str, k: int) -> tuple[list[int], list[float]]:
    """The `k` most likely next ids after one prefix and their probabilities, one graph call."""
    check_prefixes(prefix)
    k = min(int(k), model.backbone.vocabulary_size)
    ids, probs = fast_path(model).top_next(as_string_tensor([prefix]), tf.constant(k, tf.int32))
    return ids.numpy()[0].tolist(), probs.numpy()[0].tolist()


def char_lm_prefill(model, prompt, n: int):
    """The prompt read once for `n` samples: (last logits [n, V], states), one graph call."""
    if not isinstance(prompt, str):
        raise InputError(f"The prompt must be a string, got {type(prompt).__name__}.")
    check_prefixes(prompt, "prompt")
    return fast_path(model).prefill(as_string_tensor(prompt)[0], tf.constant(n, tf.int32))


def char_lm_detokenize(model, rows) -> list[str]:
    """Sampled ids [B, T] -> texts, each cut at its end marker; as `CharTokenizer.detokenize`."""
    tokens = [""] * len(SPECIAL_TOKENS) + list(model.tokenizer.vocabulary)
    last = len(tokens) - 1
    texts = []
    for row in np.asarray(rows).tolist():
        ended = row.index(END_ID) if END_ID in row else len(row)
        texts.append("".join(tokens[min(max(i, 0), last)] for i in row[:ended]))
    return texts


def char_lm_score(model, texts, batch_size: int, chunk_length: int):
    """`CharLM.score` of texts that fit one batch and one chunk, or None (batched path)."""
    if model.preprocessor is None:
        return None
    tensor, small = _small_texts(texts, batch_size, batch_size * chunk_length)
    if not small or isinstance(texts, tf.Tensor) or len(tensor.shape) != 1:
        return None
    items = [texts] if isinstance(texts, str | bytes) else texts
    if max((len(t) for t in items), default=0) + 1 > chunk_length:  # +2 markers, -1 shift.
        return None
    total, count = fast_path(model).score_sums(tensor)
    if float(count) == 0:
        return None  # The batched path says what is wrong.
    return float(total) / float(count)


def forecaster_predict(model, windows: np.ndarray, kwargs: dict):
    """`Forecaster.predict` of checked windows on the fast path: [N, targets], or None."""
    if set(kwargs) - {"verbose"} or len(windows) > FORECASTER_FAST_PATH_MAX_WINDOWS:
        return None
    return fast_path(model).forecast(np.asarray(windows, np.float32)).numpy()
