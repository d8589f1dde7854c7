"""Saves are atomic under SIGKILL; threads and processes can share a model or a preset."""
import hashlib
import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

import seqzoo

ROOT = Path(__file__).resolve().parents[1]
ENV = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", KERAS_BACKEND="tensorflow", PYTHONPATH=str(ROOT))


def _digest(directory: Path) -> dict[str, str]:
    return {
        p.relative_to(directory).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*")) if p.is_file()
    }


# === 5. Killed mid-save: the old preset survives ===
# The child loads the preset, perturbs its weights and saves it back; it SIGKILLs
# itself on the Nth call of a function inside save_preset (no hook in seqzoo itself).
KILLER = textwrap.dedent("""
    import os, signal, sys
    import seqzoo, seqzoo.presets, seqzoo._atomic
    path, target, n, when = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    module, name = target.rsplit(".", 1)
    module = sys.modules[module]
    real, calls = getattr(module, name), [0]
    def dying(*args, **kwargs):
        calls[0] += 1
        if calls[0] == n and when == "before":
            os.kill(os.getpid(), signal.SIGKILL)
        result = real(*args, **kwargs)
        if calls[0] == n:
            os.kill(os.getpid(), signal.SIGKILL)
        return result
    setattr(module, name, dying)
    model = seqzoo.load(path)
    model.lm_head.kernel.assign(model.lm_head.kernel * 2)
    model.save_preset(path)
    print("SAVED")
""")


# Stages: writing the weights, hashing the 2nd file, just before and just after the swap.
STAGES = [
    ("seqzoo.presets._save_weights_without_optimizer", 1, "before"),
    ("seqzoo.presets.sha256_file", 2, "before"),
    ("seqzoo._atomic._exchange", 1, "before"),
    ("seqzoo._atomic._exchange", 1, "after"),
]


def test_sigkill_at_each_stage_of_save_leaves_a_loadable_preset(preset):
    before = _digest(preset)
    expected = seqzoo.load(preset).predict(["Jo"])
    script = preset.parent / "killer.py"
    script.write_text(KILLER)
    procs = []
    for i, (target, n, when) in enumerate(STAGES):
        copy = preset.parent / f"copy{i}"
        subprocess.run(["cp", "-a", str(preset), str(copy)], check=True)
        procs.append((when, copy, subprocess.Popen(
            [sys.executable, str(script), str(copy), target, str(n), when], env=ENV,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)))
    for when, copy, proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == -signal.SIGKILL, (when, out, err[-2000:])
        model = seqzoo.load(copy)  # Old or new content, but complete and hash-clean.
        got = model.predict(["Jo"])
        if _digest(copy) == before:
            np.testing.assert_allclose(got, expected, rtol=1e-6)
        if when == "after":  # Killed right after the swap: the new preset is in place.
            assert _digest(copy) != before
        else:
            assert _digest(copy) == before
    assert _digest(preset) == before


def test_random_sigkill_during_atomic_file_writes_never_leaves_a_torn_file(tmp_path):
    # _atomic is loaded from its file, so the child starts in a blink without TensorFlow.
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(f"""
        import importlib.util, sys
        spec = importlib.util.spec_from_file_location("_atomic", {str(ROOT / "seqzoo" / "_atomic.py")!r})
        atomic = importlib.util.module_from_spec(spec); spec.loader.exec_module(atomic)
        i = 0
        while True:
            i += 1
            atomic.write_bytes_atomic(sys.argv[1], bytes([i % 256]) * (4 << 20))
    """))
    target = tmp_path / "data.bin"
    rng = random.Random(0)
    for _ in range(8):
        proc = subprocess.Popen([sys.executable, str(script), str(target)])
        time.sleep(rng.uniform(0.05, 0.4))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if target.exists():
            data = target.read_bytes()
            assert len(data) == 4 << 20 and data.count(data[:1]) == len(data)


# === 9. Concurrent use ===
def test_eight_threads_predict_like_serial_calls(tiny_lm):
    from seqzoo.models.char_lm import CharLM

    assert isinstance(tiny_lm, CharLM)
    inputs = [["Jo", "Ma"], ["Anna"], ["H", "Hanna", "J"], [""], ["Mar"], ["Jonas"], ["Mari", "e"], ["Jo"]]
    serial = [tiny_lm.predict(x) for x in inputs]
    with ThreadPoolExecutor(8) as pool:
        for _ in range(3):
            threaded = list(pool.map(tiny_lm.predict, inputs))
            for a, b in zip(serial, threaded):
                np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)


def test_two_processes_fine_tune_from_one_preset_without_corrupting_it(preset, tmp_path):
    before = _digest(preset)
    script = tmp_path / "tune.py"
    script.write_text(textwrap.dedent("""
        import sys
        import seqzoo
        model = seqzoo.load(sys.argv[1])
        names = ["Johanna", "Maria", "Anna", "Jonas"] * 8
        model.fit(names, epochs=2, batch_size=8, verbose=0)
        model.save_preset(sys.argv[2])
        seqzoo.load(sys.argv[2])
        print("OK")
    """))
    procs = [
        subprocess.Popen([sys.executable, str(script), str(preset), str(tmp_path / f"out{i}")],
                         env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for i in range(2)
    ]
    for proc in procs:
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0 and "OK" in out, err[-2000:]
    assert _digest(preset) == before
    seqzoo.load(preset)
    parent = seqzoo.load(preset)
    for i in range(2):
        tuned = seqzoo.load(tmp_path / f"out{i}")
        card = tuned.card
        assert card.recipe["parent"] == parent.card.name and card.recipe["hparams"] == parent.card.recipe["hparams"]
        assert card.description == f"Fine-tuned from {parent.card.name}; not measured since." and card.metrics == {}
        # Two epochs moved the weights away from the preset's.
        assert any(not np.array_equal(a, b) for a, b in zip(tuned.get_weights(), parent.get_weights(), strict=True))
