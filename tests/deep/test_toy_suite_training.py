"""The toy multitask pixel suite follows the suite interface the trainer relies on."""

from __future__ import annotations

import numpy as np
import pytest

from distral.envs.registry import available_suites, make_suite
from distral.envs.toy import goal_cells


def test_registered_and_interface():
    assert ("toy", "numpy") in available_suites()
    suite = make_suite("toy", backend="numpy", resolution=[24, 24], n_tasks=3)
    assert suite.task_names == ("goal0", "goal1", "goal2")
    spaces = set()
    for i in range(suite.n_tasks):
        env = suite.make_env(i, seed=0)
        obs, _ = env.reset(seed=1)
        assert obs.dtype == np.uint8 and obs.shape == (24, 24, 3) and env.observation_space.contains(obs)
        spaces.add(env.action_space.n)
        assert env.unwrapped.action_repeat == 4
    assert spaces == {5}  # identical actions across tasks
    vec = suite.make_vector_env("goal1", num_envs=2, seed=0)
    obs, _ = vec.reset(seed=0)
    assert obs.shape == (2, 24, 24, 3)
    vec.close()


def test_deterministic_given_reset_seed():
    suite = make_suite("toy", backend="numpy", resolution=20)
    actions = np.random.default_rng(0).integers(0, 5, size=40)

    def trajectory(env_seed):
        env = suite.make_env(2, seed=env_seed)
        frames = [env.reset(seed=123)[0]]
        for a in actions:
            obs, r, term, trunc, _ = env.step(a)
            frames.append(obs)
            if term or trunc:
                frames.append(env.reset(seed=124)[0])
        return np.stack(frames)

    np.testing.assert_array_equal(trajectory(0), trajectory(99))


def test_action_repeat_moves_one_cell_and_rewards_goal():
    suite = make_suite("toy", backend="numpy", resolution=20, grid=4, n_tasks=1)
    env = suite.make_env(0, seed=0).unwrapped  # goal at cell (0, 0)
    env.reset(seed=0)
    env._pos = (4, 0)  # one cell right of the goal (4 sub-cell units per cell)
    _, r, term, trunc, _ = env.step(3)  # left: reaches the goal on the 4th inner frame
    assert term and not trunc
    assert r == pytest.approx(1.0 + 4 * env.step_penalty)
    env.reset(seed=0)
    env._pos = (8, 8)
    _, r, term, _, _ = env.step(4)  # right, one cell
    assert env._pos == (12, 8) and not term and r == pytest.approx(4 * env.step_penalty)


def test_episode_is_cut_at_max_steps():
    env = make_suite("toy", backend="numpy", resolution=20, max_steps=3).make_env(0, seed=0)
    env.reset(seed=5)
    env.unwrapped._pos = (16, 16)
    outcomes = [env.step(0)[2:4] for _ in range(3)]  # stay put
    assert outcomes == [(False, False), (False, False), (False, True)]


def test_bad_options_are_clear_errors():
    with pytest.raises(ValueError, match="unknown option"):
        make_suite("toy", backend="numpy", colour="red")
    with pytest.raises(ValueError, match="must be square"):
        make_suite("toy", backend="numpy", resolution=[20, 30])
    with pytest.raises(ValueError, match="n_tasks 30 too large"):
        goal_cells(30, 4)
