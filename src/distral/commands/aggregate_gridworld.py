"""Aggregate the grid-world runs of a profile: all evaluations, the AUC table, metrics.

Writes results/{profile}/gridworld/evals.csv, paper_tables/{profile}/fig3_auc.{csv,md,tex}
and metrics/{profile}/gridworld.json, and prints the AUC table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import aggregates, gridworld, inference, runlogs
from distral.analysis.tables import to_markdown, write_table
from distral.commands.common import add_common_arguments, load
from distral.io import write_csv, write_json

CAPTION = (
    "Figure 3 (left): normalised area under the learning curve (mean over training of the "
    "task-averaged evaluation), mean over seeds with a {conf:.0%} bootstrap interval; "
    "differences are paired by seed."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_common_arguments(parser, root_help="directory that holds results/")


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    baseline, settings = params["gridworld"]["analysis"]["baseline"], inference.settings(params)
    root = Path(args.root)
    evals = runlogs.read_gridworld_runs(params, profile, "evals.csv", root)
    table = gridworld.auc_table(gridworld.seed_aucs(gridworld.seed_curves(evals)), baseline, settings)
    verdicts = gridworld.faster_verdicts(table, baseline)
    write_csv(evals, aggregates.gridworld_evals_file(root, profile))
    caption = CAPTION.format(conf=settings["confidence"])
    write_table(table, aggregates.fig3_auc_file(root, profile).with_suffix(""), caption)
    metrics = {"fig3": {"auc": table.to_dict(orient="records"), "learns_faster_than_baseline": verdicts}}
    write_json(metrics, root / paths.METRICS_FILE.format(profile=profile, suite="gridworld"))
    print(to_markdown(table, caption))
    for algo, faster in verdicts.items():
        print(f"{algo} learns faster than {baseline}: {'yes' if faster else 'NO'}")
    return 0
