"""The two-room grid world of Sec. 4.1 and App. B.1 (after Fox et al., 2016).

Two rooms joined by a corridor, drawn in params.yaml (`gridworld.layout`).
Actions: stay, up, down, left, right. Rewards (App. B.1): `step` (-0.1) every
step, `wall` (-0.5) instead when the move runs into a wall (the agent stays put),
`goal` (+1) on entering the goal cell, which ends the episode. The goal cell is
fixed per task; the start cell is drawn uniformly from the other free cells at
every episode.

The MDP state is (location, previous action, previous reward) (Sec. 4.1). The
previous reward takes three values: `start` (no previous step: first state of an
episode, with previous action `stay`), `step` and `wall`. The goal reward is never
a previous reward because the episode ends with it.

The environment is written for speed in plain Python (no per-step NumPy calls):
the tabular learners step it millions of times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

ACTIONS = ("stay", "up", "down", "left", "right")
MOVES = ((0, 0), (-1, 0), (1, 0), (0, -1), (0, 1))  # (d_row, d_col) per action
PREV_REWARDS = ("start", "step", "wall")
N_ACTIONS = len(ACTIONS)


@dataclass(frozen=True)
class Layout:
    """A map: `walls[r][c]` is True for a wall; free cells are numbered row-major."""

    walls: tuple[tuple[bool, ...], ...]

    @classmethod
    def from_rows(cls, rows: Sequence[str]) -> "Layout":
        bad = {ch for row in rows for ch in row} - {"#", "."}
        if bad:
            raise ValueError(f"gridworld layout: unknown characters {sorted(bad)} (use '#' and '.')")
        if len({len(r) for r in rows}) != 1:
            raise ValueError("gridworld layout: rows must all have the same length")
        return cls(tuple(tuple(ch == "#" for ch in row) for row in rows))

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.walls), len(self.walls[0])

    @property
    def free_cells(self) -> list[tuple[int, int]]:
        return [(r, c) for r, row in enumerate(self.walls) for c, wall in enumerate(row) if not wall]

    def is_free(self, r: int, c: int) -> bool:
        rows, cols = self.shape
        return 0 <= r < rows and 0 <= c < cols and not self.walls[r][c]

    def corridor_cells(self) -> list[tuple[int, int]]:
        """Free cells with walls directly above and below: the corridor of Fig. 3 (right)."""
        return [
            (r, c) for r, c in self.free_cells if not self.is_free(r - 1, c) and not self.is_free(r + 1, c)
        ]


class GridWorld:
    """One task: the layout with a fixed goal cell. States are integers (see `state`)."""

    def __init__(self, layout: Layout, goal: tuple[int, int], rewards: dict, max_episode_steps: int):
        if not layout.is_free(*goal):
            raise ValueError(f"gridworld: goal {goal} is not a free cell")
        self.layout = layout
        self.cells = layout.free_cells
        self.cell_index = {cell: i for i, cell in enumerate(self.cells)}
        self.goal = goal
        self.starts = [cell for cell in self.cells if cell != goal]
        self.r_step, self.r_wall, self.r_goal = rewards["step"], rewards["wall"], rewards["goal"]
        self.max_episode_steps = max_episode_steps
        self.n_states = len(self.cells) * N_ACTIONS * len(PREV_REWARDS)
        # next_cell[cell][action] -> (next cell index or -1 if it is a wall)
        self._next = [[self._move(cell, a) for a in range(N_ACTIONS)] for cell in self.cells]
        self._goal_index = self.cell_index[goal]
        self._cell = 0
        self._t = 0

    def _move(self, cell: tuple[int, int], action: int) -> int:
        r, c = cell[0] + MOVES[action][0], cell[1] + MOVES[action][1]
        return self.cell_index[(r, c)] if self.layout.is_free(r, c) else -1

    @staticmethod
    def state(cell_index: int, prev_action: int, prev_reward: int) -> int:
        """The integer id of (location, previous action, previous reward kind)."""
        return (cell_index * N_ACTIONS + prev_action) * len(PREV_REWARDS) + prev_reward

    @staticmethod
    def decode(state: int) -> tuple[int, int, int]:
        """Inverse of `state`: (cell index, previous action, previous reward kind)."""
        rest, prev_reward = divmod(state, len(PREV_REWARDS))
        cell, prev_action = divmod(rest, N_ACTIONS)
        return cell, prev_action, prev_reward

    def reset(self, rng: np.random.Generator) -> int:
        """Start a new episode at a uniformly drawn non-goal free cell."""
        self._cell = self.cell_index[self.starts[int(rng.integers(len(self.starts)))]]
        self._t = 0
        return self.state(self._cell, 0, 0)

    def reset_to(self, cell: tuple[int, int]) -> int:
        """Start a new episode at `cell` (for tests and evaluation from fixed starts)."""
        self._cell = self.cell_index[cell]
        self._t = 0
        return self.state(self._cell, 0, 0)

    def step(self, action: int) -> tuple[int, float, bool, bool]:
        """Apply `action`; return (next state, reward, terminated, truncated)."""
        nxt = self._next[self._cell][action]
        self._t += 1
        truncated = self._t >= self.max_episode_steps
        if nxt < 0:  # ran into a wall: stay put, pay the wall penalty
            return self.state(self._cell, action, 2), self.r_wall, False, truncated
        self._cell = nxt
        if nxt == self._goal_index:
            return self.state(nxt, action, 1), self.r_goal, True, False
        return self.state(nxt, action, 1), self.r_step, False, truncated


def draw_goals(layout: Layout, n_tasks: int, rng: np.random.Generator) -> list[tuple[int, int]]:
    """`n_tasks` distinct goal cells drawn uniformly from the free cells."""
    cells = layout.free_cells
    picks = rng.choice(len(cells), size=n_tasks, replace=False)
    return [cells[int(i)] for i in picks]
