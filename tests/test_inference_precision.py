"""bfloat16 inference of seqzoo's recurrent layers: close to float32, training untouched, switchable."""
import numpy as np
import pytest

keras = pytest.importorskip("keras")
tf = pytest.importorskip("tensorflow")

import seqzoo  # noqa: E402
from seqzoo import layers  # noqa: E402
from seqzoo.config_safety import check_config  # noqa: E402
from seqzoo.errors import SeqzooError  # noqa: E402

B, T, D, U = 4, 12, 8, 16


def _inputs():
    rng = np.random.default_rng(0)
    mask = np.ones((B, T), bool)
    mask[0, 9:] = False
    mask[3, 4:6] = False
    return tf.constant(rng.normal(0, 1, (B, T, D)).astype("float32")), tf.constant(mask)


@pytest.mark.parametrize("name, kwargs", [
    ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}), ("SimpleRNN", {}),
    ("LSTM", {"go_backwards": True}), ("GRU", {"use_bias": False}),
    ("GRU", {"bias_initializer": "random_normal"}), ("LSTM", {"bias_initializer": "random_normal"}),
])
def test_bfloat16_inference_is_close_to_float32_and_really_lower_precision(name, kwargs):
    x, mask = _inputs()
    layer = getattr(layers, name)(U, return_sequences=True, **kwargs)
    full = layer(x, mask=mask).numpy()
    layer.inference_precision = "bfloat16"
    low = layer(x, mask=mask).numpy()
    error = np.abs(full - low).max()
    assert 1e-5 < error < 3e-2, error  # bfloat16 keeps ~3 significant digits; states stay float32
    layer.inference_precision = "float32"
    np.testing.assert_array_equal(layer(x, mask=mask).numpy(), full)


def test_training_ignores_the_inference_precision():
    x, mask = _inputs()
    full, low = layers.LSTM(U, return_sequences=True), layers.LSTM(U, return_sequences=True,
                                                                  inference_precision="bfloat16")
    full.build(x.shape)
    low.build(x.shape)
    low.set_weights(full.get_weights())
    grads = []
    for layer in (full, low):
        with tf.GradientTape() as tape:
            loss = tf.reduce_sum(layer(x, mask=mask, training=True) ** 2)
        grads.append([g.numpy() for g in tape.gradient(loss, layer.trainable_weights)])
    for a, b in zip(*grads):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip_and_checks():
    layer = layers.GRU(4, inference_precision="bfloat16")
    config = keras.saving.serialize_keras_object(layer)
    check_config(config, source="test")
    assert keras.saving.deserialize_keras_object(config).inference_precision == "bfloat16"
    assert "inference_precision" not in layers.GRU(4).get_config()  # float32 configs stay Keras'
    with pytest.raises(SeqzooError, match="float32, bfloat16"):
        layers.LSTM(4, inference_precision="float16")
    with pytest.raises(SeqzooError, match="float32, bfloat16"):
        layers.set_inference_precision(layers.LSTM(4), "int8")


def test_set_inference_precision_on_a_task_model_retraces_predict_and_generation():
    names = ["anna", "bob", "carl", "dora", "emma", "fred"] * 4
    lm = seqzoo.build("lstm", "char_lm", hidden_size=16, num_layers=2, texts=names)
    lm.fit(names, epochs=1, batch_size=8, verbose=0)
    before = lm.predict(["an", "do"])
    text = lm.generate("a", max_length=8, temperature=0.0)
    assert layers.set_inference_precision(lm, "bfloat16") == 2
    low = lm.predict(["an", "do"])
    assert 0 < np.abs(low - before).max() < 2e-2
    assert isinstance(lm.generate("a", max_length=8, temperature=0.0), str)
    assert layers.set_inference_precision(lm, "float32") == 2
    np.testing.assert_allclose(lm.predict(["an", "do"]), before, atol=1e-6)
    assert lm.generate("a", max_length=8, temperature=0.0) == text


def test_load_with_bfloat16_keeps_the_pretrained_answers():
    full = seqzoo.load("names-lstm")
    low = seqzoo.load("names-lstm", inference_precision="bfloat16")
    for prefix in ("Joh", "Mar", "Eli"):
        assert full.predict_next(prefix)[0][0] == low.predict_next(prefix)[0][0]
    with pytest.raises(SeqzooError, match="inference_precision"):
        seqzoo.load("names-lstm", inference_precision="fp16")
