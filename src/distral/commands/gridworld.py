"""Train one grid-world run (Sec. 4.1): all tasks of one seed with one algorithm.

Writes evals.csv, episodes.csv, pi0.csv, tasks.csv, map.csv and meta.json to
results/{profile}/gridworld/{algo}/appB1/{seed}/ (paths.RUN_DIR).
"""

from __future__ import annotations

import argparse
import time

from distral import io
from distral.commands.common import add_common_arguments, load
from distral.config import profile_budget
from distral.sweep import gridworld_run
from distral.tabular.logs import write_run
from distral.tabular.soft_q import run_gridworld


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--algo", required=True, help="a key of gridworld.algorithms in params.yaml")
    parser.add_argument("--seed", required=True, type=int, help="run seed (>= 0)")
    add_common_arguments(parser, root_help="directory that holds results/")


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    gw, budget = params["gridworld"], profile_budget(params, "gridworld")
    this = gridworld_run(args.algo, args.seed)
    out = this.dir(profile, args.root)
    io.check_writable(out)  # before the run: a read-only directory fails at once, not after it
    start = time.perf_counter()
    result = run_gridworld(gw, budget, args.algo, args.seed)
    seconds = time.perf_counter() - start
    write_run(out, result, gw, this.wildcards(profile), {"gridworld": gw, "budget": budget})
    steps = result.env_steps_per_task * len(result.goals)
    print(f"gridworld {args.algo} seed {args.seed}: {steps} training steps in {seconds:.1f} s "
          f"({steps / seconds:,.0f} steps/s, evaluation included) -> {out}")
    return 0
