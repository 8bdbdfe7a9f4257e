"""Aggregate the grid-world runs (Fig. 3 left): learning curves with confidence bands and AUC tables.

Grid world (Fig. 3 left): a run's curve is the mean over its tasks at each
evaluation; seeds are the independent replicates, so intervals are over seeds.
Algorithms are compared with the baseline paired by seed (same seed, same tasks).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from distral.analysis.inference import bootstrap_ci, normalised_auc

# `settings` below: the bootstrap settings, distral.analysis.inference.settings(params).

CURVE_METRICS = ("return", "steps_to_goal")


def seed_curves(evals: pd.DataFrame) -> pd.DataFrame:
    """Mean over tasks of each evaluation: one curve per (algo, seed)."""
    return evals.groupby(["algo", "seed", "env_steps"], as_index=False)[list(CURVE_METRICS)].mean()


def curve_summary(curves: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """Per (algo, env_steps, metric): mean over seeds and its bootstrap interval."""
    rows = []
    for (algo, steps), group in curves.groupby(["algo", "env_steps"], sort=True):
        for metric in CURVE_METRICS:
            low, high = bootstrap_ci(group[metric].to_numpy(), settings)
            rows.append({"algo": algo, "env_steps": steps, "metric": metric,
                         "mean": group[metric].mean(), "ci_low": low, "ci_high": high, "n_seeds": len(group)})
    return pd.DataFrame(rows)


def seed_aucs(curves: pd.DataFrame) -> pd.DataFrame:
    """Normalised area under each seed's curve, per metric (the curve's mean height)."""
    rows = []
    for (algo, seed), group in curves.groupby(["algo", "seed"], sort=True):
        group = group.sort_values("env_steps")
        row = {"algo": algo, "seed": seed}
        row.update({m: normalised_auc(group["env_steps"], group[m]) for m in CURVE_METRICS})
        rows.append(row)
    return pd.DataFrame(rows)


def seed_finals(curves: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Each seed's mean of each metric over the evaluations in the last `fraction` of its training
    (at least the last evaluation): where the curve converged to (Fig. 3 caption's "converges
    towards better policies")."""
    def late(group: pd.DataFrame) -> pd.Series:
        steps = group["env_steps"]
        cut = steps.max() - fraction * (steps.max() - steps.min())
        return group.loc[steps >= min(cut, steps.max()), list(CURVE_METRICS)].mean()

    return _per_seed(curves, late)


def seed_instability(curves: pd.DataFrame, fraction: float) -> pd.DataFrame:
    """Each seed's mean absolute change between consecutive evaluations of each metric, over the
    evaluations after the first `fraction` of training: how much the curve still jumps once the
    initial rise is over (Fig. 3 caption's "more stable learning"; smaller = more stable)."""
    def jumps(group: pd.DataFrame) -> pd.Series:
        steps = group["env_steps"]
        after = group[steps >= steps.min() + fraction * (steps.max() - steps.min())]
        if len(after) < 2:
            raise ValueError(f"grid world: fewer than two evaluations after the first {fraction:g} of training")
        return after[list(CURVE_METRICS)].diff().abs().mean()

    return _per_seed(curves, jumps)


def _per_seed(curves: pd.DataFrame, summary) -> pd.DataFrame:
    rows = []
    for (algo, seed), group in curves.groupby(["algo", "seed"], sort=True):
        rows.append({"algo": algo, "seed": seed, **summary(group.sort_values("env_steps")).to_dict()})
    return pd.DataFrame(rows)


def auc_table(aucs: pd.DataFrame, baseline: str, settings: dict) -> pd.DataFrame:
    """AUC of each algorithm, and of each algorithm minus `baseline` paired by seed."""
    rows = []
    for algo, group in aucs.groupby("algo", sort=True):
        for metric in CURVE_METRICS:
            rows.append(_auc_row(algo, metric, group[metric].to_numpy(), settings))
    base = aucs[aucs["algo"] == baseline]
    for algo, group in aucs[aucs["algo"] != baseline].groupby("algo", sort=True):
        paired = group.merge(base, on="seed", suffixes=("", "_base"), how="inner")
        for metric in CURVE_METRICS:
            diff = (paired[metric] - paired[f"{metric}_base"]).to_numpy()
            rows.append(_auc_row(f"{algo} - {baseline}", metric, diff, settings))
    return pd.DataFrame(rows)


def _auc_row(label: str, metric: str, values: np.ndarray, settings: dict) -> dict:
    low, high = bootstrap_ci(values, settings)
    return {"comparison": label, "metric": f"AUC {metric}", "mean": float(values.mean()),
            "ci_low": low, "ci_high": high, "n_seeds": len(values)}


def faster_verdicts(table: pd.DataFrame, baseline: str) -> dict:
    """For each algorithm: does it learn faster than the baseline? Higher return AUC and
    fewer steps to goal, both with the confidence interval of the paired difference
    excluding zero."""
    verdicts = {}
    for label in table["comparison"]:
        if not label.endswith(f" - {baseline}"):
            continue
        rows = table[table["comparison"] == label].set_index("metric")
        ret, steps = rows.loc["AUC return"], rows.loc["AUC steps_to_goal"]
        verdicts[label.split(" - ")[0]] = bool(ret["ci_low"] > 0 and steps["ci_high"] < 0)
    return verdicts
