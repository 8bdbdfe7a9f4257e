"""Does bf16 autocast change learning? The learning test's toy runs in fp32 and in bf16, side by side.

For each of the seven algorithms and seeds 0-2 (the configuration of
tests/test_train_learning.py), prints the mean return of the first and last quarter of
the training episodes in fp32 and in bf16, and the mean over seeds of the last-quarter
return. Takes a few minutes on 2 cores.

    .venv/bin/python bench/bf16_learning.py [--seeds 3] [--processes 2]
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the learning test's configuration

ALGOS = ["A3C", "A3C_multitask", "A3C_2col", "KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col"]


def run(job):
    import tempfile

    import torch

    from deep_helpers import quarters, toy_config
    from distral.deep.trainer import Trainer

    torch.set_num_threads(1)
    algo, seed, precision, frames, lr = job
    config = toy_config(algo, seed, frames, learning_rate=lr)
    config["budget"]["precision"] = precision
    with tempfile.TemporaryDirectory() as tmp:
        Trainer(config, Path(tmp) / "run").run(log=lambda m: None)
        q = quarters((Path(tmp) / "run" / "episodes.csv").read_text())
    return algo, seed, precision, q


def main() -> int:
    import numpy as np

    from test_train_learning import FRAMES, LEARNING_RATE

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    jobs = [(a, s, p, FRAMES, LEARNING_RATE) for a in ALGOS for s in range(args.seeds) for p in ("fp32", "bf16")]
    with mp.get_context("spawn").Pool(args.processes) as pool:
        results = pool.map(run, jobs, chunksize=1)
    table = {(a, s, p): q for a, s, p, q in results}
    print(f"toy suite, {FRAMES} frames per task, lr {LEARNING_RATE}; mean return in first -> last quarter")
    print(f"{'algorithm':14} {'seed':>4} {'fp32':>15} {'bf16':>15}")
    for a in ALGOS:
        for s in range(args.seeds):
            f, b = table[(a, s, "fp32")], table[(a, s, "bf16")]
            print(f"{a:14} {s:>4} {f[0]:>6.3f} -> {f[3]:.3f} {b[0]:>6.3f} -> {b[3]:.3f}")
        lf = np.mean([table[(a, s, "fp32")][3] for s in range(args.seeds)])
        lb = np.mean([table[(a, s, "bf16")][3] for s in range(args.seeds)])
        print(f"{a:14} mean last quarter: fp32 {lf:.3f}  bf16 {lb:.3f}  difference {lb - lf:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
