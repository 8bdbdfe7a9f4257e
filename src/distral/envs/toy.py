"""A small multitask pixel suite, "toy": learnable in seconds, for developing and testing the deep trainer.

Each task is a C x C room seen from above as an RGB image: a white agent, a green goal
cell. Tasks differ in the goal's cell (as the paper's maze tasks differ in their maze),
so "walk to the green cell" is shared behaviour a distilled policy can capture, while a
task column can also simply memorise its own goal. Actions: stay, up, down, left, right
(identical across tasks). Action repeat happens inside the env: one agent step is
`action_repeat` inner frames, each moving the agent by one sub-cell unit, so an
unobstructed agent step moves exactly one cell. Rewards per inner frame: `step_penalty`,
and +1 on reaching the goal, which ends the episode; an episode is cut (truncated) after
`max_steps` agent steps. The env is deterministic given the seed of `reset`, which the
trainer relies on to restore it after a crash (replaying the episode's actions).

The suite follows the registry's interface: `make_suite("toy", backend="numpy", **options)`.
"""

from __future__ import annotations

from typing import Any

import gymnasium as gym
import numpy as np

from distral.envs.registry import Suite, register_suite
from distral.seeding import rng

# stay, up, down, left, right as (dx, dy) per inner frame
MOVES = ((0, 0), (0, -1), (0, 1), (-1, 0), (1, 0))
BACKGROUND = np.array([40, 40, 60], dtype=np.uint8)
AGENT = np.array([255, 255, 255], dtype=np.uint8)
GOAL = np.array([40, 200, 60], dtype=np.uint8)
DEFAULTS: dict[str, Any] = {
    "n_tasks": 4,
    "grid": 5,
    "resolution": 84,
    "action_repeat": 4,
    "max_steps": 20,
    "step_penalty": -0.005,
}


def goal_cells(n_tasks: int, grid: int) -> list[tuple[int, int]]:
    """Task goals: the corners first, then the edge midpoints, then the rest, all distinct."""
    m, c = grid - 1, grid // 2
    order = [(0, 0), (m, m), (m, 0), (0, m), (c, 0), (c, m), (0, c), (m, c)]
    order += [(x, y) for y in range(grid) for x in range(grid) if (x, y) not in order]
    if n_tasks > len(order) - 1:
        raise ValueError(f"toy suite: n_tasks {n_tasks} too large for grid {grid}")
    return order[:n_tasks]


class ToyEnv(gym.Env):
    """One task of the toy suite. Observation Box uint8 (R, R, 3); Discrete(5) actions."""

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, task: int, n_tasks: int, grid: int, resolution: int, action_repeat: int,
                 max_steps: int, step_penalty: float):
        if grid < 2 or resolution < grid or action_repeat < 1 or max_steps < 1:
            raise ValueError("toy suite: need grid >= 2, resolution >= grid, action_repeat >= 1, max_steps >= 1")
        self.task, self.grid, self.resolution = task, grid, resolution
        self.action_repeat, self.max_steps, self.step_penalty = action_repeat, max_steps, step_penalty
        self.units = grid * action_repeat  # sub-cell positions per axis
        gx, gy = goal_cells(n_tasks, grid)[task]
        self.goal = (gx * action_repeat, gy * action_repeat)
        self.observation_space = gym.spaces.Box(0, 255, (resolution, resolution, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(len(MOVES))
        self.render_mode = "rgb_array"
        self._edges = np.round(np.arange(self.units + 1) * resolution / self.units).astype(int)
        self._pos = (0, 0)
        self._background = np.empty((resolution, resolution, 3), dtype=np.uint8)
        self._background[:] = BACKGROUND
        self._box(self._background, self.goal, GOAL)
        self._steps = 0
        self._seed, self._episode = 0, -1

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """The next episode of the seed's sequence; with `seed`, episode `options["episode"]` (default 0).

        The start cell of episode e is drawn from a generator of (seed, e) alone, the contract
        the trainer's checkpoints rely on (as the ViZDoom suites' `reset`).
        """
        super().reset(seed=seed)
        start = int((options or {}).get("episode", 0))
        if seed is not None:
            self._seed, self._episode = int(seed), start - 1
        self._episode += 1
        cells = [(x, y) for y in range(self.grid) for x in range(self.grid)
                 if (x * self.action_repeat, y * self.action_repeat) != self.goal]
        x, y = cells[int(rng(self._seed, "toy-start", self._episode).integers(len(cells)))]
        self._pos = (x * self.action_repeat, y * self.action_repeat)
        self._steps = 0
        return self._render(), {}

    def step(self, action):
        dx, dy = MOVES[int(action)]
        top = self.units - self.action_repeat
        reward, terminated = 0.0, False
        for _ in range(self.action_repeat):
            x, y = self._pos
            self._pos = (min(max(x + dx, 0), top), min(max(y + dy, 0), top))
            reward += self.step_penalty
            if self._pos == self.goal:
                reward += 1.0
                terminated = True
                break
        self._steps += 1
        truncated = not terminated and self._steps >= self.max_steps
        return self._render(), reward, terminated, truncated, {}

    def render(self):
        return self._render()

    def _box(self, img: np.ndarray, pos: tuple[int, int], colour: np.ndarray) -> None:
        e = self._edges
        x0, y0 = pos
        img[e[y0]:e[y0 + self.action_repeat], e[x0]:e[x0 + self.action_repeat]] = colour

    def _render(self) -> np.ndarray:
        img = self._background.copy()
        self._box(img, self._pos, AGENT)
        return img


def make_toy_suite(**options: Any) -> Suite:
    """The toy suite; options (all optional): n_tasks, grid, resolution, action_repeat, max_steps, step_penalty."""
    unknown = set(options) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"toy suite: unknown option(s) {sorted(unknown)} (known: {', '.join(DEFAULTS)})")
    opts = {**DEFAULTS, **options}
    res = opts["resolution"]
    if isinstance(res, (list, tuple)):  # (height, width) as the 3D suites take it; the toy room is square
        if len(res) != 2 or res[0] != res[1]:
            raise ValueError(f"toy suite: option 'resolution' must be square, got {list(res)}")
        opts["resolution"] = int(res[0])
    n_tasks = int(opts["n_tasks"])
    goal_cells(n_tasks, int(opts["grid"]))  # validates the size early

    def make_env(task_index: int, seed: int) -> gym.Env:
        env = ToyEnv(task_index, **opts)
        env.reset(seed=seed)
        return env

    names = tuple(f"goal{i}" for i in range(n_tasks))
    return Suite(name="toy", backend="numpy", task_names=names, make_env=make_env, options=opts)


register_suite("toy", "numpy", make_toy_suite)
