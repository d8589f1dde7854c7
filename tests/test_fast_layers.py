"""seqzoo.layers.LSTM/GRU/SimpleRNN give Keras' outputs and gradients, and share its weights."""
import contextlib

import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

from seqzoo import layers  # noqa: E402
from seqzoo.config_safety import check_config  # noqa: E402
from seqzoo.layers import fast_rnn, fused_lstm  # noqa: E402

B, T, D, U = 4, 6, 5, 3
CASES = [
    ("LSTM", {}),
    ("GRU", {}),
    ("GRU", {"reset_after": False}),
    ("GRU", {"use_bias": False}),
    ("SimpleRNN", {}),
    ("LSTM", {"use_bias": False}),
]
MODES = [
    {"return_sequences": True, "return_state": True},
    {"return_sequences": False, "return_state": True, "go_backwards": True},
    {"return_sequences": True, "go_backwards": True},
]


def _right_padded_mask():
    """Rows padded on the right only, one of them empty."""
    return tf.constant(np.arange(T)[None, :] < np.array([T, 4, 1, 0])[:, None])


def _mask():
    mask = np.ones((B, T), bool)
    mask[0, 4:] = False  # right padding
    mask[1, :2] = False  # left padding: outputs stay zero until the first real step
    mask[2, :] = False  # all masked: the initial state is carried through
    mask[3, 3] = False  # a hole
    return tf.constant(mask)


def _pair(name, **kwargs):
    """A Keras layer and a seqzoo layer with the same random weights."""
    rng = np.random.default_rng(abs(hash((name, tuple(sorted(kwargs.items()))))) % 2**32)
    stock, fast = getattr(keras.layers, name)(U, **kwargs), getattr(layers, name)(U, **kwargs)
    stock.build((B, T, D))
    fast.build((B, T, D))
    weights = [rng.normal(0, 0.6, w.shape).astype("float32") for w in stock.get_weights()]
    stock.set_weights(weights)
    fast.set_weights(weights)
    return stock, fast


def _run(layer, inputs, states, mask, training):
    with tf.GradientTape() as tape:
        tape.watch([inputs, *states])
        out = layer(inputs, mask=mask, initial_state=states, training=training)
        out = list(out) if isinstance(out, list | tuple) else [out]
        loss = sum(tf.reduce_sum(o * o + tf.sin(3.0 * o)) for o in out)
    grads = tape.gradient(loss, [inputs, *states, *layer.trainable_weights])
    return [o.numpy() for o in out], [g.numpy() for g in grads]


@pytest.mark.parametrize("unroll_max", [fast_rnn.UNROLL_MAX_STEPS, 0], ids=["unrolled", "while_loop"])
@pytest.mark.parametrize("name,extra", CASES)
def test_outputs_and_gradients_match_keras(name, extra, unroll_max, monkeypatch):
    # T = 6 steps, known when tracing: unrolled by default, through tf.while_loop with the limit at 0.
    monkeypatch.setattr(fast_rnn, "UNROLL_MAX_STEPS", unroll_max)
    rng = np.random.default_rng(0)
    inputs = tf.constant(rng.normal(size=(B, T, D)).astype("float32"))
    n_states = 2 if name == "LSTM" else 1
    states = [tf.constant(rng.normal(size=(B, U)).astype("float32")) for _ in range(n_states)]
    for mode in MODES:
        stock, fast = _pair(name, **extra, **mode)
        # training=True runs the written-out backward pass, False the lean forward.
        cases = ((None, False), (None, True), (_mask(), True), (_mask(), False), (_right_padded_mask(), True))
        for mask, training in cases:
            want, want_grads = _run(stock, inputs, states, mask, training)
            got, got_grads = _run(fast, inputs, states, mask, training)
            where = f"{name} {extra} {mode} mask={mask is not None} training={training}"
            for w, g in zip(want, got, strict=True):
                np.testing.assert_allclose(g, w, atol=1e-5, err_msg=where)
            for w, g in zip(want_grads, got_grads, strict=True):
                np.testing.assert_allclose(g, w, atol=1e-4, rtol=1e-4, err_msg=where)


def test_short_loops_known_when_tracing_are_unrolled_and_others_loop():
    layer = layers.LSTM(U)
    layer(np.zeros((1, T, D), "float32"))

    def ops(shape):
        graph = tf.function(layer).get_concrete_function(tf.TensorSpec(shape, tf.float32)).graph
        return {op.type for op in graph.get_operations()}

    assert "While" not in ops([None, T, D]) and "StatelessWhile" not in ops([None, T, D])
    assert {"While", "StatelessWhile"} & ops([None, None, D])  # Steps unknown when tracing.
    assert {"While", "StatelessWhile"} & ops([None, fast_rnn.UNROLL_MAX_STEPS + 1, D])


@pytest.mark.parametrize("use_bias", [True, False])
def test_fused_lstm_kernel_matches_keras(use_bias):
    # The fast path's one-item graphs run LSTM layers through BlockLSTMV2 (seqzoo.layers.fused_lstm).
    rng = np.random.default_rng(3)
    inputs = tf.constant(rng.normal(size=(B, T, D)).astype("float32"))  # D = 5: odd, so padded.
    states = [tf.constant(rng.normal(size=(B, U)).astype("float32")) for _ in range(2)]
    for mode in MODES:
        stock, fast = _pair("LSTM", use_bias=use_bias, **mode)
        for mask in (None, _mask(), _right_padded_mask()):
            for rows in (slice(None), slice(1, 2), slice(3, 4)):  # The whole batch, and one sequence.
                row_mask = None if mask is None else mask[rows]
                want = stock(inputs[rows], mask=row_mask, initial_state=[s[rows] for s in states])
                with fused_lstm.fused_kernels():
                    got = fast(inputs[rows], mask=row_mask, initial_state=[s[rows] for s in states])
                want, got = (list(o) if isinstance(o, list | tuple) else [o] for o in (want, got))
                for w, g in zip(want, got, strict=True):
                    np.testing.assert_allclose(g, w, atol=1e-5, err_msg=f"{mode} {rows} mask={mask is not None}")


def test_fused_lstm_kernel_in_a_bidirectional_layer_matches_keras():
    rng = np.random.default_rng(4)
    inputs = tf.constant(rng.normal(size=(B, T, D)).astype("float32"))
    stock = keras.layers.Bidirectional(keras.layers.LSTM(U, return_sequences=True))
    fast = keras.layers.Bidirectional(layers.LSTM(U, return_sequences=True))
    stock.build((B, T, D))
    fast.build((B, T, D))
    fast.set_weights([rng.normal(0, 0.6, w.shape).astype("float32") for w in stock.get_weights()])
    stock.set_weights(fast.get_weights())
    with fused_lstm.fused_kernels():
        got = tf.function(lambda x, m: fast(x, mask=m))(inputs, _mask())
    np.testing.assert_allclose(got, stock(inputs, mask=_mask()), atol=1e-5)


def test_fused_lstm_kernel_only_where_asked_and_only_for_lstm_inference():
    lstm, gru = layers.LSTM(U), layers.GRU(U)
    inputs = np.zeros((1, T, D), "float32")
    lstm(inputs), gru(inputs)

    def ops(layer, fused, training=False):
        function = tf.function(lambda x: layer(x, training=training))
        with fused_lstm.fused_kernels() if fused else contextlib.nullcontext():
            graph = function.get_concrete_function(tf.TensorSpec([None, None, D], tf.float32)).graph
        return {op.type for op in graph.get_operations()}

    assert "BlockLSTMV2" in ops(lstm, fused=True)
    assert "BlockLSTMV2" not in ops(lstm, fused=False)
    assert "BlockLSTMV2" not in ops(lstm, fused=True, training=True)  # Training keeps the written-out loop.
    assert not {op for op in ops(gru, fused=True) if op.startswith("Block")}
    assert not fused_lstm.enabled()
    with fused_lstm.fused_kernels():
        with fused_lstm.fused_kernels():
            assert fused_lstm.enabled()
        assert fused_lstm.enabled()  # A nested block leaves the outer one on.
    assert not fused_lstm.enabled()


def test_the_fast_loop_runs_on_cpu(monkeypatch):
    kinds = []
    run = fast_rnn.run
    monkeypatch.setattr(fast_rnn, "run", lambda kind, *args: kinds.append(kind) or run(kind, *args))
    inputs = np.zeros((2, 3, 4), "float32")
    for name in ("LSTM", "GRU", "SimpleRNN"):
        getattr(layers, name)(5)(inputs)
    assert kinds == ["lstm", "gru", "simple_rnn"]
    # Recurrent dropout in training and unrolling take the stock Keras loop.
    layers.LSTM(5, recurrent_dropout=0.5)(inputs, training=True)
    layers.GRU(5, unroll=True)(inputs)
    assert len(kinds) == 3


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_input_dropout_matches_keras(name):
    inputs = tf.constant(np.random.default_rng(1).normal(size=(B, T, D)).astype("float32"))
    stock, fast = _pair(name, dropout=0.5, seed=7, return_sequences=True)
    np.testing.assert_allclose(fast(inputs, training=True), stock(inputs, training=True), atol=1e-5)


def test_bidirectional_with_mask_matches_keras():
    rng = np.random.default_rng(2)
    inputs = tf.constant(rng.normal(size=(B, T, D)).astype("float32"))
    stock = keras.layers.Bidirectional(keras.layers.LSTM(U, return_sequences=True))
    fast = keras.layers.Bidirectional(layers.LSTM(U, return_sequences=True))
    stock.build((B, T, D))
    fast.build((B, T, D))
    fast.set_weights(stock.get_weights())
    assert isinstance(fast.backward_layer, layers.LSTM)
    np.testing.assert_allclose(fast(inputs, mask=_mask()), stock(inputs, mask=_mask()), atol=1e-5)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_weights_load_in_both_directions(name, tmp_path):
    def model(module):
        inputs = keras.Input((T, D))
        return keras.Model(inputs, getattr(module, name)(U, return_sequences=True)(inputs))

    stock, fast = model(keras.layers), model(layers)
    inputs = np.random.default_rng(3).normal(size=(B, T, D)).astype("float32")
    stock.save_weights(tmp_path / "stock.weights.h5")
    fast.load_weights(tmp_path / "stock.weights.h5")
    np.testing.assert_allclose(fast.predict_on_batch(inputs), stock.predict_on_batch(inputs), atol=1e-5)
    for w in fast.weights:
        w.assign(w * 0.5)
    fast.save_weights(tmp_path / "fast.weights.h5")
    stock.load_weights(tmp_path / "fast.weights.h5")
    np.testing.assert_allclose(stock.predict_on_batch(inputs), fast.predict_on_batch(inputs), atol=1e-5)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_config_round_trip_passes_the_safety_check(name):
    layer = getattr(layers, name)(7, return_state=True, go_backwards=True, dropout=0.1)
    config = keras.saving.serialize_keras_object(layer)
    assert config["registered_name"] == f"seqzoo>{name}"
    check_config(config, source="config.json")
    restored = keras.saving.deserialize_keras_object(config)
    assert type(restored) is type(layer) and restored.get_config() == layer.get_config()
