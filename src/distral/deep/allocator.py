"""glibc's allocator, told to keep the memory of freed tensors for the next ones.

By default glibc serves every allocation above a threshold (128 KiB, raised on the fly up
to 32 MiB) with a fresh mmap and returns it to the kernel when freed, so each update's
activations, gradients and stacked weights are new pages that the kernel must zero on first
touch. Measured here on the learner at the default profile's shapes (8 tasks x 4 envs,
42x42, one thread; docs/deep.md, The learner): 20-25 % of its time. Serving those sizes
from the heap and not trimming it makes the next update reuse the same pages. Numbers do not
change (nothing reads memory it did not write); the process keeps its peak heap (measured in
bench/bench_loop.py --train-memory). On another C library this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # glibc's mallopt parameters (malloc.h)
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 1024 * 1024  # glibc's largest allowed value on 64-bit systems
TRIM_THRESHOLD = 1024 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Allocations up to 32 MiB from the heap, and the heap kept up to 1 GiB of free memory.
    Returns whether the C library took the settings (glibc: mallopt returns 1 on success)."""
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError, TypeError):
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))
