"""One call in a warm loop, two copies of one model: unrolled short loops against `tf.while_loop`.

Copy A traces its fast path with `seqzoo.layers.fast_rnn.UNROLL_MAX_STEPS` as
shipped, copy B with it at 0 (every recurrent loop a `tf.while_loop`); the calls
alternate, and the p50 of each copy's last 350 of 400 calls is printed. Unlike
`benchmarks.latency`, nothing else runs between two calls of a copy, so this is
the latency of a process that answers one kind of request over and over.

Run:
    python -m benchmarks.latency_ab names-lstm       # predict_next("Joh")
    python -m benchmarks.latency_ab sentiment-lstm   # classify of one review
    python -m benchmarks.latency_ab weather-lstm     # forecast of one DataFrame window
"""
from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CALLS = {
    "names-lstm": lambda model, _: model.predict_next("Joh"),
    "sentiment-lstm": lambda model, _: model.classify(["This movie is absolutely fantastic!"]),
    "weather-lstm": lambda model, history: model.forecast(history),
}


def main(name: str) -> None:
    import pandas as pd

    import seqzoo
    from seqzoo.layers import fast_rnn

    shipped = fast_rnn.UNROLL_MAX_STEPS
    unrolled, looped = seqzoo.load(name), seqzoo.load(name)
    history = None
    if name == "weather-lstm":
        history = pd.DataFrame(unrolled.card.extra["example_history"]).tail(unrolled.window)
    call = CALLS[name]
    call(unrolled, history)  # Traced with the shipped limit.
    fast_rnn.UNROLL_MAX_STEPS = 0
    call(looped, history)  # Traced with every loop a tf.while_loop.
    fast_rnn.UNROLL_MAX_STEPS = shipped
    times = {"unrolled": [], "while_loop": []}
    for i in range(400):
        pairs = [("unrolled", unrolled), ("while_loop", looped)]
        for label, model in pairs if i % 2 else pairs[::-1]:
            start = time.perf_counter()
            call(model, history)
            times[label].append((time.perf_counter() - start) * 1e3)
    print(name, ", ".join(f"{label} p50 {statistics.median(t[50:]):.3f} ms" for label, t in times.items()))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "names-lstm")
