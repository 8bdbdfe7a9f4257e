"""The three ViZDoom suites of Table 2 (`mazes`, `navigation`, `laser-tag`), the mazes scaled
down (`mazes-mini`, a deviation: see DEFAULTS) and their registration.

`DEFAULTS` holds each suite's settings and task list; params.yaml's `suites:`
section mirrors it (a test keeps the two equal) and any key can be overridden with
`make_suite(name, **options)`. Unknown keys and bad values raise ValueError naming
the key, before any engine starts.
"""

from __future__ import annotations

import copy
from functools import partial
from typing import Any

from distral.envs.registry import Suite, register_suite
from distral.envs.vizdoom.engine import EngineConfig
from distral.envs.vizdoom.tasks import DoorTask, GoalTask, LaserTagTask, MazeSpec, ReturnTask

_TEXTURES = ("STARTAN2", "BROWN1", "GRAY1", "STONE2", "TEKGREN2", "BIGBRIK1", "BRICK7", "METAL2")


def _maze_task(i: int, size: int, rooms: int, apples: int, prefix: str = "maze") -> dict[str, Any]:
    return {"name": f"{prefix}_{i}", "family": "goal", "size": size, "rooms": rooms, "layout_seed": i,
            "apples": apples, "texture": _TEXTURES[i]}


DEFAULTS: dict[str, dict[str, Any]] = {
    "mazes": {
        "resolution": [84, 84], "action_repeat": 4, "episode_frames": 3600, "turn_degrees": 20.0,
        "maps_per_wad": 32, "rewards": {"apple": 1.0, "goal": 10.0},
        "tasks": [_maze_task(i, size, rooms, apples) for i, (size, rooms, apples) in enumerate(
            [(9, 1, 6), (11, 1, 6), (11, 2, 8), (13, 2, 8), (13, 3, 10), (15, 3, 10), (15, 4, 12), (17, 4, 12)])],
    },
    # The mazes scaled down in the spirit of MinAtar (Young & Tian 2019): the same task family and
    # reward rules (apples, a goal that respawns the agent) in mazes of 7-11 cells instead of
    # 9-17, with fewer apples, so that a laptop's budget shows learning with enough runs per
    # algorithm to decide the mazes' claims (issue 18). Not the paper's suite: named as such
    # wherever it appears (params.yaml `variant_of: mazes`).
    "mazes-mini": {
        "resolution": [84, 84], "action_repeat": 4, "episode_frames": 3600, "turn_degrees": 20.0,
        "maps_per_wad": 32, "rewards": {"apple": 1.0, "goal": 10.0},
        "tasks": [_maze_task(i, size, rooms, apples, prefix="mini") for i, (size, rooms, apples) in enumerate(
            [(7, 1, 3), (7, 1, 3), (9, 1, 4), (9, 2, 4), (9, 2, 4), (11, 2, 5), (11, 2, 5), (11, 3, 5)])],
    },
    "navigation": {
        "resolution": [84, 84], "action_repeat": 4, "episode_frames": 3600, "turn_degrees": 20.0,
        "maps_per_wad": 32, "rewards": {"apple": 1.0, "goal": 10.0, "object": 1.0, "delivery": 2.0},
        "tasks": [
            {"name": "object_rewards", "family": "goal", "size": 13, "rooms": 3, "apples": 12, "goal": False,
             "texture": "BROWN1"},
            {"name": "return_objects", "family": "return", "size": 11, "rooms": 2, "objects": 4,
             "texture": "STONE2"},
            {"name": "goal_locations", "family": "goal", "size": 13, "rooms": 3, "apples": 0,
             "texture": "GRAY1"},
            {"name": "obstructed_goals", "family": "doors", "size": 13, "rooms": 4, "extra_connections": 0.5,
             "door_closed_probability": 0.5, "texture": "TEKGREN2"},
        ],
    },
    "laser-tag": {  # finer looking than in the navigation suites: tagging needs aiming
        "resolution": [84, 84], "action_repeat": 4, "episode_frames": 3600, "turn_degrees": 10.0,
        "maps_per_wad": 32, "rewards": {"tag": 1.0, "object": 0.25},
        "tasks": [
            {"name": "gen_small_1bot", "size": 9, "rooms": 1, "objects": 4, "bots": 1, "bot_skill": "easy"},
            {"name": "gen_small_3bots", "size": 11, "rooms": 2, "objects": 4, "bots": 3, "bot_skill": "medium"},
            {"name": "gen_rooms_3bots_hard", "size": 15, "rooms": 4, "objects": 8, "bots": 3, "bot_skill": "hard",
             "extra_connections": 0.3},
            {"name": "gen_rooms_5bots", "size": 15, "rooms": 4, "objects": 8, "bots": 5, "bot_skill": "medium",
             "extra_connections": 0.3},
            {"name": "fixed_maze_2bots", "size": 13, "rooms": 3, "objects": 6, "bots": 2, "bot_skill": "easy",
             "layout_seed": 7, "texture": "BIGBRIK1"},
            {"name": "cig1_2bots", "map": "cig.wad:MAP01", "bots": 2, "bot_skill": "medium"},
            {"name": "cig2_3bots_hard", "map": "cig.wad:MAP02", "bots": 3, "bot_skill": "hard"},
            {"name": "fixed_arena_4bots_hard", "size": 15, "rooms": 6, "objects": 10, "bots": 4, "bot_skill": "hard",
             "layout_seed": 11, "extra_connections": 0.6, "texture": "METAL2"},
        ],
    },
}

_SUITE_KEYS = {"resolution", "action_repeat", "episode_frames", "turn_degrees", "maps_per_wad", "rewards", "tasks"}
_MAZE_KEYS = {"size", "rooms", "layout_seed", "extra_connections", "texture"}
_TASK_KEYS = {
    "goal": {"name", "family", "apples", "goal"} | _MAZE_KEYS,
    "return": {"name", "family", "objects"} | _MAZE_KEYS,
    "doors": {"name", "family", "door_closed_probability"} | _MAZE_KEYS,
    "laser-tag": {"name", "family", "objects", "bots", "bot_skill", "map"} | _MAZE_KEYS,
}
GOAL_SUITES = ("mazes", "mazes-mini")  # every task of theirs is a goal task
_REWARD_KEYS = {"mazes": {"apple", "goal"}, "mazes-mini": {"apple", "goal"}, "navigation": {"apple", "goal", "object", "delivery"},
                "laser-tag": {"tag", "object"}}


def resolve_options(suite: str, options: dict[str, Any]) -> dict[str, Any]:
    """DEFAULTS[suite] updated with `options`, after checking every key."""
    unknown = sorted(set(options) - _SUITE_KEYS)
    if unknown:
        raise ValueError(f"suite {suite!r}: unknown option(s) {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(sorted(_SUITE_KEYS))})")
    resolved = copy.deepcopy(DEFAULTS[suite])
    resolved.update(copy.deepcopy(options))
    bad = sorted(set(resolved["rewards"]) ^ _REWARD_KEYS[suite])
    if bad:
        raise ValueError(f"suite {suite!r}: option 'rewards' must have exactly the keys "
                         f"{', '.join(sorted(_REWARD_KEYS[suite]))} (problem: {', '.join(bad)})")
    if not resolved["tasks"]:
        raise ValueError(f"suite {suite!r}: option 'tasks' is empty")
    names = [t.get("name") for t in resolved["tasks"]]
    if None in names or len(set(names)) != len(names):
        raise ValueError(f"suite {suite!r}: every task needs a unique 'name' (got {names})")
    for task in resolved["tasks"]:
        _check_task(suite, task)
    return resolved


def _family(suite: str, task: dict[str, Any]) -> str:
    return "laser-tag" if suite == "laser-tag" else task.get("family", "goal")


def _check_task(suite: str, task: dict[str, Any]) -> None:
    family = _family(suite, task)
    if family not in _TASK_KEYS or (suite in GOAL_SUITES and family != "goal"):
        raise ValueError(f"suite {suite!r}, task {task['name']!r}: key 'family': unknown family {family!r}")
    unknown = sorted(set(task) - _TASK_KEYS[family])
    if unknown:
        raise ValueError(f"suite {suite!r}, task {task['name']!r}: unknown key(s) {', '.join(map(repr, unknown))} "
                         f"(known: {', '.join(sorted(_TASK_KEYS[family]))})")
    for key, (low, high) in _RANGES.items():
        value = task.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))
                                  or not low <= value <= high):
            raise ValueError(f"suite {suite!r}, task {task['name']!r}: key {key!r} must be a number "
                             f"in [{low}, {high}], got {value!r}")
    size = task.get("size", 11)
    if not isinstance(size, int) or size < 5 or size % 2 == 0:
        raise ValueError(f"suite {suite!r}, task {task['name']!r}: key 'size' must be an odd integer >= 5, got {size!r}")


# Allowed ranges of the numeric task keys (params.schema.yaml states the same for params.yaml).
_RANGES = {"rooms": (0, 20), "layout_seed": (0, 2**31 - 1), "extra_connections": (0.0, 1.0), "apples": (0, 200),
           "objects": (0, 200), "door_closed_probability": (0.0, 1.0), "bots": (1, 8)}


def _engine(suite: str, options: dict[str, Any]) -> EngineConfig:
    return EngineConfig(
        resolution=tuple(int(v) for v in options["resolution"]),
        action_repeat=int(options["action_repeat"]),
        episode_frames=int(options["episode_frames"]),
        turn_degrees=float(options["turn_degrees"]),
        render_weapon=suite == "laser-tag",
    )


def _maze(task: dict[str, Any]) -> MazeSpec:
    return MazeSpec(size=int(task.get("size", 11)), rooms=int(task.get("rooms", 2)),
                    layout_seed=task.get("layout_seed"), extra_connections=float(task.get("extra_connections", 0.0)),
                    doors=task.get("family") == "doors", texture=str(task.get("texture", "STARTAN2")))


def make_task_env(suite: str, options: dict[str, Any], task_index: int, seed: int):
    """Build task `task_index` of `suite` (options already resolved) seeded by `seed`."""
    task = options["tasks"][task_index]
    engine, rewards = _engine(suite, options), options["rewards"]
    common = {"maps_per_wad": int(options["maps_per_wad"]), "rewards": rewards}
    family, name = _family(suite, task), task["name"]
    if family == "goal":
        return GoalTask(name, engine, seed, maze=_maze(task), apples=int(task.get("apples", 0)),
                        goal=bool(task.get("goal", True)), **common)
    if family == "return":
        return ReturnTask(name, engine, seed, maze=_maze(task), objects=int(task.get("objects", 4)), **common)
    if family == "doors":
        return DoorTask(name, engine, seed, maze=_maze(task),
                        door_closed_probability=float(task.get("door_closed_probability", 0.5)), **common)
    fixed = task.get("map")
    return LaserTagTask(name, engine, seed, bots=int(task.get("bots", 1)), bot_skill=str(task.get("bot_skill", "easy")),
                        maze=None if fixed else _maze(task), objects=int(task.get("objects", 0)),
                        fixed_map=fixed, **common)


def _factory(suite: str, **options: Any) -> Suite:
    resolved = resolve_options(suite, options)
    _engine(suite, resolved)  # validate engine options now, not at the first make_env
    names = tuple(t["name"] for t in resolved["tasks"])

    def make_env(task_index: int, seed: int):
        if not 0 <= task_index < len(names):
            raise ValueError(f"suite {suite!r}: task index {task_index} out of range 0..{len(names) - 1}")
        return make_task_env(suite, resolved, task_index, seed)

    return Suite(name=suite, backend="vizdoom", task_names=names, make_env=make_env, options=resolved)


for _name in DEFAULTS:
    register_suite(_name, "vizdoom", partial(_factory, _name))
