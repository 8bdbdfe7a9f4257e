"""A grid-world run's tidy logs (Sec. 4.1): evaluations, episodes, the final pi_0, the tasks
and the map, written so that the analysis never needs the environment's code."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from distral.envs.gridworld import ACTIONS, PREV_REWARDS, GridWorld, Layout
from distral.io import write_csv, write_json
from distral.meta import run_meta
from distral.tabular.soft_q import GridworldResult


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
