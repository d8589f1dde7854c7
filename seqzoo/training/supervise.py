"""`seqzoo train` with several workers: the worker runs in a child process that this one can end.

Inside TensorFlow's collective setup and all-reduce, a worker waits in native code, where
Python timers and signal handlers do not run, and TensorFlow catches SIGTERM for its own
preemption handling. So the command that the user started stays plain Python: it meets
the peers (`rendezvous.wait_for_peers`), starts the worker as a child, and

- ends the child when the workers have not all connected by the deadline (exit 2), or when
  the child, once connected, has not beaten its heart for the peer timeout (a native call
  holding Python's lock for that long; exit 2);
- on SIGTERM or SIGINT, kills the child at once (it may be blocked in a collective, and
  TensorFlow's own SIGTERM handler does not stop it), then exits 143 or 130. Backups and
  presets are swapped in whole (`recipes.runner`, `_atomic`), so the last checkpoint stays.

Example:
>>> run_supervised(["train", "names-lstm", "--workers", "h1:2222,h2:2222", "--worker-index", "0"],
...                cluster, peer_timeout_s=300)
"""
from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from seqzoo.training.distribute import ClusterError
from seqzoo.training.rendezvous import wait_for_peers

STARTUP_S = 120.0  # Importing TensorFlow and reading the data, before the peer deadline starts.
CONNECTED = "connected"
HEARTBEAT_S = 1.0
MIN_SILENCE_S = 60.0  # A heart that stops for less is a busy machine, not a blocked worker.


def run_supervised(argv: list[str], cluster, *, peer_timeout_s: float) -> int:
    """Meet the peers, then run `seqzoo ARGV --worker-stage-file F` as a child; its exit status.

    Args:
        argv: The `seqzoo` arguments of the worker (the same `train` command).
        cluster: This worker's cluster.
        peer_timeout_s: The deadline for the peers, first at the rendezvous, then for
            TensorFlow's own connection.

    Raises:
        ClusterError: A peer did not answer, or TensorFlow did not connect the workers in time.
    """
    wait_for_peers(cluster, peer_timeout_s)
    received = []

    def stop(signum, frame):
        received.append(signum)

    with tempfile.TemporaryDirectory(prefix="seqzoo-worker-") as tmp, _handling(stop):
        stage = Path(tmp) / "stage"
        child = subprocess.Popen([sys.executable, "-m", "seqzoo.cli", *argv, "--worker-stage-file", str(stage)],
                                 preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
        deadline = time.monotonic() + STARTUP_S + peer_timeout_s
        while True:
            code = child.poll()
            if code is not None:
                return code if code >= 0 else 128 - code
            if received:
                return _interrupt(child, received[0])
            connected = _connected(stage)
            if time.monotonic() > deadline and not connected:
                _end(child)
                raise ClusterError(
                    f"the workers did not all connect within {peer_timeout_s:g} s (TensorFlow's setup, after "
                    "every peer had answered); restart every worker with the same command, or raise --peer-timeout."
                )
            if connected and time.time() - _beat(stage) > max(peer_timeout_s, MIN_SILENCE_S):
                _end(child)
                raise ClusterError(
                    f"the worker stopped responding for {max(peer_timeout_s, MIN_SILENCE_S):g} s (blocked inside "
                    "TensorFlow, likely waiting for another worker); restart every worker with the same command: "
                    "training resumes from the last checkpoint."
                )
            time.sleep(0.05)


def mark_connected(stage_file: str | os.PathLike | None) -> None:
    """Tell the supervising process that TensorFlow connected the workers (the child's side).

    A thread then touches the file every `HEARTBEAT_S`: it stops only when the whole
    process does (or a native call holds Python's lock), which the supervisor notices.
    """
    if not stage_file:
        return
    path = Path(stage_file)
    path.write_text(CONNECTED)

    def beat():
        while True:
            time.sleep(HEARTBEAT_S)
            with contextlib.suppress(OSError):
                os.utime(path)

    threading.Thread(target=beat, name="seqzoo-heartbeat", daemon=True).start()


def _beat(stage: Path) -> float:
    with contextlib.suppress(OSError):
        return stage.stat().st_mtime
    return 0.0


def _connected(stage: Path) -> bool:
    with contextlib.suppress(OSError):
        return stage.read_text() == CONNECTED
    return False


def _interrupt(child: subprocess.Popen, signum: int) -> int:
    _end(child)  # Whatever it was doing, the last backup on disk is whole.
    print(f"seqzoo: stopped by signal {signal.Signals(signum).name}; run the same command again to resume "
          "from the last checkpoint.", file=sys.stderr, flush=True)
    return 128 + signum


def _end(child: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        child.kill()
    child.wait()


@contextlib.contextmanager
def _handling(handler):
    previous = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for s, old in previous.items():
            signal.signal(s, old)


def _die_with_parent() -> None:
    # In the child, before exec: the kernel kills it if this process dies (even by SIGKILL).
    import ctypes

    with contextlib.suppress(Exception):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
