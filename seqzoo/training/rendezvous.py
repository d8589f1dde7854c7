"""Meet every worker of a job over plain sockets before TensorFlow's collective setup starts.

TensorFlow's `MultiWorkerMirroredStrategy` waits for missing workers inside native code,
with no limit of its own, where neither a Python timer nor a signal handler runs. So each
worker first listens on its own address (that address only) and connects to every other
one, with the `--peer-timeout` deadline kept in Python. A worker leaves the rendezvous when
it has reached every peer and every peer has reached it; a peer that never answers is
named in a `ClusterError` before TensorFlow is asked for anything.

Example:
>>> wait_for_peers(resolve_cluster("10.0.0.1:12345,10.0.0.2:12345", 0), timeout_s=300)
"""
from __future__ import annotations

import selectors
import socket
import time

from seqzoo.training.distribute import Cluster, ClusterError

HELLO = b"seqzoo-rendezvous"
RETRY_S = 0.2


def members(cluster: Cluster) -> tuple[tuple[str, str], list[tuple[str, str]]]:
    """(this task's (name, address), the other tasks' (name, address)), such as ("worker 1", "h:1").

    Example:
    >>> members(resolve_cluster("127.0.0.1:2222,127.0.0.1:2223", 0))
    (('worker 0', '127.0.0.1:2222'), [('worker 1', '127.0.0.1:2223')])
    """
    spec, task = cluster.tf_config["cluster"], cluster.tf_config["task"]
    everyone = [(f"{job} {i}", address) for job in ("chief", "worker") for i, address in enumerate(spec.get(job, []))]
    me = f"{task['type']} {task.get('index', 0)}"
    return next(m for m in everyone if m[0] == me), [m for m in everyone if m[0] != me]


def split_address(address: str) -> tuple[str, int]:
    """("host", port) of "host:port" or "[v6]:port".

    Example:
    >>> split_address("[::1]:2222")
    ('::1', 2222)
    """
    host, _, port = address.rpartition(":")
    return host.strip("[]"), int(port)


def wait_for_peers(cluster: Cluster, timeout_s: float) -> None:
    """Return once this worker and every peer have reached each other; else raise `ClusterError`.

    Args:
        cluster: This worker's cluster.
        timeout_s: Seconds to wait for the others.

    Raises:
        ClusterError: A peer did not answer in time (named, with its address), or this
            worker's own address cannot be listened on.
    """
    (me, address), peers = members(cluster)
    listener = _listen(address, me)
    deadline = time.monotonic() + timeout_s
    reached, heard, names = set(), set(), {name for name, _ in peers}
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    try:
        while True:
            for name, peer in peers:
                if name not in reached and _greet(peer, me, deadline):
                    reached.add(name)
            if len(reached) == len(peers) and len(heard) == len(peers):
                return
            if time.monotonic() >= deadline:
                break
            for _ in selector.select(timeout=RETRY_S):
                name = _answer(listener)
                if name in names:
                    heard.add(name)
    finally:
        selector.close()
        listener.close()
    missing = [f"{name} ({peer})" for name, peer in peers if name not in reached or name not in heard]
    raise ClusterError(
        f"{me} ({address}): {', '.join(missing)} did not answer within {timeout_s:g} s. Start every "
        "worker with the same --workers list and its own --worker-index, check the addresses and "
        "that the ports are open between the machines, or raise --peer-timeout."
    )


def _listen(address: str, me: str) -> socket.socket:
    host, port = split_address(address)
    try:
        family, kind, proto, _, where = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        listener = socket.socket(family, kind, proto)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # TensorFlow binds it next.
        listener.bind(where)  # This address only, not every interface.
    except OSError as error:
        raise ClusterError(f"{me} cannot listen on {address} ({error.strerror or error}): is it "
                           "this machine's address, and is the port free?") from None
    listener.listen(16)
    listener.setblocking(False)
    return listener


def _greet(peer: str, me: str, deadline: float) -> bool:
    """Whether `peer` answered a hello (it is in its rendezvous, or already past it)."""
    host, port = split_address(peer)
    wait = max(0.05, min(1.0, deadline - time.monotonic()))
    try:
        with socket.create_connection((host, port), timeout=wait) as connection:
            connection.sendall(HELLO + b" " + me.encode() + b"\n")
            return connection.recv(64).startswith(HELLO)
    except OSError:
        return False


def _answer(listener: socket.socket) -> str | None:
    """The name in one waiting peer's hello, answered; None for anything else."""
    try:
        connection, _ = listener.accept()
    except OSError:
        return None
    with connection:
        connection.settimeout(1.0)
        try:
            line = connection.recv(128)
            if not line.startswith(HELLO + b" "):
                return None
            connection.sendall(HELLO + b" ok\n")
        except OSError:
            return None
    return line[len(HELLO) + 1:].decode("ascii", "replace").strip()
