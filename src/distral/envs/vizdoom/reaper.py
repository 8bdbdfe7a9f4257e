"""Engine processes end with the process that started them, even after its `kill -9`.

ViZDoom starts each engine as a child process and, when its controller dies without
calling close() (kill -9, a crash), the engine lives on (measured: three engines still
alive 10 s after their trainer's kill -9). `watch(pid)` hands each engine's pid to a
small watchdog process that reads pids on a pipe from this process; the pipe closes
when this process dies, however it dies, and the watchdog then kills the engines it
still watches. `unwatch(pid)` after a normal close.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading

_WATCHDOG = r"""
import os, signal, sys
watched = set()
for line in sys.stdin:
    pid = int(line)
    if pid > 0:
        watched.add(pid)
    else:
        watched.discard(-pid)
for pid in watched:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
"""

_lock = threading.Lock()
_watchdog: tuple[int, subprocess.Popen] | None = None  # (owner pid, process): a fork gets its own


def _send(value: int) -> None:
    global _watchdog
    with _lock:
        if _watchdog is None or _watchdog[0] != os.getpid() or _watchdog[1].poll() is not None:
            proc = subprocess.Popen([sys.executable, "-S", "-c", _WATCHDOG], stdin=subprocess.PIPE,
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True,
                                    start_new_session=True)  # not killed with our process group
            _watchdog = (os.getpid(), proc)
        stdin = _watchdog[1].stdin
        stdin.write(f"{value}\n")
        stdin.flush()


def watch(pid: int) -> None:
    """Kill `pid` when this process dies."""
    _send(int(pid))


def unwatch(pid: int) -> None:
    """`pid` has ended normally: forget it (its number may be reused)."""
    _send(-int(pid))
