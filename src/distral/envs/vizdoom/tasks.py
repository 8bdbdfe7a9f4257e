"""The ViZDoom task families and their reward rules (each class docstring states them).

- `GoalTask`: apples and a goal in a labmaze maze; reaching the goal respawns the
  agent elsewhere (mazes suite; navigation tasks 1 and 3).
- `ReturnTask`: collect objects and bring them back to the start (navigation 2).
- `DoorTask`: a goal found again and again while doors open and close (navigation 4).
- `LaserTagTask`: tag scripted ViZDoom bots and collect objects (laser-tag suite).

Every random choice is drawn from `distral.seeding` streams named by the task, the
env seed and the episode, so a seed fixes maps, spawns and bots.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

import numpy as np
import vizdoom as vzd

from distral.envs.vizdoom import wad as wadlib
from distral.envs.vizdoom.engine import VAR, EngineConfig
from distral.envs.vizdoom.env import DoomTaskEnv, Pool
from distral.envs.vizdoom.layout import (
    Layout,
    distances,
    maze_rows,
    open_cells,
    reachable_doors,
    sample_cells,
    with_meta,
)
from distral.seeding import derive_seed, rng

GOAL_RADIUS = 48.0  # the goal torch is solid (radius 16), so the agent's centre gets within ~32


@dataclass(frozen=True)
class MazeSpec:
    """A labmaze maze: fixed for the task when `layout_seed` is set, else new every episode."""

    size: int = 11
    rooms: int = 2
    layout_seed: int | None = None
    extra_connections: float = 0.0
    doors: bool = False
    texture: str = "STARTAN2"

    def rows(self, episode_seed: int) -> tuple[str, ...]:
        seed = derive_seed(self.layout_seed, "maze-layout") if self.layout_seed is not None else episode_seed
        return maze_rows(seed, self.size, self.rooms, doors=self.doors, extra_connections=self.extra_connections)


def _angle(generator: np.random.Generator) -> str:
    return str(int(generator.integers(8)) * 45)


class _Counters:
    """Per-step increases of ITEMCOUNT and FRAGCOUNT (robust to engine episode restarts)."""

    def __init__(self):
        self.last: dict[str, float] = {}

    def rebase(self, variables: np.ndarray) -> None:
        self.last = {k: float(variables[VAR[k]]) for k in ("ITEMCOUNT", "FRAGCOUNT")}

    def delta(self, variables: np.ndarray, key: str) -> float:
        value = float(variables[VAR[key]])
        change = value - self.last.get(key, value)
        self.last[key] = value
        return change


class GoalTask(DoomTaskEnv):
    """Apples and a goal object in a maze.

    Reward rules:
      * +`apple` for every apple (a health bonus) picked up;
      * +`goal` whenever the agent comes within 48 map units of the goal (a green
        torch); the agent is then moved to a random start cell at least 3 cells from
        the goal, facing the same way, so the goal is collected many times per episode.
        Eaten apples stay eaten.
      * nothing else; the episode lasts `episode_frames` engine frames.
    The maze is the task's fixed layout (`maze.layout_seed` set) or new every episode;
    goal, apples and the first spawn are drawn anew every episode.
    """

    def __init__(self, name: str, engine: EngineConfig, seed: int, *, maze: MazeSpec, apples: int,
                 goal: bool, rewards: dict[str, float], maps_per_wad: int = 32):
        self.maze, self.n_apples, self.has_goal, self.rewards = maze, apples, goal, dict(rewards)
        super().__init__(name, engine, seed, maps_per_wad)

    def episode_layouts(self, episode: int) -> tuple[Layout, ...]:
        rows = self.maze.rows(self.layout_seed(episode, "maze"))
        gen = rng(self.layout_seed(episode, "objects"))
        cells = open_cells(rows)
        goal = sample_cells(cells, 1, gen)[0] if self.has_goal else None
        spawn = sample_cells(cells, 1, gen, exclude={goal})[0]
        apples = sample_cells(cells, self.n_apples, gen, exclude={goal, spawn})
        layout = Layout(rows, spawn, apples=apples, goal=goal, texture=self.maze.texture)
        return (with_meta(layout, spawn_angle=_angle(gen)),)

    def begin_episode(self) -> None:
        self.counters = _Counters()
        self.counters.rebase(self._variables)
        self._respawn_cells = self._far_cells(self.layout) if self.has_goal else []

    @staticmethod
    def _far_cells(layout: Layout) -> list:
        dist = distances(layout.rows, layout.goal)
        far = [c for c in open_cells(layout.rows) if dist[c] >= 3]
        return far or [c for c in open_cells(layout.rows) if c != layout.goal]

    def reward(self, variables: np.ndarray) -> float:
        total = 0.0
        apples = self.counters.delta(variables, "ITEMCOUNT")
        if apples > 0:
            total += self.rewards["apple"] * apples
            self.count("apples", apples)
        if self.has_goal and self._at(self.layout.goal):
            total += self.rewards["goal"]
            self.count("goals")
            self.respawn()
        return total

    def _at(self, cell) -> bool:
        gx, gy = wadlib.cell_centre(self.layout, cell)
        x, y = self.position
        return (x - gx) ** 2 + (y - gy) ** 2 <= GOAL_RADIUS**2

    def respawn(self) -> None:
        cell = self._respawn_cells[int(self.events.integers(len(self._respawn_cells)))]
        self.warp(*wadlib.cell_centre(self.layout, cell))


class DoorTask(GoalTask):
    """One goal found again and again in a maze whose doors open and close at random.

    Reward rules:
      * +`goal` whenever the agent comes within 48 map units of the goal; the agent
        then starts again from a new random cell and every door is redrawn (closed
        with probability `door_closed_probability`, never cutting the goal off), so
        a path that worked before may now be blocked;
      * no apples, nothing else. Maze, goal and door states are new every episode.
    Implemented as `variants` maps per episode sharing maze and goal; reaching the
    goal loads the next one.
    """

    variants = 4

    def __init__(self, name: str, engine: EngineConfig, seed: int, *, maze: MazeSpec,
                 door_closed_probability: float, rewards: dict[str, float], maps_per_wad: int = 32):
        if not 0 <= door_closed_probability <= 1:
            raise ValueError(f"option 'door_closed_probability': must lie in [0, 1], got {door_closed_probability}")
        self.door_p = door_closed_probability
        super().__init__(name, engine, seed, maze=maze, apples=0, goal=True, rewards=rewards, maps_per_wad=maps_per_wad)

    def episode_layouts(self, episode: int) -> tuple[Layout, ...]:
        rows = self.maze.rows(self.layout_seed(episode, "maze"))
        gen = rng(self.layout_seed(episode, "objects"))
        cells = open_cells(rows)
        goal = sample_cells(cells, 1, gen)[0]
        dist = distances(tuple(r.replace("H", " ").replace("I", " ") for r in rows), goal)
        starts = [c for c in cells if dist[c] >= 3] or [c for c in cells if c != goal]
        variants = []
        for _ in range(self.variants):
            spawn = starts[int(gen.integers(len(starts)))]
            doors = reachable_doors(rows, spawn, goal, self.door_p, gen)
            variants.append(with_meta(Layout(doors, spawn, goal=goal, texture=self.maze.texture), spawn_angle=_angle(gen)))
        return tuple(variants)

    def respawn(self) -> None:
        self.change_map(self.variant + 1)
        self.counters.rebase(self._variables)


class ReturnTask(DoomTaskEnv):
    """Collect objects and bring them back to where the episode started.

    Reward rules:
      * +`object` for every object (an armour bonus) picked up; the agent now carries it;
      * +`delivery` per carried object when the agent is back in its start cell (the
        start is not marked: the agent has to remember it); carried objects are then
        dropped off (count reset);
      * nothing else. Maze and object positions are new every episode.
    """

    def __init__(self, name: str, engine: EngineConfig, seed: int, *, maze: MazeSpec, objects: int,
                 rewards: dict[str, float], maps_per_wad: int = 32):
        self.maze, self.n_objects, self.rewards = maze, objects, dict(rewards)
        super().__init__(name, engine, seed, maps_per_wad)

    def episode_layouts(self, episode: int) -> tuple[Layout, ...]:
        rows = self.maze.rows(self.layout_seed(episode, "maze"))
        gen = rng(self.layout_seed(episode, "objects"))
        cells = open_cells(rows)
        spawn = sample_cells(cells, 1, gen)[0]
        dist = distances(rows, spawn)
        away = [c for c in cells if dist[c] >= 2]
        objects = sample_cells(away, self.n_objects, gen)
        return (with_meta(Layout(rows, spawn, objects=objects, texture=self.maze.texture), spawn_angle=_angle(gen)),)

    def begin_episode(self) -> None:
        self.counters = _Counters()
        self.counters.rebase(self._variables)
        self.carried = 0

    def reward(self, variables: np.ndarray) -> float:
        total = 0.0
        picked = self.counters.delta(variables, "ITEMCOUNT")
        if picked > 0:
            self.carried += int(picked)
            total += self.rewards["object"] * picked
            self.count("objects", picked)
        if self.carried and wadlib.world_to_cell(self.layout, *self.position) == self.layout.spawn:
            total += self.rewards["delivery"] * self.carried
            self.count("delivered", self.carried)
            self.carried = 0
        return total


# Bots of ViZDoom's bots.cfg grouped by skill (sum of aiming, perfection and reaction).
BOT_SKILLS = {
    "easy": ("Conan", "Dredd", "Machete", "Predator", "McClane"),
    "medium": ("Plissken", "Ripley", "Jones", "Anderson", "Bond"),
    "hard": ("Leone", "Rambo", "T800", "MacGyver", "Blazkowicz"),
}
# ViZDoom's deathmatch maps that play cleanly with bots. (multi_duel kills the agent
# every few seconds and multi_deathmatch ends the round when the agent dies.)
FIXED_WADS = ("cig.wad",)


class LaserTagTask(DoomTaskEnv):
    """Deathmatch against ViZDoom's scripted bots, with objects that raise the score.

    Reward rules:
      * +`tag` for every bot the agent tags out (its FRAGCOUNT rises). Self-inflicted
        deaths (a rocket fired at a wall in the fixed cig maps) lower Doom's
        FRAGCOUNT but cost nothing here beyond the lost time;
      * +`object` for every item counted by Doom (ITEMCOUNT: the health bonuses placed
        in generated maps, and the bonuses of the fixed maps);
      * being tagged costs nothing directly: the agent respawns at once at a
        deathmatch start (the bots respawn too).
    The agent's tagger is a plasma rifle with infinite ammunition (fast, laser-like
    shots; about four hits tag a bot out); bots fight with what they pick up. The map is generated (fixed by
    `maze.layout_seed` or new every episode) or one of ViZDoom's deathmatch maps.

    Each episode runs in a fresh engine: ZDoom's bots keep state across episodes, so an
    episode played after others would differ from the same episode played first.
    """

    fresh_engine_each_episode = True

    def __init__(self, name: str, engine: EngineConfig, seed: int, *, bots: int, bot_skill: str,
                 rewards: dict[str, float], maze: MazeSpec | None = None, objects: int = 0,
                 fixed_map: str | None = None, maps_per_wad: int = 32):
        if bot_skill not in BOT_SKILLS:
            raise ValueError(f"option 'bot_skill': unknown skill {bot_skill!r} (known: {', '.join(BOT_SKILLS)})")
        if not 1 <= bots <= 8:
            raise ValueError(f"option 'bots': must lie in 1..8, got {bots}")
        if (maze is None) == (fixed_map is None):
            raise ValueError(f"task {name!r}: give exactly one of 'maze' and 'map'")
        self.fixed_wad = _fixed_wad(fixed_map) if fixed_map else None
        self.maze, self.n_objects, self.n_bots, self.bot_skill = maze, objects, bots, bot_skill
        self.rewards = dict(rewards)
        super().__init__(name, engine, seed, maps_per_wad)

    def game_args(self) -> str:
        return ("-host 1 -deathmatch +sv_forcerespawn 1 +sv_noautoaim 1 +sv_respawnprotect 1 "
                "+sv_spawnfarthest 1 +sv_nocrouch 1 +viz_respawn_delay 0 +sv_infiniteammo 1")

    def make_pool(self, pool_index: int) -> Pool:
        if self.fixed_wad is None:
            return super().make_pool(pool_index)
        path, doom_map = self.fixed_wad
        return Pool(path, ((doom_map,),) * self._episodes_per_pool, ((),) * self._episodes_per_pool)

    def episode_layouts(self, episode: int) -> tuple[Layout, ...]:
        rows = self.maze.rows(self.layout_seed(episode, "maze"))
        gen = rng(self.layout_seed(episode, "objects"))
        cells = open_cells(rows)
        starts = sample_cells(cells, max(4, self.n_bots + 2), gen)
        objects = sample_cells(cells, self.n_objects, gen, exclude=set(starts))
        layout = Layout(rows, starts[0], apples=objects, dm_starts=starts, texture=self.maze.texture)
        return (with_meta(layout, spawn_angle=_angle(gen)),)

    def begin_episode(self) -> None:
        game = self.game
        game.send_game_command("removebots")
        names = BOT_SKILLS[self.bot_skill]
        first = int(self.events.integers(len(names)))
        for k in range(self.n_bots):
            game.send_game_command(f"addbot {names[(first + k) % len(names)]}")
        self.on_respawn()
        game.make_action([0.0] * 6, 1)  # let the bots join before the first observation
        self.frames += 1
        self._observe()
        self.counters = _Counters()
        self.counters.rebase(self._variables)

    def on_respawn(self) -> None:
        self.game.send_game_command("give plasmarifle")

    def reward(self, variables: np.ndarray) -> float:
        tags = self.counters.delta(variables, "FRAGCOUNT")
        items = self.counters.delta(variables, "ITEMCOUNT")
        tags, items = max(tags, 0.0), max(items, 0.0)
        if tags:
            self.count("tags", tags)
        if items:
            self.count("objects", items)
        return self.rewards["tag"] * tags + self.rewards["object"] * items


def _fixed_wad(spec: str) -> tuple[str, str]:
    """'cig.wad:MAP01' -> (path inside ViZDoom's scenarios, map name)."""
    wad_name, _, doom_map = spec.partition(":")
    if wad_name not in FIXED_WADS or not doom_map:
        raise ValueError(f"option 'map': expected one of {', '.join(w + ':MAPxx' for w in FIXED_WADS)}, got {spec!r}")
    return os.path.join(vzd.scenarios_path, wad_name), doom_map
