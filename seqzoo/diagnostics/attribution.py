"""Why did the model say that? Each word's, character's or input day's share of one prediction.

Integrated gradients (Sundararajan et al., 2017) walks in a straight line from a
baseline input to the real one and adds up the gradient of the explained
quantity along the way:

- text classifiers and char LMs: over the token embeddings; the quantity is the
  target's logit (after the classifier's temperature); the baseline puts the
  padding embedding at every position;
- forecasters: over the window (the model normalises it inside, and integrated
  gradients does not depend on such a linear rescaling); the quantity is the
  forecast of the target in its own units; the baseline holds each column's
  mean over the window.

Scores then add up to (quantity on the input) - (quantity on the baseline):
the steps double until they do within 5% (up to 512), and each result reports
the residual left. `method="occlusion"` sets one token (or one day x feature
cell) at a time to the baseline and records the drop, with no gradients.

A classifier with an n-gram model beside it (`stack_ngrams`) is explained
whole: each word's score adds its exact share of the n-gram logits
(`seqzoo.diagnostics.attribution_ngrams`) to its share of the network's.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow as tf

from seqzoo.diagnostics.attribution_functions import ModelFunctions
from seqzoo.diagnostics.attribution_methods import MAX_STEPS, integrated_gradients, occlusion, residual
from seqzoo.diagnostics.attribution_ngrams import ngram_part
from seqzoo.diagnostics.attribution_results import ForecastAttribution, TokenAttribution
from seqzoo.diagnostics.forward import check_model, one_text, read_example
from seqzoo.errors import InputError
from seqzoo.layers.tokenizer import END_ID, PAD_ID, START_ID
from seqzoo.validation import check_choice, check_int

METHODS = ("integrated_gradients", "occlusion")
END_MARKER = "<end>"


def attributions(model, inputs, *, target=None, method: str = "integrated_gradients", steps: int = 32,
                 baseline=None):
    """Score how much each part of an input contributed to the model's output.

    Args:
        model: A text_classification, char_lm or forecasting model (`seqzoo.load` or `seqzoo.build`).
        inputs: Classifiers: a text or a list of texts (each at most `sequence_length` words).
            Char LMs: a prefix or a list of prefixes; the next character is explained.
            Forecasters: one window [days, input columns] in real units, or a history table
            (its last window is explained).
        target: What to explain. Classifiers: a label or class index (default: the predicted
            class). Char LMs: one character, "<end>" or a token id (default: the most likely
            next character). Forecasters: a target name or index (default: the first target).
        method: "integrated_gradients", or "occlusion" (each token or cell set to the
            baseline in turn: a check that needs no gradients).
        steps: Integration points to start with; doubled (up to 512) until the scores add up
            to the explained difference within 5%.
        baseline: None for the default (padding embedding; window mean). Text models: a
            vocabulary token whose embedding fills every position (e.g. "<unk>"). Forecasters:
            a window [days, input columns] or one row [input columns] in real units.

    Returns:
        Text models: one `TokenAttribution` for a string, a list of them for a list.
        Forecasters: one `ForecastAttribution`.

    Example:
    >>> clf = seqzoo.load("sentiment-lstm")
    >>> result = attributions(clf, "a great film", target="positive")
    >>> dict(zip(result.tokens, result.scores))["great"] > 0
    True
    """
    task = check_model(model, with_ngrams=True)
    method = check_choice("method", method, METHODS)
    steps = check_int("steps", steps, minimum=1, maximum=MAX_STEPS)
    if model.preprocessor is None:
        raise InputError("attributions read raw inputs, so the model needs its preprocessor.")
    if task == "forecasting":
        return _forecast(model, inputs, target, method, steps, baseline)
    texts = list(inputs) if isinstance(inputs, list | tuple) else [inputs]
    if not texts:
        raise InputError("inputs is an empty list; pass at least one text.")
    texts = [one_text(text) for text in texts]
    tokenizer = model.preprocessor.tokenizer  # All texts at once: splitting costs more than one text's scores.
    all_ids, all_words = tokenizer.tokenize(texts).to_list(), tokenizer.split(texts).to_list()
    results = [_text(model, task, text, ids, [w.decode("utf-8", errors="replace") for w in words], target,
                     method, steps, baseline) for text, ids, words in zip(texts, all_ids, all_words)]
    return results if isinstance(inputs, list | tuple) else results[0]


# === Text models ===
def _text(model, task, text, ids, words, target, method, steps, baseline) -> TokenAttribution:
    tokenizer = model.preprocessor.tokenizer
    if task == "char_lm":
        ids, words = [START_ID, *ids], ["<s>", *words]
    elif not ids:
        raise InputError(f"The text {text[:40]!r} has no words; pass a text with at least one word.")
    elif len(ids) > model.preprocessor.sequence_length:
        raise InputError(f"The text has {len(ids)} words; attributions read one chunk of at most "
                         f"{model.preprocessor.sequence_length} (the model's sequence_length): split it.")
    tokens = [tokenizer.id_to_token(int(i)) for i in ids]
    embed = model.backbone.token_embedding
    x = tf.convert_to_tensor(embed(tf.constant([ids], tf.int32)))
    base_id = _baseline_token(tokenizer, baseline)
    base = tf.convert_to_tensor(embed(tf.constant([[base_id] * len(ids)], tf.int32)))

    functions = ModelFunctions.of(model)
    scale = 1.0 / model.temperature if task == "text_classification" else 1.0
    logits, baseline_logits = (row * scale for row in functions.outputs(tf.concat([x, base], 0)).numpy())
    ngrams = getattr(model, "ngram_logits", None) if task == "text_classification" else None
    if ngrams is not None:  # The n-gram model beside the network: its exact part is added below.
        ngram_value, ngram_baseline, ngram_parts = ngram_part(ngrams, ids, base_id, method)
        logits, baseline_logits = logits + ngram_value * scale, baseline_logits + ngram_baseline * scale
    index, label = _text_target(model, task, target, logits, tokenizer)
    f, f_and_grad = functions.target(index, scale)
    if method == "integrated_gradients":
        exact = 0.0 if ngrams is None else scale * float(ngram_value[index] - ngram_baseline[index])
        explained = integrated_gradients(f, f_and_grad, x, base, steps=steps, exact=exact)
        scores = explained.scores.sum(axis=-1)
    else:
        explained = occlusion(f, x, base, groups=1)
        scores = explained.scores
    ngram_scores = None
    if ngrams is not None:
        ngram_scores = scale * ngram_parts[:, index]
        scores = scores + ngram_scores
        value = explained.value + scale * ngram_value[index]
        baseline_value = explained.baseline_value + scale * ngram_baseline[index]
        explained = dataclasses.replace(explained, value=value, baseline_value=baseline_value,
                                        residual=residual(scores, value, baseline_value))
    return TokenAttribution(
        tokens=tokens, words=words, scores=[float(s) for s in scores], target=label,
        probability=float(tf.nn.softmax(logits)[index]),
        baseline_probability=float(tf.nn.softmax(baseline_logits)[index]),
        logit=explained.value, baseline_logit=explained.baseline_value,
        completeness_residual=explained.residual, method=method, steps=explained.steps,
        ngram_scores=None if ngram_scores is None else [float(s) for s in ngram_scores])


def _baseline_token(tokenizer, baseline) -> int:
    if baseline is None:
        return PAD_ID
    vocabulary = ["<pad>", "<unk>", "<s>", "</s>", *tokenizer.vocabulary]
    if not isinstance(baseline, str) or baseline not in vocabulary:
        raise InputError(f"baseline for a text model must be None (the padding embedding) or one token "
                         f"of the vocabulary such as '<unk>'; got {str(baseline)[:40]!r}.")
    return vocabulary.index(baseline)


def _text_target(model, task, target, logits, tokenizer) -> tuple[int, str]:
    """(index into the logits, readable name) of the class or next character to explain."""
    if task == "text_classification":
        labels = model.labels
        if target is None:
            index = int(np.argmax(logits))
        elif isinstance(target, str):
            index = labels.index(check_choice("target", target, labels))
        else:
            index = check_int("target", target, minimum=0, maximum=len(labels) - 1)
        return index, labels[index]
    size = int(logits.shape[-1])
    if target is None:
        allowed = np.array(logits, np.float64)
        allowed[[PAD_ID, START_ID]] = -np.inf  # Never predicted (as in predict_next).
        index = int(np.argmax(allowed))
    elif isinstance(target, str):
        if target == END_MARKER:
            index = END_ID
        else:
            ids = tokenizer.tokenize([target])[0].numpy().tolist() if target else []
            if len(ids) != 1 or len(target) != 1:
                raise InputError(f"target must be one character (or '<end>' or a token id), got {target!r}.")
            index = ids[0]
    else:
        index = check_int("target", target, minimum=0, maximum=size - 1)
    return index, END_MARKER if index == END_ID else tokenizer.id_to_token(index)


# === Forecasters ===
def _forecast(model, inputs, target, method, steps, baseline) -> ForecastAttribution:
    window = read_example(model, inputs).history  # [1, days, columns], real units.
    names = model.target_names
    if target is None:
        index = 0
    elif isinstance(target, str):
        index = names.index(check_choice("target", target, names))
    else:
        index = check_int("target", target, minimum=0, maximum=len(names) - 1)
    base = _baseline_window(model, window, baseline)

    f, f_and_grad = ModelFunctions.of(model).target(index)
    if method == "integrated_gradients":
        explained = integrated_gradients(f, f_and_grad, window, base, steps=steps)
    else:
        explained = occlusion(f, window, base, groups=2)
    days = int(window.shape[1])
    return ForecastAttribution(
        scores=explained.scores, days=[f"t-{days - 1 - i}" for i in range(days)],
        features=list(model.input_columns), target=names[index], forecast=explained.value,
        baseline_forecast=explained.baseline_value, window=window[0].numpy().astype(np.float64),
        completeness_residual=explained.residual, method=method, steps=explained.steps)


def _baseline_window(model, window: tf.Tensor, baseline) -> tf.Tensor:
    if baseline is None:
        return tf.broadcast_to(tf.reduce_mean(window, axis=1, keepdims=True), window.shape)
    try:
        values = np.asarray(baseline, np.float32)
    except (TypeError, ValueError):
        values = None
    shape = tuple(window.shape[1:])
    if values is None or values.shape not in (shape, shape[1:]) or not np.isfinite(values).all():
        raise InputError(f"baseline for a forecaster must be None (each column's mean over the window), a "
                         f"window of shape {shape} or a row of {shape[1]} values ({model.input_columns}), "
                         f"finite, in real units; got {getattr(values, 'shape', type(baseline).__name__)}.")
    return tf.broadcast_to(tf.constant(values), window.shape)
