"""Benchmark of the grid-world experiment: prints wall time and environment steps/s.

    .venv/bin/python bench/bench_gridworld.py [--profile default] [--seeds 2]

Measures (1) the raw environment with random actions, (2) one full training run per
algorithm (soft Q-learning, distillation and evaluation included) at the profile's
budget, and extrapolates the profile's whole grid-world sweep on the cores given.
"""

from __future__ import annotations

import argparse
import os
import resource
import time

import numpy as np

from distral.config import load_params, profile_budget
from distral.tabular.soft_q import make_tasks, run_gridworld


def env_steps_per_second(gw: dict, n_steps: int = 300_000) -> float:
    env = make_tasks(gw, 0)[0]
    rng = np.random.default_rng(0)
    actions = rng.integers(5, size=n_steps).tolist()
    env.reset(rng)
    start = time.perf_counter()
    for a in actions:
        _, _, terminated, truncated = env.step(a)
        if terminated or truncated:
            env.reset(rng)
    return n_steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seeds", type=int, default=1, help="runs per algorithm to time")
    parser.add_argument("--cores", type=int, default=os.cpu_count())
    args = parser.parse_args()
    params = load_params(overrides={"profile": args.profile})
    gw, budget = params["gridworld"], profile_budget(params, "gridworld")
    print(f"profile {args.profile}: {gw['n_tasks']} tasks x {budget['env_steps_per_task']:,} steps per task, "
          f"{budget['seeds']} seeds, load average {os.getloadavg()[0]:.2f}")
    print(f"environment alone (random actions): {env_steps_per_second(gw):,.0f} steps/s")
    total = 0.0
    for algo in gw["algorithms"]:
        times = []
        for seed in range(args.seeds):
            start = time.perf_counter()
            result = run_gridworld(gw, budget, algo, seed)
            times.append(time.perf_counter() - start)
        steps = result.env_steps_per_task * gw["n_tasks"]
        mean = float(np.mean(times))
        total += mean * budget["seeds"]
        print(f"{algo:>8}: one run {mean:6.1f} s wall, {steps / mean:,.0f} training steps/s "
              f"(learning + distillation + evaluation)")
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"whole grid-world sweep of '{args.profile}': {total:,.0f} core-s, "
          f"~{total / args.cores:,.0f} s wall on {args.cores} cores; peak RSS {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
