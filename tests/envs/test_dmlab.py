"""DeepMind Lab adapter, tested against a stand-in for `deepmind_lab`.

DeepMind Lab cannot be built on this machine (its Bazel build downloads external
archives), so `FakeLab` below implements the documented Python API
(docs/users/python_api.md: `Lab(level, observations, config)`, `reset(seed=)`,
`step(action, num_steps=)`, `observations()`, `is_running()`, `action_spec()`)
and records how the adapter calls it. These tests check the adapter's side of
the contract, not DeepMind Lab itself.
"""

from __future__ import annotations

import sys
import types

import numpy as np
import pytest

from distral.envs import dmlab
from distral.envs.registry import make_suite
from distral.envs.vizdoom.engine import ACTION_NAMES

SPEC_NAMES = ("LOOK_LEFT_RIGHT_PIXELS_PER_FRAME", "LOOK_DOWN_UP_PIXELS_PER_FRAME", "STRAFE_LEFT_RIGHT",
              "MOVE_BACK_FORWARD", "FIRE", "JUMP", "CROUCH")


class FakeLab:
    """Documented deepmind_lab.Lab API; reward = frames stepped with MOVE_BACK_FORWARD = 1."""

    instances: list["FakeLab"] = []

    def __init__(self, level, observations, config=None, renderer="software", level_cache=None):
        self.level, self.observation_names, self.config = level, list(observations), dict(config or {})
        self.height, self.width = int(self.config["height"]), int(self.config["width"])
        self.calls: list[tuple] = []
        self.frames, self.seed, self.running = 0, None, False
        FakeLab.instances.append(self)

    def action_spec(self):
        return [{"name": name, "min": -512 if "PIXELS" in name else -1, "max": 512 if "PIXELS" in name else 1}
                for name in SPEC_NAMES]

    def reset(self, episode=-1, seed=None):
        self.calls.append(("reset", seed))
        self.seed, self.frames, self.running = seed, 0, True

    def step(self, action, num_steps=1):
        assert action.dtype == np.intc and action.shape == (len(SPEC_NAMES),)
        self.calls.append(("step", tuple(int(a) for a in action), num_steps))
        self.frames += num_steps
        if self.frames >= 40:
            self.running = False
        return float(num_steps if action[SPEC_NAMES.index("MOVE_BACK_FORWARD")] == 1 else 0)

    def is_running(self):
        return self.running

    def observations(self):
        if not self.running:
            raise RuntimeError("observations() after the episode ended")
        value = (self.seed + self.frames) % 256
        return {"RGB_INTERLEAVED": np.full((self.height, self.width, 3), value, dtype=np.uint8)}

    def close(self):
        self.calls.append(("close",))


@pytest.fixture
def fake_lab(monkeypatch):
    module = types.ModuleType("deepmind_lab")
    module.Lab = FakeLab
    monkeypatch.setitem(sys.modules, "deepmind_lab", module)
    FakeLab.instances.clear()
    return FakeLab


def test_missing_deepmind_lab_gives_installation_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "deepmind_lab", None)  # makes `import deepmind_lab` fail
    with pytest.raises(ImportError, match="github.com/google-deepmind/lab.*backend='vizdoom'"):
        make_suite("mazes", backend="dmlab")


def test_suite_names_map_to_public_levels(fake_lab):
    suites = {name: make_suite(name, backend="dmlab") for name in ("mazes", "navigation", "laser-tag")}
    assert [s.n_tasks for s in suites.values()] == [8, 4, 8]
    assert suites["mazes"].task_names[0] == "nav_maze_static_01"
    assert "contributed/dmlab30/explore_obstructed_goals_large" in suites["navigation"].task_names
    assert all(n.startswith(("lt_", "contributed/dmlab30/lasertag_")) for n in suites["laser-tag"].task_names)


def test_env_uses_documented_api_with_same_spaces_as_vizdoom(fake_lab):
    suite = make_suite("navigation", backend="dmlab", resolution=[72, 96], action_repeat=4)
    env = suite.make_env(1, seed=7)
    lab = fake_lab.instances[-1]
    assert lab.level == "contributed/dmlab30/explore_object_locations_large"
    assert lab.observation_names == ["RGB_INTERLEAVED"] and lab.config["width"] == "96"
    assert env.action_space.n == len(ACTION_NAMES)
    obs, _ = env.reset()
    assert obs.shape == (72, 96, 3) and env.observation_space.contains(obs)
    _, reward, terminated, truncated, _ = env.step(ACTION_NAMES.index("forward"))
    assert (reward, terminated, truncated) == (4.0, False, False)
    kind, vector, num_steps = lab.calls[-1]
    assert kind == "step" and num_steps == 4
    assert vector[SPEC_NAMES.index("MOVE_BACK_FORWARD")] == 1 and sum(map(abs, vector)) == 1
    _, _, _, _, _ = env.step(ACTION_NAMES.index("look_left"))
    assert lab.calls[-1][1][0] == -dmlab.LOOK_PIXELS
    env.step(ACTION_NAMES.index("fire"))
    assert lab.calls[-1][1][SPEC_NAMES.index("FIRE")] == 1


def test_episode_end_truncates_and_keeps_last_observation(fake_lab):
    env = make_suite("mazes", backend="dmlab").make_env(0, seed=1)
    env.reset()
    steps, truncated = 0, False
    while not truncated:
        obs, _, terminated, truncated, _ = env.step(0)
        steps += 1
    assert steps == 10 and not terminated and obs.shape == (84, 84, 3)


def test_seeds_are_derived_and_reproducible(fake_lab):
    suite = make_suite("laser-tag", backend="dmlab")
    env_a, env_b = suite.make_env(2, seed=3), suite.make_env(2, seed=3)
    env_a.reset()
    env_a.reset()
    env_b.reset()
    env_b.reset()
    seeds_a = [c[1] for c in fake_lab.instances[0].calls if c[0] == "reset"]
    seeds_b = [c[1] for c in fake_lab.instances[1].calls if c[0] == "reset"]
    assert seeds_a == seeds_b and seeds_a[0] != seeds_a[1]


def test_params_backend_switch_passes_only_shared_options(fake_lab):
    from distral.config import load_params
    from distral.envs.registry import suite_from_params

    params = load_params()
    params["suites"]["mazes"]["resolution"] = [64, 64]
    suite = suite_from_params(params, "mazes", backend="dmlab")
    assert suite.backend == "dmlab" and suite.options["resolution"] == [64, 64]
    suite.make_env(0, seed=0)
    assert fake_lab.instances[-1].config["height"] == "64"


def test_bad_dmlab_options_and_actions(fake_lab):
    with pytest.raises(ValueError, match="unknown option.*'maps_per_wad'"):
        make_suite("mazes", backend="dmlab", maps_per_wad=3)
    env = make_suite("mazes", backend="dmlab").make_env(0, seed=0)
    env.reset()
    with pytest.raises(ValueError, match="action 12"):
        env.step(12)
    with pytest.raises(ValueError, match="lacks"):
        dmlab.action_vectors([{"name": "FIRE", "min": 0, "max": 1}])
