"""Aggregate the grid-world runs of a profile: all evaluations, the AUC table, metrics.

Checks every run's evals.csv and episodes.csv (distral.analysis.runlogs), then writes
results/{profile}/gridworld/evals.csv, paper_tables/{profile}/fig3_auc.{csv,md,tex},
metrics/{profile}/gridworld.json and results/{profile}/gridworld/manifest.json (the checksums of
the logs read and of the files written), all or none, and prints the AUC table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import aggregates, gridworld, inference, runlogs
from distral.analysis.tables import to_latex, to_markdown
from distral.commands.common import add_common_arguments, load
from distral.io import staged, write_csv, write_json, write_text
from distral.sweep import gridworld_runs

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
    runlogs.read_gridworld_runs(params, profile, "episodes.csv", root)  # checked, not aggregated
    table = gridworld.auc_table(gridworld.seed_aucs(gridworld.seed_curves(evals)), baseline, settings)
    verdicts = gridworld.faster_verdicts(table, baseline)
    caption = CAPTION.format(conf=settings["confidence"])
    metrics = {"fig3": {"auc": table.to_dict(orient="records"), "learns_faster_than_baseline": verdicts}}
    logs = [run.dir(profile, root) / name for run in gridworld_runs(params, profile)
            for name in ("meta.json", "evals.csv", "episodes.csv")]
    with staged() as stage:
        written = {}

        def out(path: Path) -> Path:
            return written.setdefault(path, stage(path))

        write_csv(evals, out(aggregates.gridworld_evals_file(root, profile)))
        auc = aggregates.fig3_auc_file(root, profile)
        write_csv(table, out(auc))  # the three of tables.write_table, staged with the rest
        write_text(to_markdown(table, caption), out(auc.with_suffix(".md")))
        write_text(to_latex(table, caption), out(auc.with_suffix(".tex")))
        write_json(metrics, out(root / paths.METRICS_FILE.format(profile=profile, suite="gridworld")))
        write_json(aggregates.manifest(root, "aggregate-gridworld", logs, written),
                   stage(aggregates.manifest_file(root, profile, "gridworld")))
    print(to_markdown(table, caption))
    for algo, faster in verdicts.items():
        print(f"{algo} learns faster than {baseline}: {'yes' if faster else 'NO'}")
    return 0
