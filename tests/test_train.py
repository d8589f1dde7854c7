"""`seqzoo train`: errors, the comparison table, resume after a kill, and two workers.

The subprocess tests (marked slow) train a tiny names model (overrides) for a few steps; every
subprocess has a timeout, so nothing hangs.
"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import seqzoo
from seqzoo.card import ModelCard
from seqzoo.cli import main
from seqzoo.errors import SeqzooError, UnknownModelError
from seqzoo.recipes.runner import apply_overrides, read_history
from seqzoo.training import ClusterError, TrainingResult
from seqzoo.training.compare import compare_cards, format_comparison
from seqzoo.training.distribute import cluster_from_tf_config, local_workers, parse_workers, resolve_cluster

ROOT = Path(__file__).resolve().parents[1]
TINY = ["--override", "hidden_size=8", "--override", "embedding_dim=4", "--override", "num_layers=1",
        "--override", "patience=100"]


def seqzoo_train(args, home, **popen):
    env = {**os.environ, "SEQZOO_HOME": str(home), "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    env.pop("TF_CONFIG", None)
    return subprocess.Popen([sys.executable, "-m", "seqzoo.cli", "train", "names-lstm", *args, *TINY],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


def finish(process, timeout=240):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"timed out after {timeout} s:\n{out}\n{err[-2000:]}")
    return process.returncode, out, err


def wait_for(path: Path, process, timeout=180):
    deadline = time.time() + timeout
    while not path.exists():
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            pytest.fail(f"{path} never appeared:\n{process.communicate()[1][-2000:]}")
        time.sleep(0.02)


# === Bad input: clear seqzoo errors, before TensorFlow starts ===
@pytest.mark.parametrize("workers, index, message", [
    ("127.0.0.1", 0, "HOST:PORT"),
    ("127.0.0.1:2222,,127.0.0.1:2223", 0, "comma-separated"),
    ("127.0.0.1:99999", 0, "port in 1..65535"),
    ("127.0.0.1:2222,127.0.0.1:2222", 0, "same address twice"),
    ("127.0.0.1:2222,127.0.0.1:2223", 2, "out of range"),
    ("127.0.0.1:2222,127.0.0.1:2223", None, "--worker-index"),
])
def test_malformed_workers_are_refused(workers, index, message):
    with pytest.raises(ClusterError, match=message):
        resolve_cluster(workers, index, environ={})


@pytest.mark.parametrize("tf_config, message", [
    ("{not json", "not valid JSON"),
    ('{"cluster": {"ps": ["a:1"], "worker": ["b:1"]}, "task": {"type": "worker", "index": 0}}', "synchronous"),
    ('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 5}}', "not one of"),
])
def test_invalid_tf_config_is_refused(tf_config, message):
    with pytest.raises(ClusterError, match=message):
        resolve_cluster(environ={"TF_CONFIG": tf_config})


def test_cluster_from_flags_and_tf_config():
    assert parse_workers("127.0.0.1:2222, [::1]:2223") == ["127.0.0.1:2222", "[::1]:2223"]
    cluster = resolve_cluster("127.0.0.1:2222,127.0.0.1:2223", 1, environ={})
    assert cluster.tf_config == {"cluster": {"worker": ["127.0.0.1:2222", "127.0.0.1:2223"]},
                                 "task": {"type": "worker", "index": 1}}
    assert not cluster.chief and cluster.size == 2
    config = {"cluster": {"chief": ["a:1"], "worker": ["b:1"]}, "task": {"type": "chief", "index": 0}}
    assert cluster_from_tf_config(json.dumps(config)).chief
    single = {"cluster": {"worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}
    assert cluster_from_tf_config(json.dumps(single)) is None


def test_unknown_name_and_override():
    with pytest.raises(UnknownModelError, match="Did you mean 'names-lstm'"):
        seqzoo.train("name-lstm")
    with pytest.raises(SeqzooError, match="Unknown overrides"):
        apply_overrides({"hidden_size": 8}, {"patience": 6}, {"hiden_size": 4})


def test_cli_errors_are_one_line(capsys):
    assert main(["train", "names-lstm", "--workers", "localhost", "--worker-index", "0"]) == 2
    assert "seqzoo: error: --workers: 'localhost' is not HOST:PORT" in capsys.readouterr().err


def test_a_lost_worker_is_named():
    from seqzoo.training import _lost_detail

    message = ("{{function_node __wrapped__CollectiveReduceV2}} Collective ops is aborted by: Error reported from "
               "/job:worker/task:1: The following tasks are unhealthy (stopped sending heartbeats):\n"
               "/job:worker/replica:0/task:1\nThe tasks have crashed.\n")
    assert _lost_detail(message) == "no heartbeat from /job:worker/replica:0/task:1"


# === The record reads the whole run ===
def test_history_keeps_the_last_row_of_an_epoch_logged_twice(tmp_path):
    log = tmp_path / "history.csv"
    log.write_text("epoch,loss,val_loss\n0,3.0,3.1\n1,2.5,2.7\n1,2.4,2.6\n2,2.2,2.4\n")
    assert read_history(log) == {"loss": [3.0, 2.4, 2.2], "val_loss": [3.1, 2.6, 2.4]}
    assert read_history(tmp_path / "missing.csv") == {}


# === The comparison with the shipped card ===
def test_comparison_table_is_printed(monkeypatch, capsys, tmp_path):
    shipped = seqzoo.info("names-lstm")
    metrics = {k: dict(v, value=v["value"] * 1.01) for k, v in shipped.metrics.items()}
    card = ModelCard(**{**shipped.__dict__, "metrics": metrics})
    result = TrainingResult("names-lstm", card, tmp_path, shipped, "0" * 64)
    calls = []
    monkeypatch.setattr("seqzoo.training.train", lambda name, **kw: calls.append((name, kw)) or result)
    assert main(["train", "names-lstm", "--epochs", "2", "--seed", "3"]) == 0
    out = capsys.readouterr().out
    assert calls[0][0] == "names-lstm" and calls[0][1]["epochs"] == 2 and calls[0][1]["seed"] == 3
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.split()[:4] == ["metric", "shipped", "new", "relative"])
    assert lines[header + 1].split()[:2] == ["test_nll", "*"]  # the headline first
    assert lines[header + 1].split()[-1] == "+1.00%"
    rows = compare_cards(shipped, card)
    assert [r.metric for r in rows][0] == "test_nll" and all(abs(r.relative - 0.01) < 1e-9 for r in rows)
    alone = format_comparison(None, card)
    assert "the zoo ships no 'names-lstm' preset" in alone and "+" not in alone.splitlines()[1]


def test_a_recipe_that_fits_nothing_itself_gets_the_checksum_of_the_preset_it_wrote(monkeypatch, tmp_path):
    # sentiment-bilstm-ngram stacks the shipped network: no fit_resumable, so no session model.
    import hashlib

    from seqzoo.training import train, weights_checksum

    texts = ["good film", "bad film"] * 4

    def stack(name, target, epochs, seed, overrides, cluster):
        model = seqzoo.build("gru", "text_classification", texts=texts, hidden_size=4, seed=seed)
        model.save_preset(target)
        return seqzoo.info(target)

    monkeypatch.setattr("seqzoo.training._run", stack)
    result = train("sentiment-bilstm-ngram", out=tmp_path / "stacked")
    assert result.weights_sha256 == weights_checksum(seqzoo.load(tmp_path / "stacked"))
    assert result.weights_sha256 != hashlib.sha256(b"").hexdigest()


# === Long runs: killed after the first checkpoint, resumed to the end ===
@pytest.mark.slow
def test_a_killed_run_resumes_to_completion(tmp_path):
    epochs = 4
    args = ["--out", str(tmp_path / "preset"), "--epochs", str(epochs), "--override", "limit=256"]
    first = seqzoo_train(args, tmp_path / "home")
    wait_for(tmp_path / "home" / "runs" / "names-lstm-seed0" / "backup" / "training_metadata.json", first)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=30)
    assert not (tmp_path / "preset").exists()
    code, out, err = finish(seqzoo_train(args, tmp_path / "home"))
    assert code == 0, err[-3000:]
    assert "Epoch 1/" not in out and f"Epoch {epochs}/{epochs}" in out  # resumed, not restarted
    card = ModelCard.read(tmp_path / "preset")
    assert card.recipe["epochs_run"] == epochs
    assert len(card.recipe["history"]["loss"]) == len(card.recipe["history"]["val_loss"]) == epochs
    assert (tmp_path / "preset" / "training_curve.png").is_file()
    assert "test_nll *" in out
    assert seqzoo.load(tmp_path / "preset").score(["Maria"]) > 0


# === Two workers of one MultiWorkerMirroredStrategy job on loopback ===
@pytest.mark.slow
def test_two_workers_train_the_same_weights(tmp_path):
    workers = local_workers(2)
    args = ["--out", str(tmp_path / "preset"), "--epochs", "2", "--override", "limit=128",
            "--workers", workers, "--peer-timeout", "120"]
    processes = [seqzoo_train([*args, "--worker-index", str(i)], tmp_path / "home") for i in range(2)]
    results = [finish(p) for p in processes]
    for code, out, err in results:
        assert code == 0, err[-3000:]
    sums = [next(line for line in out.splitlines() if line.startswith("weights sha256:")) for _, out, _ in results]
    for i, (_, out, _) in enumerate(results):
        print(f"--- worker {i} ---\n{out}")  # shown with pytest -s
    assert sums[0] == sums[1]
    card = ModelCard.read(tmp_path / "preset")  # only worker 0 writes it
    assert card.recipe["distribution"] == {"strategy": "MultiWorkerMirroredStrategy", "replicas": 2, "workers": 2}
    loss = card.recipe["history"]["loss"]
    assert loss[-1] < loss[0]
    assert "worker 0 writes the preset" in results[1][1]


@pytest.mark.slow
def test_a_dead_worker_fails_the_other_quickly(tmp_path):
    workers = local_workers(2)
    args = ["--out", str(tmp_path / "preset"), "--epochs", "200", "--override", "limit=128",
            "--workers", workers, "--peer-timeout", "30"]
    survivor, victim = (seqzoo_train([*args, "--worker-index", str(i)], tmp_path / "home") for i in range(2))
    wait_for(tmp_path / "home" / "runs" / "names-lstm-seed0-worker1" / "history.csv", victim)
    victim.send_signal(signal.SIGKILL)
    killed_at = time.time()
    code, out, err = finish(survivor, timeout=90)
    print(f"survivor exited {code} after {time.time() - killed_at:.1f} s: {err.strip().splitlines()[-1]}")
    assert code != 0 and time.time() - killed_at < 60
    assert "seqzoo: error: worker 0 of 2: another worker stopped answering" in err
    assert not (tmp_path / "preset").exists()


def test_mid_epoch_backup_after_resume_records_the_epoch(tmp_path):
    """Keras' own callback writes epoch 0 into a batch-level backup of a resumed run."""
    import json

    import keras
    import numpy as np

    from seqzoo.recipes.runner import EpochTrackingBackup

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    backup = EpochTrackingBackup(str(tmp_path / "backup"), save_freq=2)
    x, y = np.zeros((8, 2), "float32"), np.zeros((8, 1), "float32")
    model.fit(x, y, batch_size=2, epochs=4, initial_epoch=3, callbacks=[backup], verbose=0)
    # Training completed, so the backup was deleted; write one mid-epoch by hand.
    backup.set_model(model)
    backup.on_epoch_begin(5)
    backup.on_train_batch_end(0)
    backup.on_train_batch_end(1)
    metadata = json.loads((tmp_path / "backup" / "training_metadata.json").read_text())
    assert metadata["epoch"] == 5


def test_training_clock_adds_the_time_of_earlier_processes(tmp_path):
    from seqzoo.recipes.runner import TrainingClock

    path = tmp_path / "elapsed_s.txt"
    path.write_text("100.0")  # A killed process trained for 100 s.
    clock = TrainingClock(path)
    clock.on_train_batch_end(0)
    assert 100.0 <= float(path.read_text()) < 110.0
    assert 100.0 <= clock.write() < 110.0
