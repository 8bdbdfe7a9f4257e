"""Draw Figure 3 (left, centre, right) from the grid-world logs of a profile.

Reads results/{profile}/gridworld/evals.csv (from aggregate-gridworld), the
distral runs' pi0.csv and the first seed's tasks.csv and map.csv (every log checked
by distral.analysis.runlogs); writes
figures/{profile}/fig3_{left,centre,right}.{png,pdf,csv}.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from distral import paths
from distral.analysis import fig3, gridworld, runlogs
from distral.config import load_params


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file")
    parser.add_argument("--root", default=".", help="directory that holds results/ and figures/")
    parser.add_argument("--distral-algo", default="distral", help="algorithm whose pi_0 is drawn")


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params, {"profile": args.profile} if args.profile else None)
    profile, gw = params["profile"], params["gridworld"]
    if args.distral_algo not in gw["algorithms"]:
        raise ValueError(f"--distral-algo: {args.distral_algo!r} is not one of gridworld.algorithms")
    root, analysis = Path(args.root), gw["analysis"]
    out = root / paths.FIGURE_DIR.format(profile=profile)
    evals = pd.read_csv(root / paths.SUITE_DIR.format(profile=profile, suite="gridworld") / "evals.csv")
    summary = gridworld.curve_summary(gridworld.seed_curves(evals), analysis)
    fig3.save_figure(fig3.learning_curves(summary, analysis["confidence"]), summary, out / "fig3_left")

    first = paths.run_dir(profile, "gridworld", args.distral_algo, paths.GRIDWORLD_HP, 0, root)
    wildcards = {"profile": profile, "suite": "gridworld", "algo": args.distral_algo, "hp": paths.GRIDWORLD_HP,
                 "seed": 0}
    tasks = runlogs.read_gridworld_run(first, "tasks.csv", wildcards)
    layout = fig3.GridMap(runlogs.read_gridworld_run(first, "map.csv", wildcards))
    fig, data = fig3.example_tasks(layout, list(zip(tasks["goal_row"], tasks["goal_col"])))
    fig3.save_figure(fig, data, out / "fig3_centre")

    pi0 = runlogs.read_gridworld_runs(params, profile, "pi0.csv", root, algos=[args.distral_algo])
    fig, data = fig3.corridor_policy(layout, pi0)
    fig3.save_figure(fig, data, out / "fig3_right")
    print(f"Figure 3 written to {out}/fig3_{{left,centre,right}}.{{png,pdf,csv}}")
    return 0
