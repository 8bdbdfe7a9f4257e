"""Does one deep run learn at a laptop budget? Per task, the mean training return by quarter
of the run's episodes, and the whole run's first-to-last-quarter change, for choosing the
default profile's budgets (params.yaml). A killed probe resumes from its checkpoint.

  python bench/learning_probe.py --suite mazes --algo A3C --frames 320000 --envs 16
"""

from __future__ import annotations

import argparse
import copy
import time
from pathlib import Path

import pandas as pd
import torch

from distral.config import load_params
from distral.deep.trainer import Trainer, resolve_run


def quarters(returns: pd.Series) -> list[float]:
    n = max(len(returns) // 4, 1)
    return [float(returns.iloc[k * n:(k + 1) * n].mean()) for k in range(4)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="mazes")
    parser.add_argument("--algo", default="A3C")
    parser.add_argument("--hp", default="ent1e-3_lr8e-4")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=320000, help="env frames per task")
    parser.add_argument("--envs", type=int, default=16, help="envs per task")
    parser.add_argument("--resolution", type=int, default=42)
    parser.add_argument("--episode-frames", type=int, default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--precision", choices=["fp32", "bf16"], default="fp32")
    parser.add_argument("--out", default="/tmp/learning_probe")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    params = load_params("params.yaml")
    config = copy.deepcopy(resolve_run(params, suite=args.suite, algo=args.algo, hp=args.hp, seed=args.seed,
                                       profile="default"))
    config["budget"].update(frames_per_task=args.frames, envs_per_task=args.envs, resolution=args.resolution,
                            eval_interval_frames=args.frames, checkpoint_interval_updates=10,
                            precision=args.precision)
    if args.episode_frames:
        config["budget"]["episode_frames"] = args.episode_frames
    name = (f"{args.suite}_{args.algo}_{args.hp}_s{args.seed}_f{args.frames}_e{args.envs}_r{args.resolution}"
            f"_{args.precision}")
    run_dir = Path(args.out) / name
    start = time.time()
    Trainer(config, run_dir).run(log=lambda m: print(m, flush=True))
    episodes = pd.read_csv(run_dir / "episodes.csv")
    task = episodes[episodes.policy == "task"].sort_values("frames", kind="stable")
    print(f"{name}: {time.time() - start:.0f} s")
    per_task = []
    for t, rows in task.groupby("task", sort=False):
        per_task.append(quarters(rows.episode_return))
        print(f"  {t:20s} episodes {len(rows):4d}  return by quarter " + " ".join(f"{x:6.2f}" for x in per_task[-1]))
    first, last = (sum(q[k] for q in per_task) / len(per_task) for k in (0, 3))
    print(f"  mean over tasks: first quarter {first:.2f} -> last quarter {last:.2f} ({last - first:+.2f})")


if __name__ == "__main__":
    main()
