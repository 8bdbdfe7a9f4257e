"""The suites' tasks through gymnasium.make, checked with gymnasium's own env checker."""

from __future__ import annotations

import gymnasium
import imageio.v2 as imageio
import numpy as np
import pytest
from gymnasium.utils.env_checker import check_env

from distral.envs import gym_envs
from distral.envs.registry import make_suite


def test_every_task_of_every_vizdoom_suite_is_registered():
    for suite in ("mazes", "navigation", "laser-tag"):
        for name in make_suite(suite).task_names:
            assert gym_envs.env_id(suite, name) in gymnasium.registry
    assert "distral/mazes-maze_0-v0" in gym_envs.IDS


@pytest.mark.parametrize("env_id", ["distral/mazes-maze_3-v0", "distral/navigation-return_objects-v0",
                                    "distral/laser-tag-gen_small_1bot-v0"])
def test_env_checker_passes(env_id, fresh_wad_cache):
    env = gymnasium.make(env_id, render_mode="rgb_array", resolution=[42, 42], episode_frames=64, seed=5)
    try:
        check_env(env.unwrapped)  # render check included
        obs, _ = env.reset(seed=1)
        assert obs.shape == (42, 42, 3) and obs.dtype == np.uint8
        steps, truncated = 0, False
        while not truncated:
            obs, reward, terminated, truncated, _ = env.step(env.action_space.sample())
            steps += 1
        assert steps == 64 // 4 and not terminated
    finally:
        env.close()


def test_gymnasium_make_equals_make_suite(fresh_wad_cache):
    """Same options, same seed: the same frames as the trainer's suite."""
    env = gymnasium.make("distral.envs.gym_envs:distral/mazes-maze_1-v0", resolution=[42, 42], seed=3)
    suite = make_suite("mazes", resolution=[42, 42])
    ref = suite.make_env(1, 3)
    try:
        a, _ = env.reset(seed=9)
        b, _ = ref.reset(seed=9)
        np.testing.assert_array_equal(a, b)
        for action in (0, 1, 2, 3, 1):
            np.testing.assert_array_equal(env.step(action)[0], ref.step(action)[0])
    finally:
        env.close(), ref.close()


def test_unknown_option_and_task_are_clear_errors():
    with pytest.raises(ValueError, match="unknown option"):
        gymnasium.make("distral/mazes-maze_0-v0", colour="red")
    with pytest.raises(ValueError, match="unknown task 'maze_0'"):
        gymnasium.make("distral/mazes-maze_0-v0", tasks=[{"name": "only", "family": "goal"}])


@pytest.mark.parametrize("env_id", ["distral/mazes-maze_0-v0", "distral/navigation-goal_locations-v0",
                                    "distral/laser-tag-gen_small_1bot-v0"])
def test_render_returns_the_observation_and_record_video_writes_an_episode(env_id, fresh_wad_cache, tmp_path):
    env = gymnasium.make(env_id, render_mode="rgb_array", resolution=[42, 42], episode_frames=48, seed=2)
    assert env.metadata["render_modes"] == ["rgb_array"] and env.render_mode == "rgb_array"
    recorder = gymnasium.wrappers.RecordVideo(env, str(tmp_path / "videos"), episode_trigger=lambda e: True)
    try:
        obs, _ = recorder.reset(seed=0)
        np.testing.assert_array_equal(env.render(), obs)  # what the agent sees, at its resolution
        done, steps = False, 0
        while not done:
            obs, _, terminated, truncated, _ = recorder.step(steps % 6)
            np.testing.assert_array_equal(env.render(), obs)
            done, steps = terminated or truncated, steps + 1
    finally:
        recorder.close()
    videos = list((tmp_path / "videos").glob("*.mp4"))
    assert len(videos) == 1 and videos[0].stat().st_size > 1000
    assert steps == 48 // 4
    frames = imageio.mimread(videos[0], memtest=False)  # the reset frame and one per step
    assert len(frames) == steps + 1 and frames[0].shape[:2] == (42, 42)


def test_unsupported_render_mode_is_a_clear_error():
    with pytest.raises(ValueError, match="render_mode 'human' is not supported"):
        gymnasium.make("distral/mazes-maze_0-v0", render_mode="human")
