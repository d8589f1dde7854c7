"""The wheel ships the presets, and seqzoo works from an installed (non-editable) wheel."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out), str(ROOT)],
                   check=True, capture_output=True, timeout=600)
    return next(out.glob("seqzoo-*.whl"))


@pytest.mark.slow
def test_wheel_contains_every_preset(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    for card in (ROOT / "saved_models").glob("*/card.json"):
        preset = card.parent.name
        for file in ("card.json", "config.json", "model.weights.h5"):
            assert f"seqzoo/saved_models/{preset}/{file}" in names
    assert "seqzoo/cli.py" in names


@pytest.mark.slow
def test_installed_wheel_loads_names_lstm(wheel, tmp_path):
    # Install the wheel (not editable) into an empty site directory; TensorFlow comes
    # from the test environment. Run from elsewhere so the source tree is not importable.
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(site), str(wheel)],
                   check=True, capture_output=True, timeout=300)
    script = ("import seqzoo, pathlib; print(pathlib.Path(seqzoo.__file__).parent);"
              "print(seqzoo.load('names-lstm').predict_next('Joh')[0][0])")
    env = {**os.environ, "PYTHONPATH": str(site)}
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=tmp_path,
                            env=env, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    location, answer = result.stdout.strip().splitlines()
    assert location == str(site / "seqzoo")  # The installed copy, not the source tree.
    assert answer == "n"
