"""Is a curve's high first bin learned? Trains the same runs for their first `--waves` waves of
episodes (one episode per env each) twice, with the run's learning rate and with a learning rate
of 0 (the initial network acting in the training envs, nothing learned), and prints the mean
return per task and wave of both. Equal numbers: the first bin is the envs or the initial network;
the learning rate's higher: what the runs learned within their first episodes.

  .venv/bin/python bench/early_learning.py --suite navigation --profile reference --seeds 16 --workers 2
"""

from __future__ import annotations

import argparse
import copy
import tempfile
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import torch

from distral.config import load_params
from distral.deep.trainer import Trainer, resolve_run


def first_waves(params, args, seed: int, lr_scale: float, out: Path) -> pd.DataFrame:
    torch.set_num_threads(1)
    config = copy.deepcopy(resolve_run(params, suite=args.suite, algo=args.algo, hp=args.hp,
                                       seed=seed, profile=args.profile))
    budget = config["budget"]
    frames = args.waves * budget["envs_per_task"] * budget["episode_frames"]
    budget.update(frames_per_task=frames, eval_interval_frames=10 * frames)
    config["hp_values"]["learning_rate"] *= lr_scale
    run_dir = out / f"s{seed}_lr{lr_scale:g}"
    Trainer(config, run_dir).run(log=lambda m: None)
    episodes = pd.read_csv(run_dir / "episodes.csv")
    episodes = episodes[episodes.policy == "task"].copy()
    wave_frames = budget["envs_per_task"] * budget["episode_frames"]
    episodes["wave"] = (episodes.frames - 1) // wave_frames
    return episodes.assign(seed=seed, learning_rate="run's" if lr_scale else "0")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="navigation")
    parser.add_argument("--algo", default="A3C")
    parser.add_argument("--hp", default="ent1e-3_lr8e-4")
    parser.add_argument("--profile", default="reference")
    parser.add_argument("--seeds", type=int, default=8)
    parser.add_argument("--first-seed", type=int, default=1000,
                        help="run seeds from here (default: seeds no profile trains with; 0: the reference's)")
    parser.add_argument("--workers", type=int, default=1, help="runs side by side (one core each)")
    parser.add_argument("--waves", type=int, default=2)
    args = parser.parse_args()
    params = load_params("params.yaml", {"profile": args.profile})
    jobs = [(seed, scale) for seed in range(args.first_seed, args.first_seed + args.seeds) for scale in (1.0, 0.0)]
    with tempfile.TemporaryDirectory() as tmp, ProcessPoolExecutor(args.workers) as pool:
        d = pd.concat(pool.map(first_waves, *zip(*[(params, args, seed, scale, Path(tmp)) for seed, scale in jobs])))
    table = d.groupby(["wave", "learning_rate", "task"]).episode_return.mean().unstack("task")
    table["mean over tasks"] = table.mean(axis=1)
    per_seed = d.groupby(["wave", "learning_rate", "seed"]).episode_return.mean().unstack("learning_rate")
    print(f"{args.suite} {args.algo} {args.hp} at {args.profile}: {args.seeds} seeds, "
          f"{d.groupby(['wave', 'learning_rate']).size().iloc[0]} episodes per wave and learning rate")
    print(table.round(2).to_string())
    diff = (per_seed["run's"] - per_seed["0"]).groupby("wave")
    print("learned minus not learned, per seed (mean, sd):")
    print(pd.DataFrame({"mean": diff.mean(), "sd": diff.std()}).round(2).to_string())


if __name__ == "__main__":
    main()
