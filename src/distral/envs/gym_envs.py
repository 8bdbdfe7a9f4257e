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
"""

from __future__ import annotations

from typing import Any

import gymnasium

from distral.envs.registry import make_suite
from distral.envs.vizdoom.suites import DEFAULTS

NAMESPACE = "distral"


def env_id(suite: str, task: str) -> str:
    return f"{NAMESPACE}/{suite}-{task}-v0"


def make_task_env(suite: str, task: str, seed: int = 0, backend: str = "vizdoom", **options: Any) -> gymnasium.Env:
    """Task `task` of `suite` built as `make_suite(suite, backend=backend, **options)` builds it."""
    built = make_suite(suite, backend=backend, **options)
    return built.make_env(built.task_index(task), int(seed))


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
