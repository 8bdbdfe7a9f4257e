"""Aggregate the grid-world runs of a profile: all evaluations, the AUC table, metrics.

Writes results/{profile}/gridworld/evals.csv, paper_tables/{profile}/fig3_auc.{csv,md,tex}
and metrics/{profile}/gridworld.json, and prints the AUC table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import gridworld, runlogs
from distral.analysis.tables import to_markdown, write_table
from distral.config import load_params
from distral.io import write_csv, write_json

CAPTION = (
    "Figure 3 (left): normalised area under the learning curve (mean over training of the "
    "task-averaged evaluation), mean over seeds with a {conf:.0%} bootstrap interval; "
    "differences are paired by seed."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file")
    parser.add_argument("--root", default=".", help="directory that holds results/")


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params, {"profile": args.profile} if args.profile else None)
    profile, analysis = params["profile"], params["gridworld"]["analysis"]
    root = Path(args.root)
    evals = runlogs.read_gridworld_runs(params, profile, "evals.csv", root)
    table = gridworld.auc_table(gridworld.seed_aucs(gridworld.seed_curves(evals)), analysis)
    verdicts = gridworld.faster_verdicts(table, analysis["baseline"])
    write_csv(evals, root / paths.SUITE_DIR.format(profile=profile, suite="gridworld") / "evals.csv")
    caption = CAPTION.format(conf=analysis["confidence"])
    write_table(table, root / paths.TABLE_DIR.format(profile=profile) / "fig3_auc", caption)
    metrics = {"fig3": {"auc": table.to_dict(orient="records"), "learns_faster_than_baseline": verdicts}}
    write_json(metrics, root / paths.METRICS_FILE.format(profile=profile, suite="gridworld"))
    print(to_markdown(table, caption))
    for algo, faster in verdicts.items():
        print(f"{algo} learns faster than {analysis['baseline']}: {'yes' if faster else 'NO'}")
    return 0
