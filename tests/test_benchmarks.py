"""The benchmarks' quick modes run in CI (full runs are for the notes)."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_generation_benchmark_quick_mode():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, "benchmarks/generation.py", "--quick"], capture_output=True,
                            text=True, cwd=ROOT, env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = {line.split("  ")[0].strip(): line for line in result.stdout.splitlines()}
    assert "seqzoo" in rows and "naive predict loop" in rows
    # The compiled stateful loop must beat re-running the whole prefix per character.
    speedup = float(rows["naive predict loop"].split()[-1].rstrip("x"))
    assert speedup > 1.0


def test_run_benchmark_quick_mode(tmp_path):
    """`python -m benchmarks.run --quick` runs every workload at tiny sizes and writes JSON + markdown."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = tmp_path / "run.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks.run", "--quick", "--archs", "lstm,gru",
                             "--json", str(out)], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    import json

    results = json.loads(out.read_text())
    for arch in ("lstm", "gru"):
        for workload in ("train", "infer"):
            speeds = results["throughput"][arch][workload]
            assert {"seqzoo", "keras", "keras jit=False"} <= set(speeds) and all(v > 0 for v in speeds.values())
    assert results["generation"]["seqzoo"] > 0 and results["load"] and results["memory"]
    assert "| lstm | train |" in out.with_suffix(".md").read_text()


def _all_cached(names):
    from seqzoo.datasets.fetch import read_cached
    from seqzoo.datasets.sources import SOURCES

    return all(read_cached(SOURCES[name]) is not None for name in names)


@pytest.mark.skipif(not _all_cached(["seattle-weather", "temps-clemson", "temps-melbourne", "weather-nyc-2013"]),
                    reason="a temperature source is not cached: run `seqzoo data fetch all`")
def test_precision_benchmark_reproduces_the_temperature_card():
    # Every forecaster reads a weather table, so the weather path measures temperature-lstm too:
    # Seattle's test days, the same figure its own recipe wrote into the card.
    import seqzoo
    from benchmarks.precision import headline

    model = seqzoo.load("temperature-lstm")
    assert headline(model) == pytest.approx(model.card.metrics["test_mae_temp_max"]["value"], abs=1e-4)
