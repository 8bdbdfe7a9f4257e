"""The suites' tasks registered with gymnasium, for use without this package's trainer.

Importing this module registers one id per task of each ViZDoom suite (params.yaml's
default task lists): ``distral/<suite>-<task>-v0``, e.g. ``distral/mazes-maze_0-v0``,
``distral/navigation-goal_locations-v0``, ``distral/laser-tag-gen_small_1bot-v0``.
Keyword arguments are the options of ``make_suite`` (resolution, action_repeat,
episode_frames, turn_degrees, maps_per_wad, rewards, tasks) plus ``seed``, the env's
seed (as ``Suite.make_env``; ``reset(seed=...)`` restarts it). Without an import,
gymnasium's module prefix imports it::

    import gymnasium
    env = gymnasium.make("distral.envs.gym_envs:distral/mazes-maze_0-v0", resolution=[42, 42])

Episodes end by truncation after ``episode_frames`` engine frames, as in training.

gymnasium's conventions hold: ``render_mode="rgb_array"`` (the only mode, as ``metadata``
says) makes ``render()`` return the agent's current observation, the frame it sees at the
env's resolution, so ``gymnasium.wrappers.RecordVideo`` records what the agent saw::

    env = gymnasium.wrappers.RecordVideo(
        gymnasium.make("distral/mazes-maze_0-v0", render_mode="rgb_array", resolution=[84, 84]), "videos")

(``DoomTaskEnv.render`` itself keeps the engine's native 160x120 frame, for the suite gallery.)
"""

from __future__ import annotations

from typing import Any

import gymnasium

from distral.envs.registry import make_suite
from distral.envs.vizdoom.suites import DEFAULTS

NAMESPACE = "distral"


def env_id(suite: str, task: str) -> str:
    return f"{NAMESPACE}/{suite}-{task}-v0"


RENDER_MODES = ("rgb_array",)


class TaskEnv(gymnasium.Env):
    """A suite's task env as a gymnasium id builds it: the same spaces, episodes and frames,
    and `render()` returning the current observation (what the agent sees)."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 35 // 4}  # Doom's 35 frames/s, action repeat 4

    def __init__(self, env: gymnasium.Env, render_mode: str | None = None):
        self.env = env
        self.observation_space, self.action_space = env.observation_space, env.action_space
        self.render_mode = render_mode
        self._obs = None

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        super().reset(seed=seed)
        self._obs, info = self.env.reset(seed=seed, options=options)
        return self._obs, info

    def step(self, action):
        self._obs, reward, terminated, truncated, info = self.env.step(action)
        return self._obs, reward, terminated, truncated, info

    def render(self):
        """The latest observation (None before the first reset): the frame the agent acts on."""
        return None if self._obs is None else self._obs.copy()

    def close(self) -> None:
        self.env.close()


def make_task_env(suite: str, task: str, seed: int = 0, backend: str = "vizdoom", render_mode: str | None = None,
                  **options: Any) -> gymnasium.Env:
    """Task `task` of `suite` built as `make_suite(suite, backend=backend, **options)` builds it."""
    if render_mode not in (None, *RENDER_MODES):
        raise ValueError(f"{env_id(suite, task)}: render_mode {render_mode!r} is not supported "
                         f"(supported: {', '.join(RENDER_MODES)})")
    built = make_suite(suite, backend=backend, **options)
    return TaskEnv(built.make_env(built.task_index(task), int(seed)), render_mode)


def register_all() -> list[str]:
    """Register every task of the ViZDoom suites (idempotent); returns the ids."""
    ids = []
    for suite, options in DEFAULTS.items():
        for task in options["tasks"]:
            ids.append(env_id(suite, task["name"]))
            if ids[-1] not in gymnasium.registry:
                gymnasium.register(ids[-1], entry_point=f"{__name__}:make_task_env",
                                   kwargs={"suite": suite, "task": task["name"]})
    return ids


IDS = register_all()
