"""The one seeding function. Every random stream is derived from the run seed.

`derive_seed(run_seed, "task", 3)` gives an independent, reproducible integer seed
for a named sub-stream, so adding a stream never shifts the numbers of another.
"""

from __future__ import annotations

import random

import numpy as np


def derive_seed(run_seed: int, *keys: str | int) -> int:
    """A 32-bit seed for the sub-stream named by `keys`, independent of the others."""
    words = [int(run_seed)] + [_word(k) for k in keys]
    return int(np.random.SeedSequence(words).generate_state(1)[0])


def _word(key: str | int) -> int:
    if isinstance(key, int):
        return key
    # A stable hash of the name (Python's hash() is salted per process).
    return int.from_bytes(key.encode("utf-8"), "little") % (2**63)


def rng(run_seed: int, *keys: str | int) -> np.random.Generator:
    """A NumPy generator for the named sub-stream of `run_seed`."""
    return np.random.default_rng(derive_seed(run_seed, *keys))


def seed_everything(run_seed: int) -> None:
    """Seed Python, NumPy's legacy global state and torch (if imported) for one run."""
    random.seed(run_seed)
    np.random.seed(derive_seed(run_seed, "numpy-global"))
    try:
        import torch
    except ImportError:  # the tabular code does not need torch
        return
    torch.manual_seed(derive_seed(run_seed, "torch"))
