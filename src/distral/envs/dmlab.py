"""DeepMind Lab backend: the suite names of Table 2 mapped to public DeepMind Lab levels.

Selected with `make_suite(name, backend="dmlab")`. It uses only DeepMind Lab's
documented Python API (`deepmind_lab.Lab(level, observations, config)`,
`reset(seed=)`, `step(action, num_steps=)`, `observations()`, `is_running()`,
`action_spec()`), and exposes the same 9 discrete actions and the same
observation format as the ViZDoom suites, so the same agent runs on both.
DeepMind Lab has no wheel on PyPI; when `import deepmind_lab` fails, selecting
this backend raises an ImportError that says how to install it.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import gymnasium as gym
import numpy as np

from distral.envs.registry import Suite, register_suite
from distral.envs.vizdoom.engine import ACTION_NAMES
from distral.seeding import derive_seed

# Public levels of deepmind/lab: game_scripts/levels/ and contributed/dmlab30/.
LEVELS: dict[str, tuple[str, ...]] = {
    "mazes": (
        "nav_maze_static_01", "nav_maze_static_02", "nav_maze_static_03",
        "nav_maze_random_goal_01", "nav_maze_random_goal_02", "nav_maze_random_goal_03",
        "contributed/dmlab30/explore_goal_locations_small", "contributed/dmlab30/explore_goal_locations_large",
    ),
    "navigation": (
        "contributed/dmlab30/explore_object_rewards_many",
        "contributed/dmlab30/explore_object_locations_large",
        "contributed/dmlab30/explore_goal_locations_large",
        "contributed/dmlab30/explore_obstructed_goals_large",
    ),
    "laser-tag": (
        "lt_chasm", "lt_hallway_slope", "lt_horseshoe_color", "lt_space_bounce_hard",
        "contributed/dmlab30/lasertag_one_opponent_small", "contributed/dmlab30/lasertag_one_opponent_large",
        "contributed/dmlab30/lasertag_three_opponents_small", "contributed/dmlab30/lasertag_three_opponents_large",
    ),
}

INSTALL_HINT = (
    "DeepMind Lab is not installed (`import deepmind_lab` failed: {error}). It has no wheel on PyPI: "
    "build its Python package from https://github.com/google-deepmind/lab (see docs/users/build.md: "
    "`bazel build -c opt //python/pip_package:build_pip_package`, then pip install the wheel it writes) "
    "into this environment, or use backend='vizdoom', which installs with pip."
)

LOOK_PIXELS = 20  # DeepMind Lab's usual look speed per frame for the discrete action set
_OBSERVATION = "RGB_INTERLEAVED"
_OPTIONS = {"resolution", "action_repeat", "fps", "levels"}


def import_lab():
    """The deepmind_lab module, or an ImportError explaining how to install it."""
    try:
        import deepmind_lab
    except ImportError as exc:
        raise ImportError(INSTALL_HINT.format(error=exc)) from exc
    return deepmind_lab


def action_vectors(action_spec: list[dict]) -> list[np.ndarray]:
    """The 9 discrete actions as DeepMind Lab action vectors, placed by the spec's names."""
    index = {spec["name"]: i for i, spec in enumerate(action_spec)}
    needed = ("LOOK_LEFT_RIGHT_PIXELS_PER_FRAME", "STRAFE_LEFT_RIGHT", "MOVE_BACK_FORWARD", "FIRE")
    missing = [name for name in needed if name not in index]
    if missing:
        raise ValueError(f"DeepMind Lab action_spec lacks {', '.join(missing)}")
    moves = {
        "forward": {"MOVE_BACK_FORWARD": 1},
        "backward": {"MOVE_BACK_FORWARD": -1},
        "strafe_left": {"STRAFE_LEFT_RIGHT": -1},
        "strafe_right": {"STRAFE_LEFT_RIGHT": 1},
        "look_left": {"LOOK_LEFT_RIGHT_PIXELS_PER_FRAME": -LOOK_PIXELS},
        "look_right": {"LOOK_LEFT_RIGHT_PIXELS_PER_FRAME": LOOK_PIXELS},
        "forward_look_left": {"MOVE_BACK_FORWARD": 1, "LOOK_LEFT_RIGHT_PIXELS_PER_FRAME": -LOOK_PIXELS},
        "forward_look_right": {"MOVE_BACK_FORWARD": 1, "LOOK_LEFT_RIGHT_PIXELS_PER_FRAME": LOOK_PIXELS},
        "fire": {"FIRE": 1},
    }
    vectors = []
    for name in ACTION_NAMES:
        vector = np.zeros(len(action_spec), dtype=np.intc)
        for key, value in moves[name].items():
            vector[index[key]] = value
        vectors.append(vector)
    return vectors


class DMLabTaskEnv(gym.Env):
    """One DeepMind Lab level behind the suites' gymnasium interface.

    The level defines its own rewards and episode length; an episode ends with
    `truncated=True` when `is_running()` turns false (DeepMind Lab episodes are timed).
    """

    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, level: str, resolution: tuple[int, int], action_repeat: int, fps: int, seed: int):
        lab_module = import_lab()
        h, w = resolution
        self.level, self.action_repeat = level, action_repeat
        self.render_mode = "rgb_array"
        self._lab = lab_module.Lab(level, [_OBSERVATION], config={"width": str(w), "height": str(h), "fps": str(fps)})
        self._actions = action_vectors(self._lab.action_spec())
        self.observation_space = gym.spaces.Box(0, 255, (h, w, 3), np.uint8)
        self.action_space = gym.spaces.Discrete(len(ACTION_NAMES))
        self._seed, self._episode = int(seed), -1
        self._obs = np.zeros((h, w, 3), np.uint8)

    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """The next episode of the seed's sequence; with `seed`, episode `options["episode"]` (default 0)."""
        super().reset(seed=seed)
        if seed is not None:
            self._seed, self._episode = int(seed), int((options or {}).get("episode", 0)) - 1
        self._episode += 1
        self._lab.reset(seed=derive_seed(self._seed, self.level, "episode", self._episode) % (2**31))
        self._obs = self._observe()
        return self._obs, {"task": self.level, "episode": self._episode}

    def step(self, action):
        if not 0 <= int(action) < len(self._actions):
            raise ValueError(f"{self.level}: action {action!r} outside 0..{len(self._actions) - 1}")
        reward = float(self._lab.step(self._actions[int(action)], num_steps=self.action_repeat))
        running = self._lab.is_running()
        if running:  # observations() is undefined once the episode is over
            self._obs = self._observe()
        return self._obs, reward, False, not running, {"task": self.level, "episode": self._episode}

    def render(self) -> np.ndarray:
        return self._obs

    def close(self) -> None:
        close = getattr(self._lab, "close", None)
        if close is not None:
            close()

    def _observe(self) -> np.ndarray:
        return np.ascontiguousarray(self._lab.observations()[_OBSERVATION], dtype=np.uint8)


def _factory(suite: str, **options: Any) -> Suite:
    unknown = sorted(set(options) - _OPTIONS)
    if unknown:
        raise ValueError(f"suite {suite!r} (backend 'dmlab'): unknown option(s) {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(sorted(_OPTIONS))})")
    resolution = tuple(int(v) for v in options.get("resolution", (84, 84)))
    action_repeat, fps = int(options.get("action_repeat", 4)), int(options.get("fps", 60))
    levels = tuple(options.get("levels", LEVELS[suite]))
    if len(resolution) != 2 or min(resolution) < 1:
        raise ValueError(f"option 'resolution': expected (height, width) > 0, got {resolution}")
    if action_repeat < 1:
        raise ValueError(f"option 'action_repeat': must be >= 1, got {action_repeat}")
    import_lab()  # fail now, with the installation hint, not at the first make_env

    def make_env(task_index: int, seed: int) -> DMLabTaskEnv:
        if not 0 <= task_index < len(levels):
            raise ValueError(f"suite {suite!r}: task index {task_index} out of range 0..{len(levels) - 1}")
        return DMLabTaskEnv(levels[task_index], resolution, action_repeat, fps, seed)

    resolved = {"resolution": list(resolution), "action_repeat": action_repeat, "fps": fps, "levels": list(levels)}
    return Suite(name=suite, backend="dmlab", task_names=levels, make_env=make_env, options=resolved)


for _name in LEVELS:
    register_suite(_name, "dmlab", partial(_factory, _name))
