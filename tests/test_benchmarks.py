"""The benchmarks' quick modes run in CI (full runs are for the notes)."""
import os
import subprocess
import sys
from pathlib import Path

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
