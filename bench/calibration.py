"""Issue 10's measurement: does pi_0 learn, at the paper's hp grid, on the toy suite?

Runs the toy suite (2 tasks, 4 envs per task, 20x20 pixels) for the Distral algorithms and
A3C_multitask under several trainer settings (how a task's envs combine, the RMSProp
epsilon, the clipping scope) and prints, per run: the task policies' mean return in the
first and last quarter of training, pi_0's evaluation return at frame 0 and at the end,
and KL(pi_i || pi_0) in the first and last logged updates.

  python bench/calibration.py --frames 40000 --seeds 0 1 --hp ent3e-3_lr8e-4
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

SETTINGS = {  # name -> (env_reduction, epsilon, clip)
    "before (mean, eps 0.1, global clip)": ("mean", 0.1, "global"),
    "mean, eps 0.1, per-task clip": ("mean", 0.1, "per_task"),
    "sum, eps 0.1, per-task clip": ("sum", 0.1, "per_task"),
    "mean, eps 1e-5, per-task clip": ("mean", 1e-5, "per_task"),
}
ALGOS = ["KL_1col", "KL+ent_1col", "KL_2col", "KL+ent_2col", "A3C_multitask"]


def one(job):
    import torch

    from deep_helpers import toy_config
    from distral.deep.trainer import Trainer

    torch.set_num_threads(1)
    algo, setting, seed, frames, hp, out = job
    reduction, eps, clip = SETTINGS[setting]
    config = toy_config(algo, seed, frames, hp=hp, eval_every=frames // 4)
    config["deep"]["env_reduction"] = reduction
    config["deep"]["optimiser"].update(epsilon=eps, clip=clip)
    run_dir = Path(out) / f"{algo}_{setting.replace(' ', '_').replace(',', '')}_{seed}"
    Trainer(config, run_dir).run(log=lambda m: None)
    ep = pd.read_csv(run_dir / "episodes.csv")
    task = ep[ep.policy == "task"].sort_values("frames", kind="stable")
    n = len(task) // 4
    dist = ep[ep.policy == "distilled"].groupby("frames").episode_return.mean()
    diag = pd.read_csv(run_dir / "diagnostics.csv")
    kl = diag[diag.metric == "kl_pi_i_pi_0"].groupby("frames").value.mean()
    return {"algo": algo, "setting": setting, "seed": seed,
            "task_q1": task.episode_return.iloc[:n].mean(), "task_q4": task.episode_return.iloc[-n:].mean(),
            "pi0_start": dist.iloc[0] if len(dist) else np.nan, "pi0_end": dist.iloc[-1] if len(dist) else np.nan,
            "kl_start": kl.iloc[0] if len(kl) else np.nan, "kl_end": kl.iloc[-1] if len(kl) else np.nan}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=40000)
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--hp", default="ent3e-3_lr8e-4")
    parser.add_argument("--algos", nargs="+", default=ALGOS)
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS))
    parser.add_argument("--out", default="/tmp/calibration")
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()
    jobs = [(a, s, seed, args.frames, args.hp, args.out) for s in args.settings for a in args.algos for seed in args.seeds]
    with mp.get_context("spawn").Pool(args.procs) as pool:
        rows = pool.map(one, jobs, chunksize=1)
    table = pd.DataFrame(rows).groupby(["setting", "algo"], sort=False).mean(numeric_only=True).drop(columns="seed")
    print(f"toy suite, hp {args.hp}, {args.frames} frames per task, seeds {args.seeds} (means over seeds)")
    print(table.round(3).to_string())


if __name__ == "__main__":
    main()
