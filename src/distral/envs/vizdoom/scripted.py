"""Scripted agents for the ViZDoom tasks, to show the tasks are learnable and not degenerate.

They are privileged: they read the task's grid layout, the agent's position and
angle, and (laser-tag) the engine's labels of what is on screen. A task whose
scripted agent clearly beats a uniformly random agent rewards purposeful
behaviour. `run_episode` plays one episode with any agent.
"""

from __future__ import annotations

import math

import numpy as np

from distral.envs.vizdoom import wad as wadlib
from distral.envs.vizdoom.engine import ACTION_NAMES
from distral.envs.vizdoom.layout import Cell, distances
from distral.envs.vizdoom.tasks import DoorTask, GoalTask, LaserTagTask, ReturnTask

A = {name: i for i, name in enumerate(ACTION_NAMES)}


class RandomAgent:
    """Uniformly random actions from a seeded generator."""

    def __init__(self, seed: int):
        self.rng = np.random.default_rng(seed)

    def act(self, env, obs) -> int:
        return int(self.rng.integers(len(ACTION_NAMES)))


class Navigator:
    """Follows breadth-first paths on the task's grid towards the current target."""

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.last_pos: tuple[float, float] | None = None
        self.stuck = 0
        self.done: set[Cell] = set()

    def act(self, env, obs) -> int:
        layout = env.layout
        here = wadlib.world_to_cell(layout, *env.position)
        self.done.add(here)
        if self._is_stuck(env.position):
            return int(self.rng.choice([A["strafe_left"], A["strafe_right"], A["backward"]]))
        target = self.target(env, here)
        if target is None:
            return A["look_left"]
        return self.steer(env, self.waypoint(layout, here, target))

    def target(self, env, here: Cell) -> Cell | None:
        if isinstance(env, ReturnTask):
            remaining = [c for c in env.layout.objects if c not in self.done]
            if env.carried and (env.carried >= 2 or not remaining):
                return env.layout.spawn
            return self._nearest(env.layout, here, remaining)
        if isinstance(env, GoalTask) and env.has_goal:
            return env.layout.goal
        return self._nearest(env.layout, here, [c for c in env.layout.apples if c not in self.done])

    @staticmethod
    def _nearest(layout, here: Cell, cells: list[Cell]) -> Cell | None:
        if not cells:
            return None
        dist = distances(layout.rows, here)
        reachable = [c for c in cells if dist[c] >= 0]
        return min(reachable, key=lambda c: dist[c]) if reachable else None

    @staticmethod
    def waypoint(layout, here: Cell, target: Cell) -> Cell:
        """The neighbour of `here` one step closer to `target` (or `target` itself)."""
        if here == target:
            return target
        dist = distances(layout.rows, target)
        r, c = here
        options = [(r - 1, c), (r + 1, c), (r, c - 1), (r, c + 1)]
        options = [o for o in options if layout.is_open(o) and 0 <= dist[o] < max(dist[here], 10**6)]
        return min(options, key=lambda o: dist[o]) if options else target

    def steer(self, env, cell: Cell) -> int:
        tx, ty = wadlib.cell_centre(env.layout, cell)
        x, y = env.position
        error = (math.degrees(math.atan2(ty - y, tx - x)) - env.angle + 180) % 360 - 180
        if abs(error) > 35:
            return A["look_left"] if error > 0 else A["look_right"]
        if abs(error) > 8:
            return A["forward_look_left"] if error > 0 else A["forward_look_right"]
        return A["forward"]

    def _is_stuck(self, pos: tuple[float, float]) -> bool:
        moved = self.last_pos is None or abs(pos[0] - self.last_pos[0]) + abs(pos[1] - self.last_pos[1]) > 1.0
        self.last_pos = pos
        self.stuck = 0 if moved else self.stuck + 1
        return self.stuck >= 3


class Tagger:
    """Laser-tag: aims at the nearest bot on screen and fires; otherwise walks the
    grid towards the nearest bot (generated maps) or explores (fixed maps).

    Needs the env's labels buffer and objects info (`env.enable_labels()`): ViZDoom's
    lists of the objects in view with their screen boxes and of all objects.
    """

    def __init__(self, seed: int = 0):
        self.rng = np.random.default_rng(seed)
        self.last_pos = None
        self.turning = 0
        self.navigator = Navigator(seed)

    def act(self, env, obs) -> int:
        bots = env.visible_players()
        if bots:
            width = env.render().shape[1]
            centre, size = max(bots, key=lambda b: b[1])  # the largest (nearest) one
            offset = centre - width / 2
            if abs(offset) <= max(size / 2, 0.03 * width):
                return A["fire"]
            return A["look_right"] if offset > 0 else A["look_left"]
        if env.layout is not None:
            return self._hunt(env)
        return self._chase(env)

    def _hunt(self, env) -> int:
        here = wadlib.world_to_cell(env.layout, *env.position)
        if self.navigator._is_stuck(env.position):
            return int(self.rng.choice([A["strafe_left"], A["strafe_right"], A["backward"]]))
        cells = [wadlib.world_to_cell(env.layout, x, y) for x, y in env.player_positions()]
        target = Navigator._nearest(env.layout, here, [c for c in cells if env.layout.is_open(c)])
        if target is None:
            return A["look_left"]
        return self.navigator.steer(env, Navigator.waypoint(env.layout, here, target))

    def _chase(self, env) -> int:
        """Fixed maps (no grid): head straight for the nearest bot, exploring when blocked."""
        bots = env.player_positions()
        if not bots or self.turning > 0 or self.navigator._is_stuck(env.position):
            return self._explore(env)
        x, y = env.position
        tx, ty = min(bots, key=lambda b: (b[0] - x) ** 2 + (b[1] - y) ** 2)
        error = (math.degrees(math.atan2(ty - y, tx - x)) - env.angle + 180) % 360 - 180
        if abs(error) > 30:
            return A["look_left"] if error > 0 else A["look_right"]
        return A["forward_look_left"] if error > 5 else A["forward_look_right"] if error < -5 else A["forward"]

    def _explore(self, env) -> int:
        pos = env.position
        moved = self.last_pos is None or abs(pos[0] - self.last_pos[0]) + abs(pos[1] - self.last_pos[1]) > 2.0
        self.last_pos = pos
        if self.turning > 0:
            self.turning -= 1
            return A["look_left"]
        if not moved:
            self.turning = int(self.rng.integers(2, 7))
            return A["backward"]
        return int(self.rng.choice([A["forward"], A["forward"], A["forward_look_left"], A["forward_look_right"]]))


def scripted_agent(env, seed: int = 0):
    """The scripted agent that fits `env`'s task family."""
    if isinstance(env, LaserTagTask):
        env.enable_labels()
        return Tagger(seed)
    if isinstance(env, (GoalTask, ReturnTask, DoorTask)):
        return Navigator(seed)
    raise ValueError(f"no scripted agent for {type(env).__name__}")


def run_episode(env, agent, seed: int | None = None, on_step=None) -> tuple[float, dict]:
    """Play one episode; return (return, final info). `on_step(obs, reward)` sees every step."""
    obs, info = env.reset(seed=seed)
    total = 0.0
    while True:
        obs, reward, terminated, truncated, info = env.step(agent.act(env, obs))
        total += reward
        if on_step is not None:
            on_step(obs, reward)
        if terminated or truncated:
            return total, info
