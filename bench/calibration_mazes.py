"""Issue 10 on mazes: pi_0's evaluation return and KL(pi_i||pi_0), old optimiser vs calibrated.

  python bench/calibration_mazes.py --algo KL_1col --frames 40000 --envs 4
Prints, per setting, the task policies' mean return by quarter, pi_0's evaluations and the
mean KL(pi_i||pi_0) at the first and last logged updates (mazes, 42x42, hp ent3e-3_lr8e-4).
"""

from __future__ import annotations

import argparse
import copy
from pathlib import Path

import pandas as pd
import torch

from distral.config import load_params
from distral.deep.trainer import Trainer, resolve_run

SETTINGS = {"before (eps 0.1, global clip)": {"epsilon": 0.1, "clip": "global", "mean_square_start": "zero"},
            "calibrated (eps 1e-5, per-task clip)": {"mean_square_start": "zero"},
            "debiased (eps 1e-5, per-task clip, mean square debiased)": {"mean_square_start": "debiased"},
            "tf (eps 1e-5, per-task clip, mean square started at 1)": {"mean_square_start": "one"}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", default="KL_1col")
    parser.add_argument("--frames", type=int, default=40000)
    parser.add_argument("--envs", type=int, default=4)
    parser.add_argument("--hp", default="ent3e-3_lr8e-4")
    parser.add_argument("--out", default="/tmp/calibration_mazes")
    parser.add_argument("--settings", nargs="+", default=list(SETTINGS), choices=list(SETTINGS))
    args = parser.parse_args()
    torch.set_num_threads(1)
    params = load_params("params.yaml")
    for name in args.settings:
        change = SETTINGS[name]
        # resolve_run shares nested dicts with params: copy before changing the optimiser
        config = copy.deepcopy(resolve_run(params, suite="mazes", algo=args.algo, hp=args.hp, seed=0,
                                           profile="default"))
        config["budget"].update(frames_per_task=args.frames, envs_per_task=args.envs,
                                eval_interval_frames=args.frames // 2, eval_episodes=4)
        config["deep"]["optimiser"].update(change)
        run_dir = Path(args.out) / f"{args.algo}_{name.split()[0]}"
        Trainer(config, run_dir).run(log=lambda m: None)
        ep = pd.read_csv(run_dir / "episodes.csv")
        task = ep[ep.policy == "task"].sort_values("frames", kind="stable")
        n = max(len(task) // 4, 1)
        quarters = [task.episode_return.iloc[k * n:(k + 1) * n].mean() for k in range(4)]
        evals = ep[ep.policy == "distilled"].groupby("frames").episode_return.mean()
        diag = pd.read_csv(run_dir / "diagnostics.csv")
        kl = diag[diag.metric == "kl_pi_i_pi_0"].groupby("frames").value.mean()
        print(f"{name}: task return by quarter {[round(q, 2) for q in quarters]}; "
              f"pi_0 evaluations {evals.round(2).to_dict()}; KL {kl.iloc[0]:.4f} -> {kl.iloc[-1]:.4f}", flush=True)


if __name__ == "__main__":
    main()
