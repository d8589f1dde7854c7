"""Every script in examples/ runs end to end in its --quick mode, and is on the Examples page.

One test per file of examples/ (a new example is picked up by itself). An
example that loads a built-in dataset is skipped when that dataset is not
cached here, like the other dataset tests.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import seqzoo

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "examples").glob("*.py"))
# What a quick run must print, beyond exiting with 0 (optional, per file).
EXPECTED = {
    "sentiment_finetune.py": ["before", "after", "saved and reloaded"],
    "text_generation.py": ["before fine-tuning", "after fine-tuning", "nats/char"],
    "weather_finetune.py": ["SYNTHETIC", "persistence", "after fit"],
    "forecast_finetune.py": ["SYNTHETIC", "persistence", "after fit (2 epochs)"],
    "stock_forecast.py": ["persistence", "drift", "LSTM"],
}


def quick_args(example: Path) -> list[str]:
    """--quick, and for text_generation.py a model the zoo has (its default, shakespeare-lstm, may not be)."""
    if example.name == "text_generation.py" and "shakespeare-lstm" not in seqzoo.list_models():
        return ["--quick", "--model", "names-lstm", "--prompt", "Ma"]
    return ["--quick"]


def datasets_used(example: Path) -> list[str]:
    return re.findall(r'datasets\.load\("([\w-]+)"', example.read_text(encoding="utf-8"))


def cached(dataset: str) -> bool:
    from seqzoo.datasets.fetch import read_cached
    from seqzoo.datasets.sources import SOURCES

    return read_cached(SOURCES[dataset]) is not None


def run_example(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.mark.parametrize("example", EXAMPLES, ids=[e.name for e in EXAMPLES])
def test_example_runs_quick(example):
    missing = [d for d in datasets_used(example) if not cached(d)]
    if missing:
        pytest.skip(f"{example.name} needs {missing}, not cached (seqzoo data fetch {' '.join(missing)})")
    out = run_example(str(example.relative_to(ROOT)), *quick_args(example))
    assert out.strip()
    for text in EXPECTED.get(example.name, []):
        assert text in out, f"{example.name} --quick did not print {text!r}:\n{out[-2000:]}"


def test_every_example_is_documented():
    page = (ROOT / "docs" / "examples.md").read_text(encoding="utf-8")
    assert EXAMPLES
    for example in EXAMPLES:
        assert f'--8<-- "examples/{example.name}"' in page, f"docs/examples.md does not include {example.name}"
