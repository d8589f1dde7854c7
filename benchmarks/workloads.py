"""The timed workloads of `benchmarks.run`: the same network in seqzoo, stock Keras and PyTorch.

A character model: Embedding(vocab, emb) -> `layers` x RNN(units) -> Dense(vocab),
batch-major [batch, steps] ids. Each builder returns two callables, `train()`
(forward, backward and one Adam step on one batch) and `infer()` (logits of one batch).
"""
from __future__ import annotations

import os

import numpy as np

GATES = {"lstm": 4, "gru": 3, "simple_rnn": 1}
KERAS_NAMES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "SimpleRNN"}
TORCH_NAMES = {"lstm": "LSTM", "gru": "GRU", "simple_rnn": "RNN"}


def flops_per_char(arch: str, layers: int, units: int, emb: int, vocab: int) -> float:
    """Forward multiply-adds x 2 per character: input and recurrent matmuls, and the head."""
    flops, width = 0, emb
    for _ in range(layers):
        flops += 2 * (width + units) * GATES[arch] * units
        width = units
    return float(flops + 2 * units * vocab)


def data(shape: dict, seed: int = 0):
    rng = np.random.default_rng(seed)
    size = (shape["batch"], shape["steps"])
    return (rng.integers(1, shape["vocab"], size=size).astype("int32"),
            rng.integers(0, shape["vocab"], size=size).astype("int32"))


def keras_model(arch: str, shape: dict, *, fast: bool, jit_compile="auto"):
    """seqzoo's layers (`fast`) or keras.layers', compiled with Adam (jit "auto" is Keras' default)."""
    import keras

    from seqzoo import layers as seqzoo_layers

    module = seqzoo_layers if fast else keras.layers
    keras.utils.set_random_seed(0)
    rnn = [getattr(module, KERAS_NAMES[arch])(shape["units"], return_sequences=True)
           for _ in range(shape["layers"])]
    model = keras.Sequential([
        keras.Input((shape["steps"],), dtype="int32"),
        keras.layers.Embedding(shape["vocab"], shape["emb"]), *rnn, keras.layers.Dense(shape["vocab"]),
    ])
    model.compile(keras.optimizers.Adam(1e-3),
                  keras.losses.SparseCategoricalCrossentropy(from_logits=True), jit_compile=jit_compile)
    return model


def keras_workload(arch: str, shape: dict, precision: str = "float32", **kwargs):
    """(train, infer); with `precision` "bfloat16", only inference (training stays float32)."""
    model = keras_model(arch, shape, **kwargs)
    x, y = data(shape)
    if precision != "float32":
        from seqzoo.layers import set_inference_precision

        set_inference_precision(model, precision)
        return None, (lambda: model.predict_on_batch(x))
    return (lambda: model.train_on_batch(x, y)), (lambda: model.predict_on_batch(x))


def torch_available() -> bool:
    try:
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def torch_workload(arch: str, shape: dict, threads: int):
    """PyTorch nn.LSTM/GRU/RNN (oneDNN kernels on CPU) at `threads` intra-op threads."""
    import torch

    torch.manual_seed(0)
    embedding = torch.nn.Embedding(shape["vocab"], shape["emb"])
    rnn = getattr(torch.nn, TORCH_NAMES[arch])(shape["emb"], shape["units"], num_layers=shape["layers"],
                                                 batch_first=True)
    head = torch.nn.Linear(shape["units"], shape["vocab"])
    params = [*embedding.parameters(), *rnn.parameters(), *head.parameters()]
    optimizer = torch.optim.Adam(params, 1e-3)
    x, y = (torch.from_numpy(a.astype("int64")) for a in data(shape))

    def train():
        torch.set_num_threads(threads)
        optimizer.zero_grad()
        logits = head(rnn(embedding(x))[0])
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, shape["vocab"]), y.reshape(-1))
        loss.backward()
        optimizer.step()

    def infer():
        torch.set_num_threads(threads)
        with torch.inference_mode():
            return head(rnn(embedding(x))[0])

    return train, infer


def implementations(arch: str, shape: dict) -> dict:
    """name -> (train, infer) for every implementation compared (None: not measured)."""
    impls = {
        "seqzoo": keras_workload(arch, shape, fast=True),
        "seqzoo bf16": keras_workload(arch, shape, fast=True, precision="bfloat16"),
        "keras": keras_workload(arch, shape, fast=False),
        "keras jit=False": keras_workload(arch, shape, fast=False, jit_compile=False),
    }
    if torch_available():
        cores = os.cpu_count() or 1
        impls[f"torch {cores} threads"] = torch_workload(arch, shape, cores)
        if cores > 1:
            impls["torch 1 thread"] = torch_workload(arch, shape, 1)
    return impls


def matmul_gflops(size: int, repeats: int) -> float:
    """TensorFlow's float32 matmul speed on [size, size] x [size, size], median of `repeats`."""
    import time

    import tensorflow as tf

    a, b = tf.random.normal((size, size)), tf.random.normal((size, size))
    matmul = tf.function(lambda: tf.reduce_sum(tf.matmul(a, b)[:1]))
    matmul()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        matmul()
        times.append(time.perf_counter() - start)
    return 2 * size**3 / sorted(times)[len(times) // 2] / 1e9
