"""Speed of seqzoo's recurrent layers against stock Keras and PyTorch, on this CPU, in one run.

Workloads, the same shapes and maths for every implementation, interleaved (one
call of each in turn, `--repeats` rounds, medians): a training step (forward,
backward, Adam) and batch inference of a character model (batch 64 x 100 steps,
2 layers of 256 units, embedding 64, vocabulary 80); batch-1 generation with the
zoo's generator (benchmarks/generation.py); `seqzoo.load` time and peak memory
(peak resident size of a fresh process per measurement). PyTorch is optional (the `bench`
extra); without it its rows are skipped. PyTorch runs with OMP_WAIT_POLICY=PASSIVE,
without which its OpenMP threads spin and collapse on a shared machine.

Run:
    python -m benchmarks.run            # full; writes benchmarks/results/run.json and run.md
    python -m benchmarks.run --quick    # tiny sizes, for CI (asserts nothing about speed)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

from benchmarks import report, workloads  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results"
FULL = {"batch": 64, "steps": 100, "vocab": 80, "emb": 64, "units": 256, "layers": 2}
QUICK = {"batch": 4, "steps": 8, "vocab": 20, "emb": 8, "units": 16, "layers": 2}


def timed(fn) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - wall, time.process_time() - cpu


def throughput(arch: str, shape: dict, repeats: int) -> dict:
    """{workload: {implementation: median chars/s}} for training and inference.

    Also `{workload}_cpu`: median chars per CPU-second of this process, which a
    shared machine disturbs less than the wall clock.
    """
    impls = workloads.implementations(arch, shape)
    chars = shape["batch"] * shape["steps"]
    result = {}
    for index, workload in enumerate(("train", "infer")):
        calls = {name: fns[index] for name, fns in impls.items() if fns[index] is not None}
        for call in calls.values():
            call()  # Trace, compile and warm the caches twice.
            call()
        times = {name: [] for name in calls}
        for _ in range(repeats):
            for name, call in calls.items():
                times[name].append(timed(call))
        result[workload] = {name: chars / statistics.median(w for w, _ in t) for name, t in times.items()}
        result[f"{workload}_cpu"] = {name: chars / statistics.median(c for _, c in t) for name, t in times.items()}
        print(f"  {arch} {workload}: " + ", ".join(f"{k} {v:,.0f}" for k, v in result[workload].items()),
              flush=True)
    return result


def generation(hidden: int, length: int, repeats: int) -> dict:
    """Batch-1 characters/s: seqzoo's compiled generator vs PyTorch's eager stateful loops."""
    from benchmarks import generation as gen

    model, label = gen.make_model(hidden, 2)
    prompt = "To be"
    rows = {"seqzoo": []}
    modules = None
    if workloads.torch_available():
        import torch

        torch.set_num_threads(os.cpu_count() or 1)
        modules = gen.torch_lstm(model)
        error = gen.check_torch_matches(model, modules, "To be, or not to be")
        assert error < 1e-3, f"the PyTorch copy does not match the Keras model ({error})"
        rows.update({"torch nn.LSTM loop": [], "torch nn.LSTMCell loop": []})
    # Batch-1 steps are tiny: PyTorch may do better on 1 thread than on all; each loop gets its better one.
    threads = sorted({1, os.cpu_count() or 1})
    torch_times = {(name, n): [] for name in list(rows)[1:] for n in threads}
    for _ in range(repeats):
        rows["seqzoo"].append(gen.time_seqzoo(model, prompt, length))
        for n in threads if modules is not None else []:
            torch.set_num_threads(n)
            torch_times["torch nn.LSTM loop", n].append(gen.time_torch(model, modules, prompt, length))
            torch_times["torch nn.LSTMCell loop", n].append(gen.time_torch_cells(model, modules, prompt, length))
    for name in list(rows)[1:]:
        n = max(threads, key=lambda n: statistics.median(torch_times[name, n]))
        rows[f"{name} ({n} thread{'s' if n > 1 else ''})"] = torch_times[name, n]
        del rows[name]
    return {"model": label, "chars": length, **{k: statistics.median(v) for k, v in rows.items()}}


def probe(args: list[str]) -> dict:
    """Run `--probe ARGS` in a fresh process; its JSON line back."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-m", "benchmarks.probe", *args], capture_output=True,
                         text=True, cwd=ROOT, env=env, timeout=900)
    if out.returncode != 0:
        raise RuntimeError(f"probe {args} failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine(peak_size: int) -> dict:
    import keras
    import tensorflow as tf

    cpu = platform.processor() or platform.machine()
    try:
        names = [ln.split(":", 1)[1].strip() for ln in open("/proc/cpuinfo") if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    info = {"cpu": cpu, "cores": os.cpu_count(), "load_average_start": os.getloadavg()[0],
            "tensorflow": tf.__version__, "keras": keras.__version__, "python": platform.python_version()}
    if workloads.torch_available():
        import torch

        info["torch"] = torch.__version__
    info["matmul_gflops"] = workloads.matmul_gflops(peak_size, 9)
    return info


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="tiny sizes, a few repeats (CI)")
    parser.add_argument("--json", type=Path, help="where to write the results (a .md table beside it)")
    parser.add_argument("--repeats", type=int, help="rounds of interleaved calls (default 9; quick 2)")
    parser.add_argument("--archs", default="lstm,gru,simple_rnn")
    args = parser.parse_args(argv)
    shape = QUICK if args.quick else FULL
    repeats = args.repeats or (2 if args.quick else 9)
    results = {"quick": args.quick, "shape": shape, "repeats": repeats,
               "machine": machine(256 if args.quick else 2048)}
    print(f"matmul peak: {results['machine']['matmul_gflops']:.1f} GFLOP/s", flush=True)
    results["throughput"] = {}
    for arch in args.archs.split(","):
        results["throughput"][arch] = throughput(arch, shape, repeats)
        results["throughput"][arch]["flops_per_char"] = workloads.flops_per_char(
            arch, shape["layers"], shape["units"], shape["emb"], shape["vocab"])
    results["generation"] = generation(shape["units"], 20 if args.quick else 400, 1 if args.quick else 5)
    presets = report.shipped_presets()[: 1 if args.quick else None]
    results["load"] = {name: probe(["load", name]) for name in presets}
    impls = ["seqzoo", "keras"] + (["torch"] if workloads.torch_available() else [])
    memory_cases = [("lstm", "seqzoo", "train")] if args.quick else [
        ("lstm", impl, workload) for impl in impls for workload in ("train", "infer")]
    results["memory"] = [
        probe(["memory", arch, impl, workload, json.dumps(shape)]) for arch, impl, workload in memory_cases
    ]
    results["machine"]["load_average_end"] = os.getloadavg()[0]
    table = report.markdown(results)
    print(table)
    path = args.json or (None if args.quick else RESULTS / "run.json")
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(results, indent=1) + "\n")
        path.with_suffix(".md").write_text(table)
        print(f"wrote {path} and {path.with_suffix('.md')}")
    return results


if __name__ == "__main__":
    main()
