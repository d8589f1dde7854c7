"""`seqzoo train`: retrain a zoo entry from its recipe, on one machine or on several workers.

Example:
>>> result = seqzoo.train("names-lstm", out="/tmp/names-lstm")
>>> print(result.comparison())
"""
from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import shutil
import sys
import tempfile
import threading
from pathlib import Path
from typing import Callable

from seqzoo.card import ModelCard
from seqzoo.training.compare import format_comparison
from seqzoo.training.distribute import (
    DEFAULT_PEER_TIMEOUT_S,
    Cluster,
    ClusterError,
    WorkerLostError,
    make_strategy,
    resolve_cluster,
)
from seqzoo.training.rendezvous import wait_for_peers

__all__ = ["ClusterError", "TrainingResult", "WorkerLostError", "default_output", "resolve_cluster", "train"]


@dataclasses.dataclass
class TrainingResult:
    """What one `train` call produced.

    Attributes:
        name: The zoo entry retrained.
        card: The new preset's card (metrics, hyper-parameters, curves, versions).
        out: The preset directory, or None on a worker that is not the chief.
        shipped: The zoo's card of `name` before training, or None.
        weights_sha256: A checksum of the final weights (equal on every worker of a job).
        cluster: This worker's cluster, or None on one machine.
    """

    name: str
    card: ModelCard
    out: Path | None
    shipped: ModelCard | None
    weights_sha256: str
    cluster: Cluster | None = None

    def comparison(self) -> str:
        """The table of metrics: shipped card, new card, relative difference."""
        return format_comparison(self.shipped, self.card)


def default_output(name: str) -> Path:
    """Where `train` writes when `out` is not given: `$SEQZOO_HOME/trained/NAME`.

    Example:
    >>> default_output("names-lstm")
    PosixPath('/home/me/.cache/seqzoo/trained/names-lstm')
    """
    from seqzoo.datasets.fetch import seqzoo_home

    return seqzoo_home() / "trained" / name


def train(name: str, *, out: str | Path | None = None, epochs: int | None = None, seed: int = 0,
          workers: str | list[str] | None = None, worker_index: int | None = None,
          overrides: dict | None = None, peer_timeout_s: float = DEFAULT_PEER_TIMEOUT_S,
          verbose: int | None = None, check_peers: bool = True,
          on_connected: Callable[[], None] | None = None) -> TrainingResult:
    """Retrain zoo entry `name` from its recipe, measure it and write a preset with its card.

    The run checkpoints every epoch under `$SEQZOO_HOME/runs`; the same call after a
    kill resumes it. With several workers (`workers`, or a `TF_CONFIG` in the environment)
    this process is one worker of a `MultiWorkerMirroredStrategy` job: start the same call
    on every worker, each with its own `worker_index`. Worker 0 (or the chief) writes the
    preset; the others write to a temporary directory that is deleted.

    Args:
        name: A zoo entry with a recipe, such as "names-lstm" (see `seqzoo.recipes.RECIPES`).
        out: The preset directory (default: `default_output(name)`).
        epochs: The most epochs (default: the recipe's; early stopping may end sooner).
        seed: Seeds weights, shuffling and dropout; the same seed repeats a run on one machine.
        workers: "HOST:PORT,HOST:PORT,..." of every worker, or their list.
        worker_index: This worker's position in `workers`, from 0.
        overrides: Hyper-parameters or run settings ("batch_size", "patience", "limit") to
            change, for quick experiments and tests; a reproduction passes none.
        peer_timeout_s: A worker that waits this long for the others fails with `WorkerLostError`.
        verbose: Keras progress output (1 bars, 2 a line per epoch; default: bars on a terminal).
        check_peers: With several workers, first meet every peer over plain sockets
            (`rendezvous.wait_for_peers`), so a missing one is named within `peer_timeout_s`;
            False when a supervising process did it already.
        on_connected: Called once TensorFlow has connected the workers (for a supervisor).

    Returns:
        A `TrainingResult`; `result.comparison()` sets the new metrics beside the shipped card.

    Example:
    >>> result = seqzoo.train("names-lstm", out="/tmp/names-lstm", seed=0)
    >>> result.card.metrics["test_nll"]["value"]
    1.89
    """
    from seqzoo.recipes import check_recipe
    from seqzoo.recipes import runner

    from seqzoo.validation import check_float, check_int

    check_recipe(name)
    epochs = check_int("epochs", epochs, minimum=1, allow_none=True)  # None: the recipe's schedule.
    seed = check_int("seed", seed, minimum=0)
    peer_timeout_s = check_float("peer_timeout_s", peer_timeout_s, minimum=0.0, exclusive_minimum=True)
    cluster = resolve_cluster(workers, worker_index)
    shipped = _shipped_card(name)
    out = Path(out) if out else default_output(name)
    if cluster is not None and check_peers:
        # Before TensorFlow: its own wait for a missing worker has no limit and blocks signals.
        wait_for_peers(cluster, peer_timeout_s)
    with _deadline(peer_timeout_s, f"the workers did not all connect within {peer_timeout_s:g} s; "
                                   "start every worker (same --workers list), or check the addresses"):
        strategy = make_strategy(cluster, peer_timeout_s=peer_timeout_s)
    if on_connected is not None:
        on_connected()
    chief = cluster is None or cluster.chief
    scratch = None if chief else Path(tempfile.mkdtemp(prefix="seqzoo-worker-"))
    # The multi-worker class is CollectiveAllReduceStrategy inside TensorFlow; cards use the public name.
    kind = "MultiWorkerMirroredStrategy" if cluster else (
        "MirroredStrategy" if strategy.num_replicas_in_sync > 1 else "default (one device)")
    distribution = {"strategy": kind, "replicas": strategy.num_replicas_in_sync,
                    "workers": cluster.size if cluster else 1}
    settings = {"run_suffix": "" if chief else f"-worker{cluster.index}", "verbose": verbose,
                "distribution": distribution}
    try:
        with runner.training_session(**settings) as session, strategy.scope():
            card = _run(name, scratch / name if scratch else out, epochs, seed, overrides, cluster)
    finally:
        if scratch:
            shutil.rmtree(scratch, ignore_errors=True)
    model = session.model
    if model is None and chief:  # A recipe that fits nothing itself (sentiment-bilstm-ngram stacks a shipped network).
        from seqzoo.loading import load

        model = load(out)
    return TrainingResult(name, card, out if chief else None, shipped, weights_checksum(model), cluster)


def _run(name, target, epochs, seed, overrides, cluster):
    import tensorflow as tf

    from seqzoo.recipes import run_recipe

    try:
        return run_recipe(name, out=target, epochs=epochs, seed=seed, overrides=overrides)
    except (tf.errors.UnavailableError, tf.errors.DeadlineExceededError, tf.errors.AbortedError,
            tf.errors.CancelledError, tf.errors.InternalError) as error:
        if cluster is None:
            raise
        raise WorkerLostError(
            f"worker {cluster.index} of {cluster.size}: another worker stopped answering "
            f"({_lost_detail(str(error))}). Restart every worker with the same command; "
            "training resumes from the last checkpoint."
        ) from None


def _lost_detail(message: str) -> str:
    """The useful part of TensorFlow's error: which tasks stopped, or why the collective failed."""
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    for i, line in enumerate(lines):
        if "unhealthy" in line:
            tasks = [t for t in lines[i + 1:] if t.startswith("/job:")]
            return f"no heartbeat from {', '.join(tasks) or 'a worker'}"
    for line in lines:
        if "timed out" in line.lower() or "deadline" in line.lower():
            return line.split("}}")[-1].strip()[:200]
    return (lines[0].split("}}")[-1].strip() if lines else "no reason given")[:200]


def weights_checksum(model) -> str:
    """sha256 of a model's weights, in order: equal when two models hold the same numbers."""
    digest = hashlib.sha256()
    for weight in model.get_weights() if model is not None else []:
        digest.update(weight.tobytes())
    return digest.hexdigest()


def _shipped_card(name: str) -> ModelCard | None:
    from seqzoo.errors import SeqzooError
    from seqzoo.registry import get_entry

    try:
        return get_entry(name).card
    except SeqzooError:
        return None


@contextlib.contextmanager
def _deadline(seconds: float, message: str):
    # TensorFlow waits for every worker without a limit of its own; a missing one would
    # leave this process hanging, so it ends with seqzoo's error line instead.
    def expire():
        print(f"seqzoo: error: {message}", file=sys.stderr, flush=True)
        os._exit(2)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
