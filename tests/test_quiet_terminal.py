"""The first `seqzoo.load` prints nothing of TensorFlow's start-up logs (docs: quick start)."""
import os
import subprocess
import sys

SCRIPT = "import seqzoo; print(seqzoo.load('names-lstm').predict_next('Joh', k=1)[0][0])"


def _run(env_updates):
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    env.update(env_updates)
    return subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                          env=env, timeout=300)


def test_first_load_prints_only_the_answer():
    done = _run({})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "n"
    assert done.stderr == ""


def test_logs_come_back_when_the_user_sets_a_level():
    done = _run({"TF_CPP_MIN_LOG_LEVEL": "0"})
    assert done.returncode == 0, done.stderr
    assert "absl" in done.stderr or "cuda" in done.stderr.lower() or "oneDNN" in done.stderr
