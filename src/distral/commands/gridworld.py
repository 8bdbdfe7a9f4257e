"""Train one grid-world run (Sec. 4.1): all tasks of one seed with one algorithm.

Writes evals.csv, episodes.csv, pi0.csv, tasks.csv, map.csv and meta.json to
results/{profile}/gridworld/{algo}/appB1/{seed}/ (paths.RUN_DIR).
"""

from __future__ import annotations

import argparse
import time

from distral import paths
from distral.config import load_params, profile_budget
from distral.tabular.logs import write_run
from distral.tabular.soft_q import run_gridworld


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--algo", required=True, help="a key of gridworld.algorithms in params.yaml")
    parser.add_argument("--seed", required=True, type=int, help="run seed (>= 0)")
    parser.add_argument("--profile", help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file")
    parser.add_argument("--root", default=".", help="directory that holds results/")


def run(args: argparse.Namespace) -> int:
    overrides = {"profile": args.profile} if args.profile else None
    params = load_params(args.params, overrides)
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    gw, budget = params["gridworld"], profile_budget(params, "gridworld")
    out = paths.run_dir(params["profile"], "gridworld", args.algo, paths.GRIDWORLD_HP, args.seed, args.root)
    start = time.perf_counter()
    result = run_gridworld(gw, budget, args.algo, args.seed)
    seconds = time.perf_counter() - start
    wildcards = {"profile": params["profile"], "suite": "gridworld", "algo": args.algo,
                 "hp": paths.GRIDWORLD_HP, "seed": args.seed}
    write_run(out, result, gw, wildcards, {"gridworld": gw, "budget": budget})
    steps = result.env_steps_per_task * len(result.goals)
    print(f"gridworld {args.algo} seed {args.seed}: {steps} training steps in {seconds:.1f} s "
          f"({steps / seconds:,.0f} steps/s, evaluation included) -> {out}")
    return 0
