"""Train one grid-world run (Sec. 4.1): all tasks of one seed with one algorithm.

Writes evals.csv, episodes.csv, pi0.csv, tasks.csv, map.csv and meta.json to
results/{profile}/gridworld/{algo}/appB1/{seed}/ (paths.RUN_DIR).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import pandas as pd

from distral import paths
from distral.config import load_params, profile_budget
from distral.envs.gridworld import ACTIONS, PREV_REWARDS, GridWorld, Layout
from distral.io import write_csv, write_json
from distral.meta import run_meta
from distral.tabular import GridworldResult, run_gridworld


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--algo", required=True, help="a key of gridworld.algorithms in params.yaml")
    parser.add_argument("--seed", required=True, type=int, help="run seed (>= 0)")
    parser.add_argument("--profile", help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file")
    parser.add_argument("--root", default=".", help="directory that holds results/")


def run(args: argparse.Namespace) -> int:
    overrides = {"profile": args.profile} if args.profile else None
    params = load_params(args.params, overrides)
    if args.seed < 0:
        raise ValueError(f"--seed must be >= 0, got {args.seed}")
    gw, budget = params["gridworld"], profile_budget(params, "gridworld")
    out = paths.run_dir(params["profile"], "gridworld", args.algo, paths.GRIDWORLD_HP, args.seed, args.root)
    start = time.perf_counter()
    result = run_gridworld(gw, budget, args.algo, args.seed)
    seconds = time.perf_counter() - start
    wildcards = {"profile": params["profile"], "suite": "gridworld", "algo": args.algo,
                 "hp": paths.GRIDWORLD_HP, "seed": args.seed}
    write_run(out, result, gw, wildcards, {"gridworld": gw, "budget": budget})
    steps = result.env_steps_per_task * len(result.goals)
    print(f"gridworld {args.algo} seed {args.seed}: {steps} training steps in {seconds:.1f} s "
          f"({steps / seconds:,.0f} steps/s, evaluation included) -> {out}")
    return 0


def write_run(out: Path, result: GridworldResult, gw: dict, wildcards: dict, config: dict) -> None:
    """Write one run's tidy logs; each file atomically, meta.json last."""
    tag = {"algo": wildcards["algo"], "seed": wildcards["seed"]}
    write_csv(result.evals.assign(**tag), out / "evals.csv")
    write_csv(result.episodes.assign(**tag), out / "episodes.csv")
    write_csv(pi0_table(result, gw).assign(**tag), out / "pi0.csv")
    tasks = pd.DataFrame([{"task": i, "goal_row": r, "goal_col": c} for i, (r, c) in enumerate(result.goals)])
    write_csv(tasks.assign(**tag), out / "tasks.csv")
    write_csv(map_table(Layout.from_rows(gw["layout"])), out / "map.csv")
    write_json(run_meta(config, wildcards), out / "meta.json")


def map_table(layout: Layout) -> pd.DataFrame:
    """The map the run was trained on, one row per cell (wall or free): the figures draw it
    from this log, so the analysis never needs the environment's code."""
    rows, cols = layout.shape
    return pd.DataFrame([{"row": r, "col": c, "cell": "wall" if layout.walls[r][c] else "free"}
                         for r in range(rows) for c in range(cols)])


def pi0_table(result: GridworldResult, gw: dict) -> pd.DataFrame:
    """The final prior pi_0 as a tidy table over (cell, previous action, previous reward, action)."""
    layout = Layout.from_rows(gw["layout"])
    rows = []
    for s in range(result.pi0.shape[0]):
        cell, prev_a, prev_r = GridWorld.decode(s)
        r, c = layout.free_cells[cell]
        for a, name in enumerate(ACTIONS):
            rows.append((r, c, ACTIONS[prev_a], PREV_REWARDS[prev_r], name, result.pi0[s, a]))
    return pd.DataFrame(rows, columns=["row", "col", "prev_action", "prev_reward", "action", "prob"])
