"""Draw Figure 3 (left, centre, right) from the grid-world logs of a profile.

Reads results/{profile}/gridworld/evals.csv (from aggregate-gridworld), the
distral runs' pi0.csv and the first seed's tasks.csv and map.csv (every log checked
by distral.analysis.runlogs); writes
figures/{profile}/fig3_{left,centre,right}.{png,pdf,csv}.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import aggregates, fig3, gridworld, inference, runlogs
from distral.analysis.style import save_figure
from distral.commands.common import add_common_arguments, load
from distral.sweep import gridworld_run


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser, root_help="directory that holds results/ and figures/")
    parser.add_argument("--distral-algo", default="distral", help="algorithm whose pi_0 is drawn")


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    if args.distral_algo not in params["gridworld"]["algorithms"]:
        raise ValueError(f"--distral-algo: {args.distral_algo!r} is not one of gridworld.algorithms")
    root, settings = Path(args.root), inference.settings(params)
    out = root / paths.FIGURE_DIR.format(profile=profile)
    evals = aggregates.read_gridworld_evals(root, profile)
    summary = gridworld.curve_summary(gridworld.seed_curves(evals), settings)
    save_figure(fig3.learning_curves(summary, settings["confidence"]), summary, out / "fig3_left")

    first = gridworld_run(args.distral_algo, 0)
    tasks = runlogs.read_gridworld_run(first.dir(profile, root), "tasks.csv", first.wildcards(profile))
    layout = fig3.GridMap(runlogs.read_gridworld_run(first.dir(profile, root), "map.csv", first.wildcards(profile)))
    fig, data = fig3.example_tasks(layout, list(zip(tasks["goal_row"], tasks["goal_col"])))
    save_figure(fig, data, out / "fig3_centre")

    pi0 = runlogs.read_gridworld_runs(params, profile, "pi0.csv", root, algos=[args.distral_algo])
    fig, data = fig3.corridor_policy(layout, pi0)
    save_figure(fig, data, out / "fig3_right")
    print(f"Figure 3 written to {out}/fig3_{{left,centre,right}}.{{png,pdf,csv}}")
    return 0
