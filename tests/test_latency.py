"""benchmarks/latency.py's quick mode runs in CI: every call, every implementation, answers checked."""
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_latency_benchmark_quick_mode(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    out = tmp_path / "latency.json"
    result = subprocess.run([sys.executable, "-m", "benchmarks.latency", "--quick", "--json", str(out)],
                            capture_output=True, text=True, cwd=ROOT, env=env, timeout=600, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    results = json.loads(out.read_text())
    assert list(results["latency"]) == ["predict_next", "classify", "forecast", "predict_64", "generate"]
    for call, row in results["latency"].items():
        assert {"seqzoo", "keras predict"} <= set(row) or call == "generate", call
        for numbers in row.values():
            assert 0 < numbers["p50_ms"] <= numbers["p99_ms"] and numbers["calls"] == 5
    if "torch_max_difference" in results:  # With the bench extra: PyTorch gives the same answers.
        assert all(v < 1e-4 for v in results["torch_max_difference"].values()), results["torch_max_difference"]
    assert "| `classify` | sentiment-lstm |" in out.with_suffix(".md").read_text()
