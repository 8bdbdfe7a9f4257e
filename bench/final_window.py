"""How wide should "final" be? Per algorithm, the task policy's final score (mean over tasks of the
curve's last k bins of 20: k = 1 is the aggregation's 5 %) at several widths, its mean and its sd
over runs, from a profile's aggregated curves (results/<profile>/<suite>/curves.csv). A wider
window averages more episodes (less sampling noise) but reaches back to earlier policies (a
smaller, older effect): a protocol fixes the width before its verdict runs, from a pilot.

  .venv/bin/python bench/final_window.py results/pilot --suite mazes --bins 1 2 4
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd


def window_scores(curves: pd.DataFrame, k: int, n_bins: int = 20) -> pd.DataFrame:
    """Per (algo, hp, seed): the mean over tasks of the task policy's mean score over the last k bins."""
    task = curves[(curves["policy"] == "task") & (curves["frames"] > 0)].copy()
    task["rank"] = task.groupby(["algo", "hp", "seed", "task"])["frames"].rank(ascending=False, method="first")
    last = task[task["rank"] <= k]
    per_task = last.groupby(["algo", "hp", "seed", "task"])["score"].mean()
    return per_task.groupby(["algo", "hp", "seed"]).mean().rename(f"last {k * 100 // n_bins}%").reset_index()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("results", help="results/<profile>")
    parser.add_argument("--suite", default="mazes")
    parser.add_argument("--bins", nargs="+", type=int, default=[1, 2, 4], help="widths, in bins of 5 %%")
    args = parser.parse_args()
    curves = pd.read_csv(Path(args.results) / args.suite / "curves.csv")
    order = list(dict.fromkeys(curves["algo"]))
    table = None
    for k in args.bins:
        scores = window_scores(curves, k)
        column = scores.columns[-1]
        stats = scores.groupby(["algo", "hp"])[column].agg(["mean", "std", "size"])
        stats.columns = [f"{column} mean", f"{column} sd", "runs"]
        table = stats if table is None else table.join(stats.drop(columns="runs"))
    table = table.reset_index().sort_values("algo", key=lambda c: c.map(order.index), kind="stable")
    print(f"{args.results}/{args.suite}: the task policy's final score (mean over tasks) by window width")
    print(table.to_markdown(index=False, floatfmt=".3g"))
    pooled = {c: (table[c] ** 2).mean() ** 0.5 for c in table.columns if c.endswith(" sd")}
    print("pooled sd over algorithms: " + ", ".join(f"{c[:-3]} {v:.3g}" for c, v in pooled.items()))


if __name__ == "__main__":
    main()
