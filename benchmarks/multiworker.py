"""Training throughput of one worker vs several local workers (MultiWorkerMirroredStrategy).

Trains the names-lstm model (2 x 128 LSTM) on US first names with the same global batch,
once as one process and once as N worker processes on 127.0.0.1 that split each batch,
and reports names per second after a warm-up epoch (tracing, first all-reduce).

Run:
    python benchmarks/multiworker.py              # 1 vs 2 workers, 3 epochs of 2,048 names
    python benchmarks/multiworker.py --quick      # small, for a smoke test
Writes benchmarks/results/multiworker.json and the table the docs include, multiworker.md.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
RESULTS = Path(__file__).parent / "results" / "multiworker.json"
TABLE = RESULTS.with_suffix(".md")
ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # Run the source tree, as the worker processes do.
    sys.path.insert(0, str(ROOT))


def run_worker(args) -> None:
    """One process of a run: train, then write its epoch times to `args.report`."""
    from seqzoo.training.distribute import cluster_from_flags, make_strategy

    cluster = cluster_from_flags(args.workers, args.index) if args.workers else None
    strategy = make_strategy(cluster, peer_timeout_s=300)
    import keras

    import seqzoo
    from seqzoo import datasets

    names = list(datasets.load("names-us-census", "train").x)[: args.limit]
    times = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            times.append(time.perf_counter() - self.start)

    with strategy.scope():
        keras.utils.set_random_seed(0)
        model = seqzoo.build("lstm", "char_lm", texts=names, embedding_dim=32, hidden_size=128, num_layers=2,
                             dropout=0.2, sequence_length=24, packing="pad")
        model.compile()
    history = model.fit(names, epochs=args.epochs, batch_size=args.batch_size, verbose=0,
                        callbacks=[EpochTimer()])
    Path(args.report).write_text(json.dumps({"epoch_seconds": times, "loss": history.history["loss"]}))


def measure(workers: int, args) -> dict:
    """Run `workers` processes (1: no cluster) and return names per second after warm-up."""
    from seqzoo.training.distribute import local_workers

    addresses = local_workers(workers) if workers > 1 else ""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("TF_CONFIG", None)
    with tempfile.TemporaryDirectory() as tmp:
        reports = [Path(tmp) / f"worker{i}.json" for i in range(workers)]
        common = [sys.executable, __file__, "--worker", "--epochs", str(args.epochs), "--limit", str(args.limit),
                  "--batch-size", str(args.batch_size)]
        start = time.perf_counter()
        processes = [subprocess.Popen([*common, "--report", str(reports[i]),
                                       *(["--workers", addresses, "--index", str(i)] if addresses else [])],
                                      env=env) for i in range(workers)]
        for process in processes:
            if process.wait(timeout=1800) != 0:
                raise SystemExit(f"a worker of the {workers}-worker run failed")
        wall = time.perf_counter() - start
        report = json.loads(reports[0].read_text())
    steady = report["epoch_seconds"][1:] or report["epoch_seconds"]
    names_per_epoch = args.limit
    return {"workers": workers, "names_per_s": round(names_per_epoch * len(steady) / sum(steady), 1),
            "epoch_seconds": [round(t, 2) for t in report["epoch_seconds"]],
            "final_loss": round(report["loss"][-1], 4), "wall_s_with_startup": round(wall, 1)}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--workers", help=argparse.SUPPRESS)
    parser.add_argument("--index", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--report", help=argparse.SUPPRESS)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--limit", type=int, default=2048, help="training names per epoch")
    parser.add_argument("--batch-size", type=int, default=64, help="global batch (split across workers)")
    parser.add_argument("--max-workers", type=int, default=2)
    parser.add_argument("--table", action="store_true", help="only rewrite the Markdown table from the JSON")
    args = parser.parse_args(argv)
    if args.table:
        write_table(json.loads(RESULTS.read_text()))
        return 0
    if args.worker:
        run_worker(args)
        return 0
    if args.quick:
        args.epochs, args.limit = 2, 256
    load_before = os.getloadavg()
    runs = [measure(n, args) for n in range(1, args.max_workers + 1)]
    for run in runs:
        run["speedup_vs_1"] = round(run["names_per_s"] / runs[0]["names_per_s"], 2)
        print(f"{run['workers']} worker(s): {run['names_per_s']:8.1f} names/s  ({run['speedup_vs_1']:.2f}x)")
    result = {
        "model": "names-lstm shapes (2 x 128 LSTM, 223k parameters), char LM, sequence length 24",
        "global_batch": args.batch_size, "names_per_epoch": args.limit, "epochs": args.epochs,
        "measured": "names/s over the epochs after the first (warm-up), as seen by worker 0",
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version(),
                    "load_average_before": [round(v, 1) for v in load_before],
                    "load_average_after": [round(v, 1) for v in os.getloadavg()]},
        "runs": runs,
    }
    if not args.quick:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps(result, indent=2) + "\n")
        write_table(result)
        print(f"wrote {RESULTS} and {TABLE}")
    return 0


def write_table(result: dict) -> None:
    """The Markdown table the "Training at scale" guide includes, from the JSON results."""
    machine = result["machine"]
    lines = ["| workers | names/s | vs 1 worker | seconds per epoch (first is warm-up) | final loss |",
             "|---:|---:|---:|---|---:|"]
    for run in result["runs"]:
        epochs = ", ".join(f"{t:.1f}" for t in run["epoch_seconds"])
        lines.append(f"| {run['workers']} | {run['names_per_s']:.0f} | {run['speedup_vs_1']:.2f}x | {epochs} "
                     f"| {run['final_loss']:.3f} |")
    lines += ["", f"Global batch {result['global_batch']}, {result['names_per_epoch']} names per epoch, "
                  f"{machine['cpus']} CPU cores, load average {machine['load_average_before'][0]} before and "
                  f"{machine['load_average_after'][0]} after (other jobs were running)."]
    TABLE.write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
