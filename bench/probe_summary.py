"""Before/after summary of a results tree's deep runs: did the task policies and pi_0 learn, and how
far are they apart? Per algorithm, hp and seed (results/<profile>/<suite>/<algo>/<hp>/<seed>/):

  task Q1, Q4   mean training return of the task policies in the first and last quarter of the
                run's episodes (per task, as bench/learning_probe.py splits them, then the mean over tasks)
  pi_0 first, last   mean evaluation return of pi_0 (the distilled policy; A3C_multitask's common
                policy) over all tasks and episodes at the first and last evaluation point, with
                the frames per task of each ("-" for an algorithm without one)
  KL Q1, Q4     mean of diagnostics.csv's kl_pi_i_pi_0 (KL(pi_i || pi_0) per state over a rollout,
                logged every `diagnostics_interval_updates` updates per task), over tasks at each
                logged point, then over the first and last quarter of those points ("-" when the
                run logs no KL: A3C has no pi_0; A3C_multitask's is 0 by construction, its pi_i is pi_0)

    .venv/bin/python bench/probe_summary.py /work/new/results/default --suite mazes
    .venv/bin/python bench/probe_summary.py results/default --algos A3C_multitask,KL_2col
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from learning_probe import quarters  # noqa: E402  (the probe's quarters, not a restatement)

EPISODES, DIAGNOSTICS = "episodes.csv", "diagnostics.csv"
KL_METRIC = "kl_pi_i_pi_0"


def run_dirs(root: Path, suite: str, algos: list[str] | None) -> list[tuple[str, str, str, Path]]:
    """(algo, hp, seed, directory) of every run directory holding an episodes.csv, sorted."""
    suite_dir = root / suite
    if not suite_dir.is_dir():
        raise SystemExit(f"{suite_dir}: no such suite directory (expected RESULTS_ROOT/<suite>/<algo>/<hp>/<seed>/)")
    found = sorted((p.parent.parent.parent.name, p.parent.parent.name, p.parent.name, p.parent)
                   for p in suite_dir.glob(f"*/*/*/{EPISODES}"))
    if algos is not None:
        unknown = sorted(set(algos) - {f[0] for f in found})
        if unknown:
            raise SystemExit(f"{suite_dir}: no runs of {', '.join(unknown)} (found: "
                             f"{', '.join(sorted({f[0] for f in found})) or 'none'})")
        found = [f for f in found if f[0] in algos]
    if not found:
        raise SystemExit(f"{suite_dir}: no run directories with an {EPISODES}")
    return found


def task_quarters(episodes: pd.DataFrame) -> tuple[float, float, int]:
    """Mean over tasks of each task's first- and last-quarter training return, and the episode count."""
    task = episodes[episodes.policy == "task"].sort_values("frames", kind="stable")
    per_task = [quarters(rows.episode_return) for _, rows in task.groupby("task", sort=False)]
    if not per_task:
        return math.nan, math.nan, 0
    return (sum(q[0] for q in per_task) / len(per_task), sum(q[3] for q in per_task) / len(per_task), len(task))


def distilled_first_last(episodes: pd.DataFrame) -> tuple[float, int, float, int] | None:
    """pi_0's mean evaluation return at its first and last evaluation point (and their frames)."""
    evals = episodes[episodes.policy == "distilled"]
    if evals.empty:
        return None
    by_point = evals.groupby("frames").episode_return.mean().sort_index()
    return float(by_point.iloc[0]), int(by_point.index[0]), float(by_point.iloc[-1]), int(by_point.index[-1])


def kl_quarters(diagnostics: pd.DataFrame) -> tuple[float, float] | None:
    """KL(pi_i || pi_0), mean over tasks at each logged point, then over the first and last quarter of the points."""
    kl = diagnostics[diagnostics.metric == KL_METRIC]
    if kl.empty:
        return None
    series = kl.groupby("frames").value.mean().sort_index()
    q = quarters(series)
    return q[0], q[3]


def summarise(run_dir: Path) -> dict:
    episodes = pd.read_csv(run_dir / EPISODES)
    diag_path = run_dir / DIAGNOSTICS
    diagnostics = (pd.read_csv(diag_path) if diag_path.exists()
                   else pd.DataFrame(columns=["frames", "task", "metric", "value"]))
    q1, q4, n = task_quarters(episodes)
    return {"episodes": n, "task_q1": q1, "task_q4": q4, "pi0": distilled_first_last(episodes),
            "kl": kl_quarters(diagnostics), "metrics": sorted(set(diagnostics.metric))}


def _fmt(x: float) -> str:
    return "nan" if math.isnan(x) else f"{x:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a profile's results directory, e.g. results/default")
    parser.add_argument("--suite", default="mazes")
    parser.add_argument("--algos", default=None, help="comma-separated algorithms (default: every one found)")
    args = parser.parse_args()
    algos = args.algos.split(",") if args.algos else None
    runs = run_dirs(args.root, args.suite, algos)
    print(f"{args.root / args.suite}: task returns by quarter of each run's training episodes (mean over tasks), "
          f"pi_0's evaluation return at its first and last evaluation (frames per task), "
          f"KL(pi_i || pi_0) by quarter of the logged points")
    print("| algo | hp | seed | episodes | task Q1 | task Q4 | pi_0 first | pi_0 last | KL Q1 | KL Q4 |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    without_kl = set()
    for algo, hp, seed, run_dir in runs:
        s = summarise(run_dir)
        pi0 = s["pi0"]
        first = f"{_fmt(pi0[0])} ({pi0[1]})" if pi0 else "-"
        last = f"{_fmt(pi0[2])} ({pi0[3]})" if pi0 else "-"
        kl = s["kl"]
        if kl is None:
            without_kl.add((algo, ", ".join(s["metrics"]) or "none"))
        print(f"| {algo} | {hp} | {seed} | {s['episodes']} | {_fmt(s['task_q1'])} | {_fmt(s['task_q4'])} | "
              f"{first} | {last} | {_fmt(kl[0]) if kl else '-'} | {_fmt(kl[1]) if kl else '-'} |")
    for algo, metrics in sorted(without_kl):
        print(f"{algo}: no {KL_METRIC} in {DIAGNOSTICS} (logged metrics: {metrics})")


if __name__ == "__main__":
    main()
