"""The examples run end to end in their quick modes."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run_example(*args: str) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    result = subprocess.run([sys.executable, *args], capture_output=True, text=True, cwd=ROOT, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


def test_sentiment_finetune_quick():
    out = run_example("examples/sentiment_finetune.py", "--quick")
    assert "before" in out and "after" in out and "saved and reloaded" in out


def test_text_generation_quick_on_names():
    out = run_example("examples/text_generation.py", "--model", "names-lstm", "--prompt", "Ma", "--quick")
    assert "after fine-tuning" in out


@pytest.mark.skipif(not (ROOT / "saved_models" / "shakespeare-lstm").is_dir(), reason="no shakespeare-lstm yet")
def test_text_generation_quick_on_shakespeare():
    assert "To be" in run_example("examples/text_generation.py", "--quick")
