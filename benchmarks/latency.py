"""Interactive latency: one prefix, one text, one window, per call, against PyTorch eager and Keras predict.

Per call, p50 and p99 of the wall time over `--calls` calls after a warm-up, for:
  predict_next   names-lstm       predict_next("Joh")
  classify       sentiment-lstm   classify(["This movie is absolutely fantastic!"])
  forecast       weather-lstm     forecast(DataFrame of the last 7 days)
  predict_64     sentiment-lstm   predict(64 texts)
  generate       shakespeare-lstm generate("To be", max_length=50)
Implementations, interleaved call by call so that a shared machine's load hits
all alike:
  seqzoo         the public API (whatever the installed seqzoo does; run it with
                 PYTHONPATH=<old checkout> for "before" figures)
  keras predict  stock `keras.Model.predict` on the same model and ids
  torch eager    PyTorch eager modules with the same weights copied in (the
                 `bench` extra; skipped without torch), raw strings in, the
                 same answer out (checked against seqzoo's before timing)
First-call cost: a fresh process per model times `import seqzoo`,
`seqzoo.load` and the first two answers, and counts TensorFlow's retracing
warnings. `--switch-over` times the fast path against the batched path for
growing batches (the measurement behind `seqzoo.models.fast_path`'s limits).

Run:
    python -m benchmarks.latency                 # full: writes benchmarks/results/latency.json and .md
    python -m benchmarks.latency --quick         # tiny models, a few calls (CI; asserts nothing about speed)
    python -m benchmarks.latency --switch-over   # fast path vs batched path by batch size
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
REVIEW = "This movie is absolutely fantastic!"
SENTENCES = ["A dull, lifeless mess.", "The acting is superb and the story moves along nicely.",
             "I wanted to like it, but the second half drags and the ending makes no sense at all.",
             REVIEW, "Worst film of the year.", "Funny, warm and surprisingly moving; go and see it."]
TEXTS_64 = [" ".join(SENTENCES[(i + j) % len(SENTENCES)] for j in range(1 + i % 4)) for i in range(64)]
MODELS = {"predict_next": "names-lstm", "classify": "sentiment-lstm", "forecast": "weather-lstm",
          "predict_64": "sentiment-lstm", "generate": "shakespeare-lstm"}
FIRST_CALLS = {
    "names-lstm": 'model.predict_next("Joh")',
    "sentiment-lstm": f'model.classify([{REVIEW!r}])',
    "weather-lstm": "model.forecast(history)",
    "shakespeare-lstm": 'model.generate("To be", max_length=50, seed=0)',
}


# === Timing ===
def summary(seconds: list[float]) -> dict:
    """p50, p99 and mean of call times, in milliseconds."""
    ms = np.asarray(seconds) * 1e3
    return {"p50_ms": float(np.percentile(ms, 50)), "p99_ms": float(np.percentile(ms, 99)),
            "mean_ms": float(ms.mean()), "calls": len(ms)}


def interleaved(calls: dict, count: int, warmup: int, counts: dict | None = None) -> dict:
    """{implementation: summary} of `count` calls each (or `counts[name]`), one call of each in turn."""
    counts = {name: (counts or {}).get(name, count) for name in calls}
    for call in calls.values():
        for _ in range(warmup):
            call()
    times = {name: [] for name in calls}
    for round_ in range(max(counts.values())):
        for name, call in calls.items():
            if round_ < counts[name]:
                start = time.perf_counter()
                call()
                times[name].append(time.perf_counter() - start)
    return {name: summary(t) for name, t in times.items()}


def load_average() -> float:
    return os.getloadavg()[0]


# === The models and their calls ===
def load_models(quick: bool) -> dict:
    """Task -> model: the zoo's presets, or tiny untrained stand-ins in quick mode."""
    import seqzoo

    if not quick:
        return {task: seqzoo.load(name) for task, name in MODELS.items()}
    import keras
    import pandas as pd

    keras.utils.set_random_seed(0)
    lm = seqzoo.build("lstm", "char_lm", texts=["John", "Mary", "Johanna"], hidden_size=16, embedding_dim=8,
                      num_layers=2)
    clf = seqzoo.build("lstm", "text_classification", texts=SENTENCES, hidden_size=16, embedding_dim=8,
                       num_layers=2, pooling="max_mean")
    dates = pd.date_range("2015-01-01", periods=30).strftime("%Y-%m-%d").tolist()
    table = {"date": dates, "temp_max": list(np.linspace(5, 9, 30)), "temp_min": list(np.linspace(0, 3, 30)),
             "precipitation": [0.0] * 30, "wind": [3.0] * 30}
    fc = seqzoo.build("lstm", "forecasting", feature_names=["precipitation", "temp_max", "temp_min", "wind"],
                      target_names=["temp_max", "temp_min"], data=table, hidden_size=8)
    fc.card = type("Card", (), {"extra": {"example_history": [
        {k: table[k][i] for k in table} for i in range(23, 30)]}})()
    return {"predict_next": lm, "classify": clf, "forecast": fc, "predict_64": clf, "generate": lm}


def forecast_history(model):
    """The last `window` days of the card's example history, as a DataFrame."""
    import pandas as pd

    return pd.DataFrame(model.card.extra["example_history"]).tail(model.window).reset_index(drop=True)


def seqzoo_calls(models: dict) -> dict:
    history = forecast_history(models["forecast"])
    return {
        "predict_next": lambda: models["predict_next"].predict_next("Joh"),
        "classify": lambda: models["classify"].classify([REVIEW]),
        "forecast": lambda: models["forecast"].forecast(history),
        "predict_64": lambda: models["predict_64"].predict(TEXTS_64),
        "generate": lambda: models["generate"].generate("To be", max_length=50, seed=0),
    }


def keras_calls(models: dict) -> dict:
    """Stock `keras.Model.predict` on the preprocessed ids (what `predict` did before the fast path)."""
    import keras
    import tensorflow as tf

    from seqzoo.models.calibration import chunk_probabilities

    lm, clf, fc = models["predict_next"], models["classify"], models["forecast"]
    history = forecast_history(fc)

    def predict_next():
        ids = lm.preprocessor.with_markers(tf.constant(["Joh"]))[:, :-1].to_tensor()
        logits = keras.Model.predict(lm, ids, verbose=0)[0, -1]
        probs = tf.nn.softmax(logits).numpy()
        probs[[0, 2]] = 0
        return [(lm._readable(i), float(probs[i])) for i in np.argsort(-probs)[:5]]

    def classify(texts):
        ids, owners, sizes = clf.preprocessor.chunks(texts)
        return chunk_probabilities(keras.Model.predict(clf, ids, batch_size=64, verbose=0), owners, sizes,
                                   len(texts))

    def forecast():
        dates, values = fc.reader.read(history, min_rows=fc.window)
        return keras.Model.predict(fc, fc.reader.model_inputs(dates, values)[None], verbose=0)

    return {"predict_next": predict_next, "classify": lambda: classify([REVIEW]), "forecast": forecast,
            "predict_64": lambda: classify(TEXTS_64)}


def torch_calls(models: dict) -> tuple[dict, dict]:
    """PyTorch eager copies of the models, raw inputs in; and their max difference from seqzoo."""
    import torch

    from benchmarks import torch_reference as ref

    torch.set_num_threads(os.cpu_count() or 1)
    lm, clf, fc, big = models["predict_next"], models["classify"], models["forecast"], models["generate"]
    names, sentiment, weather, play = ref.CharLM(lm), ref.Classifier(clf), ref.Forecaster(fc), ref.CharLM(big)
    history = forecast_history(fc)
    diffs = {
        "predict_next": max(abs(p - q) for (_, p), (_, q) in zip(names.predict_next("Joh"), lm.predict_next("Joh"))),
        "classify": float(np.abs(sentiment.predict([REVIEW]) - clf.predict([REVIEW])).max()),
        "forecast": float(np.abs(weather.forecast(history) - fc.predict(history)[-1]).max()),
        "predict_64": float(np.abs(sentiment.predict(TEXTS_64) - clf.predict(TEXTS_64)).max()),
        "generate": float(np.abs(play.next_logits("To be") - ref.keras_next_logits(big, "To be")).max()),
    }
    calls = {
        "predict_next": lambda: names.predict_next("Joh"),
        "classify": lambda: sentiment.classify([REVIEW]),
        "forecast": lambda: weather.forecast(history),
        "predict_64": lambda: sentiment.predict(TEXTS_64),
        "generate": lambda: play.generate("To be", 50),
    }
    return calls, diffs


# === First-call cost ===
FIRST_CALL = r"""
import os, sys, time, logging
start = time.perf_counter()
import seqzoo
imported = time.perf_counter()
model = seqzoo.load(sys.argv[1])
loaded = time.perf_counter()
history = None
if model.task_name == "forecasting":
    import pandas as pd
    history = pd.DataFrame(model.card.extra["example_history"])
answer = lambda: {call}
answer()
first = time.perf_counter()
answer()
second = time.perf_counter()
print("TIMES", imported - start, loaded - imported, first - loaded, second - first)
"""


def first_call_cost(name: str) -> dict:
    """Seconds to import seqzoo, to load `name`, to its first answer and its second, in a fresh process."""
    code = FIRST_CALL.replace("{call}", FIRST_CALLS[name])
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "1"}  # Keep TensorFlow's warnings (retracing) visible.
    result = subprocess.run([sys.executable, "-c", code, name], capture_output=True, text=True, env=env,
                            timeout=600, check=False)
    if result.returncode != 0:
        raise RuntimeError(result.stderr[-2000:])
    line = next(x for x in result.stdout.splitlines() if x.startswith("TIMES"))
    imported, loaded, first, second = map(float, line.split()[1:])
    retracing = len(re.findall(r"triggered tf.function retracing", result.stderr))
    return {"import_s": imported, "load_s": loaded, "first_answer_s": first, "second_answer_s": second,
            "retracing_warnings": retracing}


# === Switch-over ===
def switch_over(models: dict, calls: int) -> dict:
    """ms per call of the fast path and of the batched path, by batch size, for each task."""
    from seqzoo.models import fast_path

    limits = ("CLASSIFIER_FAST_PATH_MAX_TEXTS", "CHAR_LM_FAST_PATH_MAX_PREFIXES", "FORECASTER_FAST_PATH_MAX_WINDOWS")
    saved = {name: getattr(fast_path, name) for name in limits}
    fc = models["forecast"]
    windows = fc.reader.windows(forecast_history(fc))
    out = {}
    for size in (1, 4, 16, 64, 128, 256, 512, 1024):
        texts = (TEXTS_64 * (size // 64 + 1))[:size]
        prefixes = (["Joh", "Mar", "An", "Christopher", ""] * size)[:size]
        batch = np.repeat(windows, size, axis=0)
        tasks = {"classify": lambda texts=texts: models["classify"].predict(texts),
                 "char_lm": lambda prefixes=prefixes: models["predict_next"].predict(prefixes),
                 "forecast": lambda batch=batch: fc.predict(batch)}
        for task, call in tasks.items():
            row = {}
            for path, limit in (("fast", 1 << 30), ("batched", -1)):
                for name in limits:
                    setattr(fast_path, name, limit)
                row[path] = interleaved({path: call}, calls, 2)[path]["p50_ms"]
            out.setdefault(task, {})[size] = row
            print(f"  {task} batch {size}: fast {row['fast']:.1f} ms, batched {row['batched']:.1f} ms", flush=True)
    for name, value in saved.items():
        setattr(fast_path, name, value)
    return out


# === Report ===
def markdown(results: dict) -> str:
    impls = ["seqzoo", "torch eager", "keras predict"]
    lines = ["| call | model | " + " | ".join(f"{i} p50 / p99 (ms)" for i in impls) + " |",
             "|---|---|" + "---|" * len(impls)]
    for call, row in results["latency"].items():
        cells = [f"{row[i]['p50_ms']:.2f} / {row[i]['p99_ms']:.2f}" if i in row else "n/a" for i in impls]
        lines.append(f"| `{call}` | {MODELS[call]} | " + " | ".join(cells) + " |")
    if results.get("first_call"):
        lines += ["", ("| model | import seqzoo (s) | load (s) | first answer (s) | second answer (s) | "
                       "retracing warnings |"), "|---|---|---|---|---|---|"]
        for name, r in results["first_call"].items():
            lines.append(f"| {name} | {r['import_s']:.2f} | {r['load_s']:.2f} | {r['first_answer_s']:.3f} | "
                         f"{r['second_answer_s']:.4f} | {r['retracing_warnings']} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="tiny models, a few calls (CI)")
    parser.add_argument("--calls", type=int, help="timed calls per implementation (default 300; quick 10)")
    parser.add_argument("--switch-over", action="store_true", help="fast path vs batched path by batch size")
    parser.add_argument("--no-first-call", action="store_true", help="skip the fresh-process first-call timing")
    parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch reference")
    parser.add_argument("--no-keras", action="store_true", help="skip the stock keras.Model.predict column")
    parser.add_argument("--keras-calls", type=int, help="timed calls of the (slow) keras predict column")
    parser.add_argument("--json", type=Path, help="where to write the results (default benchmarks/results/)")
    args = parser.parse_args(argv)
    calls = args.calls or (5 if args.quick else 300)
    warmup = 1 if args.quick else 20
    import tensorflow as tf

    import seqzoo

    results = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "python": platform.python_version(),
                           "tensorflow": tf.__version__, "seqzoo": seqzoo.__version__,
                           "seqzoo_path": str(Path(seqzoo.__file__).parent)},
               "calls": calls, "load_before": load_average()}
    models = load_models(args.quick)
    if args.switch_over:
        results["switch_over"] = switch_over(models, calls)
        out = args.json or RESULTS / "latency-switch-over.json"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(results, indent=1), encoding="utf-8")
        return results
    impls = {"seqzoo": seqzoo_calls(models)}
    if not args.no_keras:
        impls["keras predict"] = keras_calls(models)
    torch_ok = not args.no_torch
    if torch_ok:
        try:
            impls["torch eager"], results["torch_max_difference"] = torch_calls(models)
            import torch

            results["machine"]["torch"] = torch.__version__
        except (ImportError, NotImplementedError) as error:
            print(f"no PyTorch column ({error}); install it with pip install 'seqzoo[bench]'")
    results["latency"] = {}
    for call in MODELS:
        group = {name: fns[call] for name, fns in impls.items() if call in fns}
        results["latency"][call] = interleaved(group, calls, warmup, {"keras predict": args.keras_calls or calls})
        print(f"{call}: " + ", ".join(f"{k} p50 {v['p50_ms']:.2f} ms p99 {v['p99_ms']:.2f} ms"
                                      for k, v in results["latency"][call].items()), flush=True)
    results["load_after"] = load_average()
    if not args.quick and not args.no_first_call:
        results["first_call"] = {name: first_call_cost(name) for name in FIRST_CALLS}
    text = markdown(results)
    print(text)
    out = args.json or RESULTS / ("latency-quick.json" if args.quick else "latency.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1), encoding="utf-8")
    out.with_suffix(".md").write_text(text, encoding="utf-8")
    return results


if __name__ == "__main__":
    main()
