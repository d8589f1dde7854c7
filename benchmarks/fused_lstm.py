"""Two masked LSTM layers at inference: the fused `BlockLSTMV2` kernel against the step loop, by batch size.

This is the measurement behind `seqzoo.models.fast_path.FUSED_MAX_ITEMS`: the
fast path traces its one-item graphs with `seqzoo.layers.fused_lstm` and its
larger-batch graphs with the loop of `seqzoo.layers.fast_rnn`. Each shape is a
preset's: names-lstm (2 x 192 units over a 4-step prefix), sentiment-lstm
(2 x 128 over 8 and 16 words). Both graphs get the same random weights and
right-padded masks; they are called alternately and the p50 of each is printed
as a Markdown table.

Run:
    python -m benchmarks.fused_lstm            # 400 calls per cell
    python -m benchmarks.fused_lstm --calls 50 # quick
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

SHAPES = [(192, 64, 4), (128, 50, 8), (128, 50, 16)]  # (units, input size, steps)
BATCHES = (1, 2, 4, 8)


def _graphs(units: int, inputs: int, steps: int):
    import tensorflow as tf

    from seqzoo.layers import LSTM, fused_lstm

    first, second = LSTM(units, return_sequences=True), LSTM(units, return_sequences=True)
    first(tf.zeros([1, steps, inputs]))
    second(tf.zeros([1, steps, units]))

    def network(x, mask):
        return second(first(x, mask=mask), mask=mask)

    signature = [tf.TensorSpec([None, steps, inputs]), tf.TensorSpec([None, steps], tf.bool)]
    loop = tf.function(network, input_signature=signature, autograph=False).get_concrete_function()
    with fused_lstm.fused_kernels():
        fused = tf.function(network, input_signature=signature, autograph=False).get_concrete_function()
    return loop, fused


def measure(calls: int = 400) -> list[dict]:
    """p50 in ms of the loop and the fused graph for each shape and batch size.

    Example:
    >>> measure(calls=20)[0]  # doctest: +SKIP
    {'units': 192, 'steps': 4, 'batch': 1, 'loop_ms': 3.0, 'fused_ms': 1.8, 'difference': 3e-08}
    """
    import numpy as np
    import tensorflow as tf

    rows = []
    rng = np.random.default_rng(0)
    for units, inputs, steps in SHAPES:
        loop, fused = _graphs(units, inputs, steps)
        for batch in BATCHES:
            x = tf.constant(rng.normal(size=(batch, steps, inputs)).astype("float32"))
            mask = tf.sequence_mask(rng.integers(1, steps + 1, batch), steps)
            difference = float(tf.reduce_max(tf.abs(loop(x, mask) - fused(x, mask))))
            times = {"loop": [], "fused": []}
            for i in range(calls + calls // 8):
                order = (("loop", loop), ("fused", fused)) if i % 2 else (("fused", fused), ("loop", loop))
                for name, graph in order:
                    start = time.perf_counter()
                    graph(x, mask)
                    times[name].append((time.perf_counter() - start) * 1e3)
            rows.append({"units": units, "steps": steps, "batch": batch, "difference": difference,
                         **{f"{k}_ms": statistics.median(v[calls // 8:]) for k, v in times.items()}})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--calls", type=int, default=400)
    rows = measure(parser.parse_args().calls)
    print("| units x steps | batch | loop p50 (ms) | fused p50 (ms) | largest difference |")
    print("|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['units']} x {r['steps']} | {r['batch']} | {r['loop_ms']:.2f} | {r['fused_ms']:.2f} | "
              f"{r['difference']:.1e} |")


if __name__ == "__main__":
    main()
