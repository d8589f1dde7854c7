"""Which `tf.distribute` strategy a training run uses, and the cluster it belongs to.

One machine with one device: the default strategy. One machine with several GPUs:
`MirroredStrategy`. Several workers (flags or `TF_CONFIG`): `MultiWorkerMirroredStrategy`,
the synchronous all-reduce strategy; seqzoo never runs a parameter server.
"""
from __future__ import annotations

import dataclasses
import ipaddress
import json
import os
import re
import socket

from seqzoo.errors import SeqzooError

DEFAULT_PEER_TIMEOUT_S = 300
PACK_BYTES = 64 * 2**20
_ADDRESS = re.compile(r"^(?P<host>\[[0-9a-fA-F:.]+\]|[A-Za-z0-9_.-]+):(?P<port>[0-9]{1,5})$")


class ClusterError(SeqzooError, ValueError):
    """A malformed `--workers`/`--worker-index` pair or `TF_CONFIG`."""


class WorkerLostError(SeqzooError):
    """Another worker of a multi-worker run stopped answering."""


@dataclasses.dataclass(frozen=True)
class Cluster:
    """One worker's view of a multi-worker job.

    Attributes:
        workers: "host:port" of every worker, in task-index order.
        index: This worker's index in `workers`.
        chief: Whether this worker writes the preset (the chief, or worker 0 without one).
        tf_config: The `TF_CONFIG` dictionary TensorFlow reads.
    """

    workers: tuple[str, ...]
    index: int
    chief: bool
    tf_config: dict

    @property
    def size(self) -> int:
        return len(self.workers) + (1 if "chief" in self.tf_config["cluster"] else 0)


def local_workers(count: int) -> str:
    """A `--workers` value of `count` free loopback ports, for a job of several local processes.

    Example:
    >>> local_workers(2)
    '127.0.0.1:40123,127.0.0.1:40125'
    """
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:  # Bound together, so the ports differ.
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ",".join(f"127.0.0.1:{port}" for port in ports)


def parse_workers(text: str) -> list[str]:
    """Split a `--workers` value into "host:port" addresses, checking each one.

    Args:
        text: Comma-separated "HOST:PORT" items, such as "10.0.0.1:12345,10.0.0.2:12345".

    Returns:
        The addresses, in order.

    Example:
    >>> parse_workers("127.0.0.1:2222,127.0.0.1:2223")
    ['127.0.0.1:2222', '127.0.0.1:2223']
    """
    items = [item.strip() for item in str(text).split(",")]
    if not items or any(not item for item in items):
        raise ClusterError(f"--workers {text!r}: give comma-separated HOST:PORT items, such as "
                           "'10.0.0.1:12345,10.0.0.2:12345'.")
    for item in items:
        match = _ADDRESS.match(item)
        if not match or not 0 < int(match["port"]) < 65536:
            raise ClusterError(f"--workers: {item!r} is not HOST:PORT with a port in 1..65535.")
        host = match["host"].strip("[]")
        if match["host"].startswith("["):
            try:
                ipaddress.IPv6Address(host)
            except ValueError:
                raise ClusterError(f"--workers: {item!r} has a malformed IPv6 address.") from None
    if len(set(items)) != len(items):
        raise ClusterError(f"--workers {text!r} names the same address twice.")
    return items


def cluster_from_flags(workers: str | list[str], index: int | None) -> Cluster:
    """The cluster that `--workers` and `--worker-index` describe.

    Args:
        workers: The `--workers` value (or its parsed list).
        index: This worker's position in `workers`, from 0.

    Example:
    >>> cluster_from_flags("127.0.0.1:2222,127.0.0.1:2223", 1).tf_config["task"]
    {'type': 'worker', 'index': 1}
    """
    addresses = parse_workers(workers) if isinstance(workers, str) else list(workers)
    if index is None:
        raise ClusterError("--workers needs --worker-index: this worker's position in the list, from 0.")
    if not 0 <= index < len(addresses):
        raise ClusterError(f"--worker-index {index} is out of range for {len(addresses)} workers "
                           f"(use 0..{len(addresses) - 1}).")
    config = {"cluster": {"worker": addresses}, "task": {"type": "worker", "index": index}}
    return Cluster(tuple(addresses), index, index == 0, config)


def cluster_from_tf_config(text: str) -> Cluster | None:
    """The cluster in a `TF_CONFIG` value (Kubernetes / TF-operator style), or None for one worker.

    Args:
        text: The JSON of `TF_CONFIG`: {"cluster": {"worker": [...], "chief": [...]}, "task": {...}}.

    Example:
    >>> cluster_from_tf_config('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}').chief
    False
    """
    try:
        config = json.loads(text)
    except json.JSONDecodeError as error:
        raise ClusterError(f"TF_CONFIG is not valid JSON ({error}); unset it or fix it.") from None
    if not isinstance(config, dict) or not isinstance(config.get("cluster"), dict):
        raise ClusterError('TF_CONFIG must be a JSON object with a "cluster" object and a "task".')
    cluster, task = config["cluster"], config.get("task") or {}
    unsupported = set(cluster) - {"worker", "chief"}
    if unsupported:
        raise ClusterError(f"TF_CONFIG has {sorted(unsupported)} jobs; seqzoo trains with synchronous "
                           "workers only (MultiWorkerMirroredStrategy): use 'worker' and optionally 'chief'.")
    workers = cluster.get("worker") or []
    chiefs = cluster.get("chief") or []
    if not isinstance(workers, list) or not isinstance(chiefs, list) or len(chiefs) > 1:
        raise ClusterError('TF_CONFIG "cluster": "worker" must be a list, "chief" a list of one address.')
    if workers or chiefs:
        parse_workers(",".join(workers + chiefs))
    kind, index = task.get("type"), task.get("index", 0)
    members = {"worker": workers, "chief": chiefs}
    if kind not in members or not isinstance(index, int) or not 0 <= index < len(members[kind]):
        raise ClusterError(f"TF_CONFIG task {task!r} is not one of the cluster's workers or its chief.")
    if len(workers) + len(chiefs) <= 1:
        return None
    chief = kind == "chief" or (not chiefs and index == 0)
    return Cluster(tuple(workers), index, chief, config)


def resolve_cluster(workers=None, worker_index: int | None = None, environ=None) -> Cluster | None:
    """The flags' cluster when given, else the one in `TF_CONFIG`, else None (one worker).

    Example:
    >>> resolve_cluster(None, None, {}) is None
    True
    """
    environ = os.environ if environ is None else environ
    if workers:
        return cluster_from_flags(workers, worker_index)
    if worker_index is not None:
        raise ClusterError("--worker-index needs --workers (or set TF_CONFIG instead of both).")
    if environ.get("TF_CONFIG", "").strip():
        return cluster_from_tf_config(environ["TF_CONFIG"])
    return None


def make_strategy(cluster: Cluster | None, *, peer_timeout_s: float = DEFAULT_PEER_TIMEOUT_S):
    """The `tf.distribute` strategy for this process; call it before any other TensorFlow work.

    Args:
        cluster: This worker's cluster, or None for a single machine.
        peer_timeout_s: Collectives (gradient all-reduce) fail after this long without a peer.

    Example:
    >>> strategy = make_strategy(resolve_cluster())
    >>> with strategy.scope(): model = seqzoo.build("lstm", "char_lm", texts=names)
    """
    import tensorflow as tf

    if cluster is not None:
        os.environ["TF_CONFIG"] = json.dumps(cluster.tf_config)
        _patch_keras_for_multi_worker()
        # One all-reduce for all gradients rather than one per weight: on CPUs and slow links
        # each collective costs round trips between every pair of workers.
        options = tf.distribute.experimental.CommunicationOptions(
            bytes_per_pack=PACK_BYTES, timeout_seconds=peer_timeout_s)
        return tf.distribute.MultiWorkerMirroredStrategy(communication_options=options)
    if len(tf.config.list_logical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()


def _patch_keras_for_multi_worker() -> None:
    """Let Keras 3 `fit` run under `MultiWorkerMirroredStrategy` (keras-team/keras#20585).

    Two places of Keras 3.15's TensorFlow trainer fail with several workers:
    - it builds the optimizer and metrics from a first batch that it averages across
      workers with one `strategy.reduce` over the whole (x, y, weight) tuple, which the
      strategy rejects. The build only needs shapes and dtypes, so this worker's own
      slice of the batch serves, and no collective runs before training starts;
    - it averages each step's scalar logs across workers along axis 0, which a scalar
      does not have; the mean over workers (axis None) is what is meant.
    """
    import tensorflow as tf
    from keras.src.backend.tensorflow import trainer
    from keras.src.backend.tensorflow.trainer import TensorFlowTrainer

    if getattr(TensorFlowTrainer, "_seqzoo_patched", False):
        return

    def _maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self._distribute_strategy is None:
            return
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = next(batches)
                break
        strategy = self.distribute_strategy
        local = lambda v: (strategy.experimental_local_results(v)[0]  # noqa: E731
                           if isinstance(v, tf.distribute.DistributedValues) else v)
        with strategy.scope():
            self._symbolic_build(data_batch=tf.nest.map_structure(local, data_batch))

    keras_reduce = trainer.reduce_per_replica

    def reduce_per_replica(values, strategy, reduction):
        if reduction in ("auto", "mean") and trainer._collective_all_reduce_multi_worker(strategy):
            return tf.nest.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return keras_reduce(values, strategy, reduction)

    TensorFlowTrainer._maybe_symbolic_build = _maybe_symbolic_build
    trainer.reduce_per_replica = reduce_per_replica
    TensorFlowTrainer._seqzoo_patched = True
