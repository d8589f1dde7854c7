"""One call in a warm loop, two copies of one model traced two ways; the p50 of each.

`--compare fused` (default): copy A traces its one-item graphs with the fused
LSTM kernel (`seqzoo.layers.fused_lstm`, as shipped), copy B with the step loop
of `seqzoo.layers.fast_rnn` (`FUSED_MAX_ITEMS` at 0). `--compare unroll`: copy A
unrolls short loops (`UNROLL_MAX_STEPS` as shipped), copy B runs every loop as a
`tf.while_loop` (both with the fused kernel off). The calls alternate, and the
p50 of each copy's last 350 of 400 calls is printed. Unlike `benchmarks.latency`,
nothing else runs between two calls of a copy, so this is the latency of a
process that answers one kind of request over and over.

Run:
    python -m benchmarks.latency_ab names-lstm       # predict_next("Joh")
    python -m benchmarks.latency_ab sentiment-lstm   # classify of one review
    python -m benchmarks.latency_ab weather-lstm --compare unroll   # forecast of one DataFrame window
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CALLS = {
    "names-lstm": lambda model, _: model.predict_next("Joh"),
    "sentiment-lstm": lambda model, _: model.classify(["This movie is absolutely fantastic!"]),
    "weather-lstm": lambda model, history: model.forecast(history),
}
# What each comparison changes while copy B traces: (module, attribute, value for B).
SETTINGS = {"fused": ("seqzoo.models.fast_path", "FUSED_MAX_ITEMS", 0),
            "unroll": ("seqzoo.layers.fast_rnn", "UNROLL_MAX_STEPS", 0)}
LABELS = {"fused": ("fused", "loop"), "unroll": ("unrolled", "while_loop")}


def main(name: str, compare: str = "fused", calls: int = 400) -> dict[str, float]:
    """Print and return the p50 (ms) of copy A and copy B for `name`'s call.

    Example:
    >>> main("names-lstm", "fused", calls=60)  # doctest: +SKIP
    {'fused': 1.9, 'loop': 4.1}
    """
    import importlib

    import pandas as pd

    import seqzoo
    from seqzoo.models import fast_path

    module, attribute, value = SETTINGS[compare]
    module = importlib.import_module(module)
    shipped = getattr(module, attribute)
    first, second = seqzoo.load(name), seqzoo.load(name)
    history = None
    if name == "weather-lstm":
        history = pd.DataFrame(first.card.extra["example_history"]).tail(first.window)
    call = CALLS[name]
    fused_items = fast_path.FUSED_MAX_ITEMS
    # Copy B runs with the setting changed; `unroll` compares loops with the fused kernel off.
    settings = {"A": {} if compare == "fused" else {(fast_path, "FUSED_MAX_ITEMS"): 0},
                "B": {(module, attribute): value}}
    if compare == "unroll":
        settings["B"][(fast_path, "FUSED_MAX_ITEMS")] = 0

    def timed(copy, model):
        for (where, what), setting in settings[copy].items():
            setattr(where, what, setting)
        try:
            start = time.perf_counter()
            call(model, history)
            return (time.perf_counter() - start) * 1e3
        finally:
            setattr(module, attribute, shipped)
            fast_path.FUSED_MAX_ITEMS = fused_items

    timed("A", first), timed("B", second)  # Each copy traces its graph.
    label_a, label_b = LABELS[compare]
    times = {label_a: [], label_b: []}
    for i in range(calls):
        pairs = [("A", label_a, first), ("B", label_b, second)]
        for copy, label, model in pairs if i % 2 else pairs[::-1]:
            times[label].append(timed(copy, model))
    p50 = {label: statistics.median(t[calls // 8:]) for label, t in times.items()}
    print(name, ", ".join(f"{label} p50 {value:.3f} ms" for label, value in p50.items()))
    return p50


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", nargs="?", default="names-lstm", choices=sorted(CALLS))
    parser.add_argument("--compare", default="fused", choices=sorted(SETTINGS))
    parser.add_argument("--calls", type=int, default=400)
    args = parser.parse_args()
    main(args.name, args.compare, args.calls)
