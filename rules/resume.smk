# Resuming after a crash. Snakemake locks the working directory while it runs; a kill -9
# (or a power loss) leaves the lock behind and the next start stops with a LockException.
# The main process records who holds the lock (host, pid, process start time); a later
# start on the same host removes the lock only when that process is gone. A live holder,
# another host (a cluster job on a shared file system) or an unknown holder keep it.

import os
import socket

import psutil

LOCK_DIR = Path(".snakemake/locks")
LOCK_OWNER = Path(".snakemake/distral_lock_owner.json")


def process_start(pid):
    """The start time of process `pid` (None if there is none), so a recycled pid is not
    taken for the process that held the lock."""
    try:
        return psutil.Process(int(pid)).create_time()
    except (psutil.Error, TypeError, ValueError):
        return None


def remove_stale_lock():
    locks = list(LOCK_DIR.glob("*.lock")) if LOCK_DIR.is_dir() else []
    if not locks or not LOCK_OWNER.is_file():
        return
    try:
        owner = json.loads(LOCK_OWNER.read_text())
    except ValueError:
        return
    newest_lock = max(p.stat().st_mtime for p in locks)
    if (
        owner.get("host") != socket.gethostname()
        or LOCK_OWNER.stat().st_mtime < newest_lock  # the lock is newer than its record
        or process_start(owner.get("pid")) == owner.get("start")
    ):
        return
    for path in locks:
        path.unlink(missing_ok=True)
    print(
        f"distral: removed the lock left by Snakemake process {owner['pid']}, which is no "
        "longer running; incomplete jobs are rerun (profiles/default).",
        file=sys.stderr,
    )


remove_stale_lock()


onstart:
    LOCK_OWNER.parent.mkdir(exist_ok=True)
    pid = os.getpid()
    record = {"host": socket.gethostname(), "pid": pid, "start": process_start(pid)}
    LOCK_OWNER.write_text(json.dumps(record))
