"""Aggregate the deep runs of one 3D suite of a profile (Sec. 4.2, App. B.2).

Reads every run of distral.sweep.deep_runs(params, profile, suite), checks each log
(distral.analysis.runlogs: a bad one stops everything, naming its path, before any
file is written), and its random-policy reference (random_policy.csv, from `python -m distral random-policy`),
and writes results/{profile}/{suite}/{runs,curves,selection,normaliser,random}.csv,
metrics/{profile}/{suite}.json and manifest.json (the checksums of the logs read and of the files
written), all or none: a failure leaves the previous ones in place. Definitions:
distral.analysis.deep and docs/analysis.md.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from distral import paths
from distral.analysis import deep, runlogs
from distral.analysis.aggregates import AGGREGATES, aggregate_file, manifest, manifest_file
from distral.commands.common import add_common_arguments, check_suite, load
from distral.config import profile_budget
from distral.io import staged, write_csv, write_json
from distral.sweep import deep_runs, frames_per_task


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True, help="a 3D suite of params.yaml `suites` (e.g. mazes)")
    add_common_arguments(parser)


def final_fraction(params: dict) -> float:
    """The share of the budget whose curve the task policy's `final` averages (params.yaml
    analysis.final_fraction; the aggregation's 5 % when absent)."""
    return float(params["analysis"].get("final_fraction", deep.FINAL_FRACTION))


def run(args: argparse.Namespace) -> int:
    params, profile = load(args)
    check_suite(params, args.suite, args.params)
    budget = profile_budget(params, "deep", profile)
    runs = deep_runs(params, profile, args.suite)
    episodes, infos = runlogs.read_deep_runs(runs, profile, args.root)
    tasks = list(infos["tasks"].iloc[0]) if len(infos) else []
    suite_dir = Path(args.root) / paths.SUITE_DIR.format(profile=profile, suite=args.suite)
    random = runlogs.read_random_policy(suite_dir, {"profile": profile, "suite": args.suite}, tasks,
                                        int(budget["random_episodes"]))
    tables = deep.aggregate_suite(episodes, infos, args.suite, frames_per_task(budget, args.suite, profile),
                                  list(budget["hps"]), normalise=deep.normalises(args.suite, params),
                                  final_fraction=final_fraction(params))
    tables["random"] = deep.random_table(random, tables["normaliser"])
    metrics = {"suite": args.suite, "profile": profile, "n_bins": deep.N_BINS, "final_fraction": final_fraction(params),
               "algorithms": deep.suite_metrics(tables["runs"], tables["selection"]),
               "random_policy": {"score": deep.finite_or_none(deep.random_score(tables["random"])),
                                 "n_episodes_per_task": int(budget["random_episodes"])}}
    logs = [run.dir(profile, args.root) / name for run in runs for name in ("meta.json", "episodes.csv")]
    logs += [suite_dir / "random_policy.csv", suite_dir / "random_policy.json"]
    with staged() as stage:
        written = {}
        for name in AGGREGATES:
            path = aggregate_file(args.root, profile, args.suite, name)
            write_csv(tables[name], written.setdefault(path, stage(path)))
        path = Path(args.root) / paths.METRICS_FILE.format(profile=profile, suite=args.suite)
        write_json(metrics, written.setdefault(path, stage(path)))
        write_json(manifest(args.root, "aggregate-deep", logs, written),
                   stage(manifest_file(args.root, profile, args.suite)))
    print(summary(tables, args.suite, profile, len(runs)))
    return 0


def summary(tables: dict, suite: str, profile: str, n_runs: int) -> str:
    runs, selection = tables["runs"], tables["selection"]
    lines = [f"{suite} ({profile}): {n_runs} runs checked and aggregated; best hp per algorithm by mean AUC score:"]
    for row in selection.itertuples(index=False):
        chosen = runs[(runs["algo"] == row.algo) & (runs["policy"] == row.policy) & (runs["hp"] == row.hp)]
        n_div = int((chosen.drop_duplicates(["seed"])["status"] == "diverged").sum())
        lines.append(f"  {row.algo:14s} {row.policy:9s} {row.hp:16s} auc_score {row.criterion:.4g} "
                     f"final_score {chosen['final_score'].mean():.4g} ({row.n_runs} runs, {n_div} diverged)")
    lines.append(f"  random policy (task-averaged score) {deep.random_score(tables['random']):.4g}")
    return "\n".join(lines)
