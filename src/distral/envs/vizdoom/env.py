"""The gymnasium environment every ViZDoom task builds on.

`DoomTaskEnv` owns the engine, the fixed-length episode clock, the observation
and the map pool; a task family (`distral.envs.vizdoom.tasks`) subclasses it and says
which maps an episode uses (`episode_layouts`), how an episode starts
(`begin_episode`) and what the reward is (`reward`).

Map pool: episodes are grouped in pools of `maps_per_wad // variants` episodes
whose maps are generated together into one cached WAD. Switching maps inside a
pool costs a `new_episode` (~2 ms); only a new pool restarts the engine (~0.15 s),
so per-episode map generation stays a small fraction of the step time.
"""

from __future__ import annotations

import os
import signal
import threading
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import gymnasium as gym
import numpy as np

from distral.envs.vizdoom import reaper
from distral.envs.vizdoom import wad as wadlib
from distral.envs.vizdoom.engine import ACTION_NAMES, VAR, EngineConfig, action_table, new_game, to_observation
from distral.envs.vizdoom.layout import Layout
from distral.seeding import derive_seed, rng

_ENGINE_START = threading.Lock()  # envs stepped by several threads (distral.deep.actors) start engines too


@dataclass(frozen=True)
class Pool:
    """A WAD and, per episode of the pool, its map names and layouts (empty for fixed WADs)."""

    wad: Path
    maps: tuple[tuple[str, ...], ...]
    layouts: tuple[tuple[Layout, ...], ...]


class DoomTaskEnv(gym.Env):
    """One first-person ViZDoom task with the suite-wide action set and observation.

    Episodes last exactly `engine.episode_frames` engine frames and end with
    `truncated=True` (a time limit, as in DeepMind Lab); tasks never terminate early.
    """

    metadata = {"render_modes": ["rgb_array"], "render_fps": 35}
    variants = 1  # maps per episode (the door task switches maps inside an episode)
    fresh_engine_each_episode = False  # True where the engine carries state across episodes (bots)

    def __init__(self, name: str, engine: EngineConfig, seed: int, maps_per_wad: int = 32):
        if not 1 <= maps_per_wad <= wadlib.MAX_MAPS:
            raise ValueError(f"option 'maps_per_wad': must lie in 1..{wadlib.MAX_MAPS}, got {maps_per_wad}")
        self.name = name
        self.engine = engine
        self.render_mode = "rgb_array"
        self.observation_space = gym.spaces.Box(0, 255, (*engine.resolution, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(len(ACTION_NAMES))
        self._actions = action_table(engine)
        self._episodes_per_pool = max(1, maps_per_wad // self.variants)
        self._seed = int(seed)
        self._episode = -1
        self._game = None
        self._engine_pid: int | None = None
        self._pool: Pool | None = None
        self._pool_index: int | None = None
        self._frame: np.ndarray | None = None
        self.frames = 0

    # ---- hooks for task families -------------------------------------------------
    def episode_layouts(self, episode: int) -> tuple[Layout, ...]:
        """The `variants` generated layouts of episode `episode` (deterministic in the seed)."""
        raise NotImplementedError

    def game_args(self) -> str:
        return ""

    def begin_episode(self) -> None:
        """Called after the first map of an episode is loaded."""

    def reward(self, variables: np.ndarray) -> float:
        raise NotImplementedError

    def on_respawn(self) -> None:
        """Called after the engine respawned the agent (laser-tag: it was tagged)."""

    # ---- gymnasium API -----------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """The next episode of the seed's sequence; with `seed`, episode `options["episode"]` (default 0) of it.

        An episode is a function of (seed, episode number) alone, so a checkpoint stores just
        those two. The engine is kept across episodes (a restart costs ~0.3 s, and a new seed's
        map pool ~0.2 s more) unless the task says it keeps state between episodes
        (`fresh_engine_each_episode`, the bots of laser-tag): tests/test_suites.py checks that
        episode e played in a fresh engine equals episode e played after episodes 0..e-1.
        """
        super().reset(seed=seed)
        start = int((options or {}).get("episode", 0))
        if start < 0:
            raise ValueError(f"{self.name}: reset option 'episode' must be >= 0, got {start}")
        if seed is not None:  # (re)start the seed's sequence of episodes (and maps) at `start`
            if int(seed) != self._seed:
                self._pool_index = None
            self._seed, self._episode = int(seed), start - 1
        elif options and "episode" in options:
            raise ValueError(f"{self.name}: reset option 'episode' needs a seed")
        if self.fresh_engine_each_episode:
            self.close()
        self._episode += 1
        pool_index = self._episode // self._episodes_per_pool
        if pool_index != self._pool_index or self._game is None:
            self._load_pool(pool_index)
        slot = self._episode % self._episodes_per_pool
        self.maps = self._pool.maps[slot]
        self.layouts = self._pool.layouts[slot]
        self.events = rng(self._seed, self.name, "episode", self._episode, "events")
        self.frames = 0
        self.stats: dict[str, float] = {}
        self.switch_map(0)
        self.begin_episode()
        return self._observe(), self._info()

    def step(self, action):
        if self._game is None:
            raise RuntimeError(f"{self.name}: call reset() before step()")
        if not 0 <= int(action) < len(self._actions):
            raise ValueError(f"{self.name}: action {action!r} outside 0..{len(self._actions) - 1}")
        game = self._game
        game.make_action(self._actions[int(action)], self.engine.action_repeat)
        self.frames += self.engine.action_repeat
        if game.is_player_dead() and not game.is_episode_finished():
            game.respawn_player()
            self.on_respawn()
        if game.is_episode_finished():
            # The map itself ended the round (an exit script, a frag or time limit of
            # a fixed map): replay it, so every episode still lasts episode_frames.
            self.count("map_restarts")
            self.switch_map(self.variant)
            self.begin_episode()
        obs = self._observe()
        reward = float(self.reward(self._variables)) if self._variables is not None else 0.0
        truncated = self.frames >= self.engine.episode_frames
        return obs, reward, False, truncated, self._info()

    def render(self) -> np.ndarray | None:
        """The last frame at the engine's native resolution (for pictures)."""
        return self._frame

    def close(self) -> None:
        """Stop the engine process.

        ViZDoom 1.3.2's engine often segfaults in its exit handlers after a session
        with level changes (measured here: most door-task episodes), then runs gdb
        and writes vizdoom-crash.log into the working directory. It has nothing to
        save, so its process (the one this env started) is ended with SIGKILL first.
        """
        if self._game is not None:
            if self._engine_pid is not None:
                try:
                    os.kill(self._engine_pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                reaper.unwatch(self._engine_pid)
            self._game.close()
            self._game, self._engine_pid = None, None

    # ---- helpers for task families ------------------------------------------------
    def layout_seed(self, episode: int, *keys: str | int) -> int:
        return derive_seed(self._seed, self.name, "episode", episode, *keys)

    def switch_map(self, variant: int) -> None:
        """Load map `variant` of this episode (a fresh engine episode; our clock keeps running)."""
        self.variant = variant % len(self.maps)
        self.layout = self.layouts[self.variant] if self.layouts else None
        self._game.set_doom_map(self.maps[self.variant])
        self._game.set_seed(derive_seed(self._seed, self.name, "engine", self._episode, variant) % (2**31))
        self._game.new_episode()
        self._read_state()

    def change_map(self, variant: int) -> None:
        """Load map `variant` inside the running episode with Doom's `map` command.

        Unlike `switch_map` (a new engine episode) this keeps the engine episode
        going; the level change takes effect after a frame or two, which count
        towards the episode.
        """
        self.variant = variant % len(self.maps)
        self.layout = self.layouts[self.variant] if self.layouts else None
        before = self._game.get_episode_time()
        self._game.send_game_command(f"map {self.maps[self.variant]}")
        for _ in range(8):
            self._game.make_action([0.0] * len(self._actions[0]), 1)
            self.frames += 1
            if self._game.get_episode_time() < before:
                break
        self._read_state()

    def warp(self, x: float, y: float) -> None:
        """Move the agent to Doom position (x, y) (executed during the next frame)."""
        self._game.send_game_command(f"warp {x:.1f} {y:.1f}")

    def count(self, key: str, amount: float = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + amount

    def enable_labels(self) -> None:
        """Turn on ViZDoom's labels buffer (what is on screen) from the next reset on."""
        if not self.engine.labels:
            self.engine = replace(self.engine, labels=True)
            self.close()

    def visible_players(self) -> list[tuple[float, float]]:
        """(screen x of the centre, width) of every other player (bot) in view; needs labels."""
        x, y = self.position  # the labels include the agent's own body: skip it
        return [(lab.x + lab.width / 2, float(lab.width)) for lab in self._labels
                if lab.object_name == "DoomPlayer" and abs(lab.object_position_x - x) + abs(lab.object_position_y - y) > 1.0]

    def player_positions(self) -> list[tuple[float, float]]:
        """Doom (x, y) of every other player (bot) on the map; needs labels (objects info)."""
        x, y = self.position
        return [(o.position_x, o.position_y) for o in self._objects
                if o.name == "DoomPlayer" and abs(o.position_x - x) + abs(o.position_y - y) > 1.0]

    @property
    def game(self):
        return self._game

    @property
    def angle(self) -> float:
        """The agent's heading in degrees (0 = east, counter-clockwise)."""
        return float(self._variables[VAR["ANGLE"]])

    @property
    def position(self) -> tuple[float, float]:
        return float(self._variables[VAR["POSITION_X"]]), float(self._variables[VAR["POSITION_Y"]])

    # ---- internals ---------------------------------------------------------------
    def make_pool(self, pool_index: int) -> Pool:
        """Generate (or fetch from the cache) the WAD of pool `pool_index`."""
        first = pool_index * self._episodes_per_pool
        per_episode = [self.episode_layouts(first + k) for k in range(self._episodes_per_pool)]
        flat = tuple(layout for layouts in per_episode for layout in layouts)
        path = wadlib.write_pool(flat)
        names, i = [], 0
        for layouts in per_episode:
            names.append(tuple(wadlib.map_name(i + v) for v in range(len(layouts))))
            i += len(layouts)
        return Pool(path, tuple(names), tuple(per_episode))

    def _load_pool(self, pool_index: int) -> None:
        same = pool_index == self._pool_index and self._pool is not None  # only the engine was closed
        pool = self._pool if same else self.make_pool(pool_index)
        if self._game is None or self._pool is None or pool.wad != self._pool.wad:
            self.close()
            with _ENGINE_START:  # one start at a time, so that the new child process is this env's engine
                self._start_engine(pool)
        self._pool, self._pool_index = pool, pool_index

    def _start_engine(self, pool: Pool) -> None:
        before = _child_pids()
        self._game = new_game(
            self.engine,
            str(pool.wad),
            pool.maps[0][0],
            self.game_args(),
            seed=derive_seed(self._seed, self.name, "engine"),
            timeout=self.engine.episode_frames + 64 * self.engine.action_repeat,
        )
        started = _child_pids() - before
        self._engine_pid = started.pop() if len(started) == 1 else None
        if self._engine_pid is not None:
            reaper.watch(self._engine_pid)  # ends with us even after a kill -9

    def _read_state(self) -> None:
        state = self._game.get_state()
        if state is None:  # the engine ended the episode (cannot happen before our clock)
            self._variables = None
            return
        self._frame = state.screen_buffer
        self._variables = state.game_variables
        self._labels = state.labels if self.engine.labels else []
        self._objects = state.objects if self.engine.labels else []

    def _observe(self) -> np.ndarray:
        self._read_state()
        return to_observation(self._frame, self.engine.resolution)

    def _info(self) -> dict[str, Any]:
        return {"task": self.name, "frames": self.frames, "episode": self._episode, **self.stats}


def _child_pids() -> set[int]:
    """Process ids of this process's children (Linux /proc; empty elsewhere)."""
    pids: set[int] = set()
    for children in Path(f"/proc/{os.getpid()}/task").glob("*/children"):
        try:
            pids.update(int(pid) for pid in children.read_text().split())
        except OSError:
            continue
    return pids
