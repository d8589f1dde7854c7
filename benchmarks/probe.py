"""One measurement in a fresh process for `benchmarks.run`; prints one JSON line.

    python -m benchmarks.probe load NAME                         # seqzoo.load time, peak memory
    python -m benchmarks.probe memory ARCH IMPL WORKLOAD SHAPE   # peak memory of a workload

Peak memory is the process' peak resident size (VmHWM, else ru_maxrss): tracemalloc does
not see TensorFlow's allocations.
"""
from __future__ import annotations

import json
import os
import resource
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    # VmHWM is this process' own peak. ru_maxrss is not: Linux carries the parent's
    # resident size at fork through exec into the child's ru_maxrss.
    try:
        with open("/proc/self/status") as f:
            return next(int(ln.split()[1]) for ln in f if ln.startswith("VmHWM:")) / 1024
    except (OSError, StopIteration):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def load(name: str) -> dict:
    start = time.perf_counter()
    import keras  # noqa: F401
    import tensorflow  # noqa: F401

    import seqzoo.models.backbone  # noqa: F401

    imported = time.perf_counter() - start
    import seqzoo

    times = []
    for _ in range(3):
        start = time.perf_counter()
        seqzoo.load(name)
        times.append(time.perf_counter() - start)
    return {"preset": name, "import_s": imported, "first_load_s": times[0],
            "next_load_s": min(times[1:]), "peak_mb": peak_mb()}


def memory(arch: str, impl: str, workload: str, shape: dict) -> dict:
    from benchmarks import workloads

    if impl == "torch":
        import torch  # noqa: F401
    else:
        import keras  # noqa: F401
    before = rss_mb()
    if impl == "torch":
        fns = workloads.torch_workload(arch, shape, os.cpu_count() or 1)
    else:
        fns = workloads.keras_workload(arch, shape, fast=impl == "seqzoo")
    fn = fns[0] if workload == "train" else fns[1]
    for _ in range(3):
        fn()
    peak = peak_mb()
    return {"arch": arch, "impl": impl, "workload": workload, "rss_before_mb": before, "peak_mb": peak,
            "workload_mb": peak - before}


if __name__ == "__main__":
    kind, *rest = sys.argv[1:]
    if kind == "load":
        result = load(rest[0])
    else:
        result = memory(rest[0], rest[1], rest[2], json.loads(rest[3]))
    print(json.dumps(result))
