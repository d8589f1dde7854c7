"""Fold an ensemble of text classifiers into one classifier of the same architecture.

N classifiers that share a vocabulary and an architecture (each with an
E-wide embedding and H units per layer) compute exactly what one classifier
with an (N x E)-wide embedding and N x H units computes when its weights are
block-diagonal: member m owns embedding columns m*E.., units m*H.. of every gate,
and sees only its own inputs. Its head averages the members' logits. So the
folded model is a plain preset: `load`, `predict`, `fit`, export, the fast path
and the diagnostics work on it unchanged, and one forward pass runs every member.

Example:
>>> members = [seqzoo.load(path) for path in member_paths]
>>> folded = fold_ensemble(members)
>>> ids = folded.preprocessor(texts)
>>> mean = np.mean([m(ids, training=False) for m in members], axis=0)
>>> np.allclose(folded(ids, training=False), mean, atol=1e-5)
True
"""
from __future__ import annotations

import keras
import numpy as np

from seqzoo.errors import InputError

GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}
SHARED = ("architecture", "vocabulary_size", "embedding_dim", "hidden_size", "num_layers", "bidirectional",
          "dropout", "word_dropout", "return_sequences")


def fold_ensemble(members):
    """One `TextClassifier` whose logits are the mean of the `members`' logits.

    Args:
        members: Two or more `TextClassifier`s with word preprocessors that share
            the vocabulary, sequence length, labels, pooling and backbone shape
            (members of one recipe trained from different seeds).

    Returns:
        A new classifier (temperature 1.0) with N times the embedding width and
        units, block-diagonal weights, and the members' embedding source plus
        "ensemble_members".

    Example:
    >>> folded = fold_ensemble([seqzoo.load(p) for p in ("a", "b", "c")])
    >>> folded.backbone.hidden_size
    384
    """
    from seqzoo.layers.word_tokenizer import WordTokenizer
    from seqzoo.models.backbone import RecurrentBackbone
    from seqzoo.models.text_classifier import TextClassifier
    from seqzoo.models.text_classifier_preprocessor import TextClassifierPreprocessor

    if not isinstance(members, list | tuple) or len(members) < 2:
        raise InputError("fold_ensemble needs a list of at least two text classifiers.")
    first = members[0]
    for i, member in enumerate(members):
        if not isinstance(member, TextClassifier) or member.preprocessor is None:
            raise InputError(f"Member {i} is {type(member).__name__}; fold_ensemble takes TextClassifiers "
                             "with a preprocessor (raw strings in).")
        if member.ngram_logits is not None:
            raise InputError(f"Member {i} adds an n-gram model's logits (stack_ngrams); fold the networks it "
                             "was stacked from, then stack the folded classifier.")
        if i and _shape(member) != _shape(first):
            raise InputError(f"Member {i} differs from member 0 in {_difference(member, first)}; "
                             "fold only members of one recipe (same vocabulary, labels and sizes).")
    config = first.backbone.get_config()
    if config["architecture"] not in GATES:
        raise InputError(f"fold_ensemble does not know the weight layout of {config['architecture']!r}.")
    count = len(members)
    source = dict(first.embedding_source or {})
    tokenizer = first.preprocessor.tokenizer
    backbone = RecurrentBackbone(**{**{key: config[key] for key in SHARED},
                                    "embedding_dim": count * config["embedding_dim"],
                                    "hidden_size": count * config["hidden_size"]})
    preprocessor = TextClassifierPreprocessor(
        WordTokenizer(vocabulary=list(tokenizer.vocabulary), max_vocabulary_size=tokenizer.max_vocabulary_size,
                      lowercase=tokenizer.lowercase, name=tokenizer.name),
        first.preprocessor.sequence_length)
    folded = TextClassifier(backbone, preprocessor, labels=first.labels, pooling=first.pooling,
                            head_dropout=first.head_dropout)
    _fold_weights(folded, members, config)
    folded.embedding_source = {**source, "ensemble_members": count} if source else {"ensemble_members": count}
    return folded


def _shape(model) -> tuple:
    config = model.backbone.get_config()
    return (tuple(config[key] for key in SHARED), tuple(model.labels), model.pooling, model.head_dropout,
            model.preprocessor.sequence_length, tuple(model.preprocessor.tokenizer.vocabulary))


def _difference(a, b) -> str:
    names = ["backbone (" + ", ".join(SHARED) + ")", "labels", "pooling", "head_dropout", "sequence_length",
             "vocabulary"]
    return ", ".join(name for name, x, y in zip(names, _shape(a), _shape(b)) if x != y)


def _fold_weights(folded, members, config) -> None:
    count, units, width = len(members), config["hidden_size"], config["embedding_dim"]
    gates = GATES[config["architecture"]]
    directions = 2 if config["bidirectional"] else 1
    assign = []  # (variable, value) pairs, assigned at the end.

    table = np.concatenate([m.backbone.token_embedding.embeddings.numpy() for m in members], axis=1)
    assign.append((folded.backbone.token_embedding.embeddings, table))

    # Where member m's inputs of each layer sit in the folded layer's inputs.
    input_rows = [np.arange(width) + m * width for m in range(count)]
    for k, layer in enumerate(folded.backbone.recurrent_layers):
        cells = _cells(layer)
        for d, cell in enumerate(cells):
            values = {name: np.zeros(tuple(v.shape), "float32") for name, v in _variables(cell).items()}
            for m, member in enumerate(members):
                member_cell = _cells(member.backbone.recurrent_layers[k])[d]
                columns = _gate_columns(m, count, units, gates)
                for name, weight in _variables(member_cell).items():
                    weight = weight.numpy()
                    if name == "kernel":
                        values[name][np.ix_(input_rows[m], columns)] = weight
                    elif name == "recurrent_kernel":
                        values[name][np.ix_(m * units + np.arange(units), columns)] = weight
                    else:  # bias: [gates*units] or, for a GRU with reset_after, [2, gates*units].
                        values[name][..., columns] = weight
            assign += [(variable, values[name]) for name, variable in _variables(cell).items()]
        # The next layer's inputs: this layer's outputs, forward units then backward units.
        input_rows = [np.concatenate([d * count * units + m * units + np.arange(units) for d in range(directions)])
                      for m in range(count)]

    output_size = directions * count * units
    rows = input_rows if folded.pooling == "last" else [np.concatenate([r, output_size + r]) for r in input_rows]
    kernel = np.zeros(tuple(folded.classifier_head.kernel.shape), "float32")
    for m, member in enumerate(members):
        kernel[rows[m]] = member.classifier_head.kernel.numpy() / count
    bias = np.mean([m.classifier_head.bias.numpy() for m in members], axis=0)
    assign += [(folded.classifier_head.kernel, kernel), (folded.classifier_head.bias, bias)]
    for variable, value in assign:
        variable.assign(value)


def _cells(layer) -> list:
    if isinstance(layer, keras.layers.Bidirectional):
        return [layer.forward_layer.cell, layer.backward_layer.cell]
    return [layer.cell]


def _variables(cell) -> dict:
    named = {"kernel": cell.kernel, "recurrent_kernel": cell.recurrent_kernel}
    if getattr(cell, "bias", None) is not None:
        named["bias"] = cell.bias
    return named


def _gate_columns(member: int, count: int, units: int, gates: int) -> np.ndarray:
    """Folded columns of member `member`'s gate columns (gate g of `units` at g*units in the member)."""
    return np.concatenate([g * count * units + member * units + np.arange(units) for g in range(gates)])
