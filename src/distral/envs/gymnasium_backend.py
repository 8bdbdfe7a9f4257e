"""Any gymnasium environments as a suite: the `gymnasium` backend.

A suite in params.yaml whose `backend` is `gymnasium` lists its tasks as gymnasium env ids
with their keyword arguments and wrappers::

    suites:
      minigrid:
        backend: gymnasium
        resolution: [84, 84]
        tasks:
          - {name: empty, id: MiniGrid-Empty-5x5-v0,
             wrappers: [minigrid.wrappers:RGBImgPartialObsWrapper, minigrid.wrappers:ImgObsWrapper]}

Every task becomes a `GymnasiumTask`, the interface the trainer needs:
- observations: the wrapped env's RGB image (a uint8 Box (H, W, 3)) resized to the profile's
  resolution with OpenCV (area filter when shrinking, bilinear when enlarging);
- actions: one `Discrete(n)` shared by every task of the suite (checked when the suite is built);
- episode ends: `terminated` and `truncated` exactly as the wrapped env reports them;
- seeding: episode e of seed s is played from the wrapped env's `reset(seed=derive_seed(s, e))`,
  so it is a function of (s, e) alone whatever was played before, the contract the trainer's
  crash-safe resume replays actions on (docs/deep.md). Envs whose dynamics draw from
  anything but their `np_random` (seeded by that reset) break it; the trainer's checksum on
  resume then stops with a clear error instead of continuing on different numbers.

A bad suite stops with a ValueError naming the suite, the task and what is wrong (an unknown
id, a wrapper that cannot be imported, a non-image observation, mismatched action spaces).
"""

from __future__ import annotations

import importlib
from typing import Any, Mapping

import cv2
import gymnasium as gym
import numpy as np

from distral.envs.registry import Suite, register_backend
from distral.seeding import derive_seed

BACKEND = "gymnasium"
OPTIONS = ("tasks", "resolution", "action_repeat")
TASK_KEYS = ("name", "id", "kwargs", "wrappers", "max_episode_steps")


class SuiteDefinitionError(ValueError):
    """A gymnasium suite's definition is unusable; the message names the suite and the task."""


def _where(suite: str, task: Mapping[str, Any]) -> str:
    return f"suite {suite!r}, task {task.get('name')!r} ({task.get('id')})"


def _import(path: str, where: str):
    """`module:attribute` (or `module.attribute`) to the object it names."""
    module, sep, attr = path.partition(":")
    if not sep:
        module, _, attr = path.rpartition(".")
    try:
        return getattr(importlib.import_module(module), attr)
    except (ImportError, AttributeError, ValueError) as exc:
        raise SuiteDefinitionError(f"{where}: wrapper {path!r} cannot be imported ({exc})") from exc


def _wrappers(specs: list, where: str) -> list[tuple[Any, dict]]:
    """The task's wrappers, each a `module:Class` or {wrapper: ..., kwargs: {...}}, as (class, kwargs)."""
    out = []
    for spec in specs:
        if isinstance(spec, str):
            spec = {"wrapper": spec}
        out.append((_import(spec["wrapper"], where), dict(spec.get("kwargs") or {})))
    return out


def _check_image(space: gym.Space, where: str) -> None:
    if not (isinstance(space, gym.spaces.Box) and space.dtype == np.uint8 and len(space.shape) == 3
            and space.shape[2] == 3):
        raise SuiteDefinitionError(
            f"{where}: observation space {space} is not an RGB image (a uint8 Box of shape (H, W, 3)); "
            "add wrappers that make one (MiniGrid: minigrid.wrappers:RGBImgPartialObsWrapper, then "
            "minigrid.wrappers:ImgObsWrapper)")


def resize(image: np.ndarray, resolution: tuple[int, int]) -> np.ndarray:
    """An RGB image at (height, width): area filter when shrinking (no aliasing of thin lines), bilinear otherwise."""
    h, w = resolution
    if image.shape[:2] == (h, w):
        return np.ascontiguousarray(image)
    shrink = h * w < image.shape[0] * image.shape[1]
    return cv2.resize(image, (w, h), interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)


class GymnasiumTask(gym.Env):
    """One task of a gymnasium suite: the wrapped env with resized image observations and
    episodes seeded by (seed, episode number). `action_repeat` agent-step repeats inside."""

    metadata = {"render_modes": ["rgb_array"], "render_fps": 30}

    def __init__(self, suite: str, task: Mapping[str, Any], resolution: tuple[int, int], action_repeat: int = 1):
        self.where = _where(suite, task)
        kwargs = dict(task.get("kwargs") or {})
        if task.get("max_episode_steps") is not None:
            kwargs["max_episode_steps"] = int(task["max_episode_steps"])
        # imported first: a wrapper's package (minigrid.wrappers) registers its env ids on import
        wrappers = _wrappers(list(task.get("wrappers") or []), self.where)
        try:
            inner = gym.make(task["id"], render_mode="rgb_array", **kwargs)
        except gym.error.Error as exc:  # unknown id, namespace or version, missing dependency
            raise SuiteDefinitionError(
                f"{self.where}: gymnasium.make failed: {exc} (an id registered by a package on import takes "
                "its module as a prefix, e.g. 'minigrid:MiniGrid-Empty-5x5-v0')") from exc
        except TypeError as exc:  # an unknown keyword argument of the env
            raise SuiteDefinitionError(f"{self.where}: bad kwargs {kwargs}: {exc}") from exc
        for wrapper, wrapper_kwargs in wrappers:
            inner = wrapper(inner, **wrapper_kwargs)
        self.inner = inner
        _check_image(self.inner.observation_space, self.where)
        if not isinstance(self.inner.action_space, gym.spaces.Discrete):
            raise SuiteDefinitionError(f"{self.where}: action space {self.inner.action_space} is not Discrete")
        self.resolution = (int(resolution[0]), int(resolution[1]))
        self.action_repeat = int(action_repeat)
        self.observation_space = gym.spaces.Box(0, 255, (*self.resolution, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(int(self.inner.action_space.n))
        self.metadata = {**self.metadata, "render_fps": self.inner.metadata.get("render_fps", 30)}
        self.render_mode = "rgb_array"
        self._seed, self._episode = 0, -1

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """The next episode of the seed's sequence; with `seed`, episode `options["episode"]` (default 0)."""
        super().reset(seed=seed)
        if seed is not None:
            self._seed, self._episode = int(seed), int((options or {}).get("episode", 0)) - 1
        self._episode += 1
        obs, info = self.inner.reset(seed=derive_seed(self._seed, "gymnasium-episode", self._episode))
        return resize(obs, self.resolution), info

    def step(self, action):
        reward = 0.0
        for _ in range(self.action_repeat):
            obs, r, terminated, truncated, info = self.inner.step(int(action))
            reward += float(r)
            if terminated or truncated:
                break
        return resize(obs, self.resolution), reward, bool(terminated), bool(truncated), info

    def render(self):
        """The wrapped env's own rgb_array frame (MiniGrid: the whole grid from above)."""
        return self.inner.render()

    def close(self) -> None:
        self.inner.close()


def _check_tasks(name: str, tasks: Any) -> list[dict]:
    if not isinstance(tasks, (list, tuple)) or not tasks:
        raise SuiteDefinitionError(f"suite {name!r}: option 'tasks' must be a non-empty list of tasks")
    seen = set()
    for k, task in enumerate(tasks):
        if not isinstance(task, Mapping) or "name" not in task or "id" not in task:
            raise SuiteDefinitionError(f"suite {name!r}: task {k} needs a 'name' and a gymnasium 'id', got {task!r}")
        unknown = set(task) - set(TASK_KEYS)
        if unknown:
            raise SuiteDefinitionError(f"{_where(name, task)}: unknown key(s) {sorted(unknown)} "
                                       f"(known: {', '.join(TASK_KEYS)})")
        if task["name"] in seen:
            raise SuiteDefinitionError(f"suite {name!r}: task name {task['name']!r} appears twice")
        seen.add(task["name"])
    return [dict(t) for t in tasks]


def _check_actions(name: str, tasks: list[dict], envs: list[GymnasiumTask]) -> None:
    """Every task must take the first task's actions: the columns and pi_0 share one softmax."""
    first = envs[0].action_space
    for task, env in zip(tasks[1:], envs[1:]):
        if env.action_space != first:
            raise SuiteDefinitionError(
                f"{_where(name, task)}: action space {env.action_space} differs from task "
                f"{tasks[0]['name']!r}'s {first}; every task of a suite must share one discrete action space")


def make_gymnasium_suite(name: str, **options: Any) -> Suite:
    """The suite `name` of gymnasium tasks; options: tasks (required), resolution [H, W] (default
    [84, 84]), action_repeat (default 1). Builds every task once to check it, then closes it."""
    unknown = set(options) - set(OPTIONS)
    if unknown:
        raise SuiteDefinitionError(f"suite {name!r}: unknown option(s) {sorted(unknown)} (known: {', '.join(OPTIONS)})")
    tasks = _check_tasks(name, options.get("tasks"))
    resolution = tuple(int(x) for x in options.get("resolution", (84, 84)))
    if len(resolution) != 2 or min(resolution) < 1:
        raise SuiteDefinitionError(f"suite {name!r}: option 'resolution' must be [height, width], got {resolution}")
    action_repeat = int(options.get("action_repeat", 1))
    if action_repeat < 1:
        raise SuiteDefinitionError(f"suite {name!r}: option 'action_repeat' must be >= 1, got {action_repeat}")
    probes = [GymnasiumTask(name, task, resolution, action_repeat) for task in tasks]
    try:
        _check_actions(name, tasks, probes)
    finally:
        for env in probes:
            env.close()

    def make_env(task_index: int, seed: int) -> gym.Env:
        env = GymnasiumTask(name, tasks[task_index], resolution, action_repeat)
        env.reset(seed=seed)
        return env

    resolved = {"tasks": tasks, "resolution": list(resolution), "action_repeat": action_repeat}
    return Suite(name=name, backend=BACKEND, task_names=tuple(t["name"] for t in tasks), make_env=make_env,
                 options=resolved)


register_backend(BACKEND, make_gymnasium_suite)
