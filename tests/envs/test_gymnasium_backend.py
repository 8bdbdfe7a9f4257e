"""The gymnasium backend: user suites of gymnasium env ids, proved on the MiniGrid example of params.yaml."""

from __future__ import annotations

from pathlib import Path

import gymnasium
import numpy as np
import pytest
import yaml

from distral import cli
from distral.config import ParamsError, load_params, validate_params
from distral.envs.gymnasium_backend import GymnasiumTask, SuiteDefinitionError, make_gymnasium_suite, resize
from distral.envs.registry import make_suite, suite_from_params

ROOT = Path(__file__).resolve().parents[2]
PARAMS = ROOT / "params.yaml"
IMAGE = ["minigrid.wrappers:RGBImgPartialObsWrapper", "minigrid.wrappers:ImgObsWrapper"]


class ThreeActions(gymnasium.Env):
    """A 16x16 image env with Discrete(3): a task whose actions differ from MiniGrid's 7."""

    observation_space = gymnasium.spaces.Box(0, 255, (16, 16, 3), np.uint8)
    action_space = gymnasium.spaces.Discrete(3)
    metadata = {"render_modes": ["rgb_array"]}

    def __init__(self, render_mode=None):
        self.render_mode = render_mode

    def reset(self, *, seed=None, options=None):
        super().reset(seed=seed)
        return np.zeros((16, 16, 3), np.uint8), {}

    def step(self, action):
        return np.zeros((16, 16, 3), np.uint8), 0.0, True, False, {}

    def render(self):
        return np.zeros((16, 16, 3), np.uint8)


if "distral-test/ThreeActions-v0" not in gymnasium.registry:
    gymnasium.register("distral-test/ThreeActions-v0", entry_point=ThreeActions)


def task(name: str, env_id: str, **more) -> dict:
    return {"name": name, "id": env_id, **more}


def minigrid(name: str, env_id: str, **more) -> dict:
    return task(name, env_id, wrappers=IMAGE, **more)


def test_minigrid_suite_of_params_yaml():
    suite = suite_from_params(load_params(PARAMS), "minigrid")
    assert suite.backend == "gymnasium" and suite.task_names == ("empty", "empty_random", "doorkey")
    for i in range(suite.n_tasks):
        env = suite.make_env(i, 0)
        obs, _ = env.reset(seed=1)
        assert obs.shape == (84, 84, 3) and obs.dtype == np.uint8 and obs.any()
        assert env.action_space == gymnasium.spaces.Discrete(7) and env.observation_space.contains(obs)
        env.close()


def test_observations_resized_to_the_resolution():
    suite = make_gymnasium_suite("mg", tasks=[minigrid("doorkey", "MiniGrid-DoorKey-5x5-v0")], resolution=[24, 30])
    env = suite.make_env(0, 0)
    obs, _ = env.reset(seed=0)
    inner, _ = env.inner.reset(seed=0)  # the wrapped env's frame: 7x7 tiles of 8 pixels
    assert obs.shape == (24, 30, 3) and inner.shape == (56, 56, 3)
    # area filter when shrinking: a uniform image stays uniform, the mean colour is kept
    flat = np.full((56, 56, 3), 77, np.uint8)
    np.testing.assert_array_equal(resize(flat, (24, 30)), np.full((24, 30, 3), 77, np.uint8))
    env.close()


def _play(env, actions) -> list[np.ndarray]:
    frames = []
    for a in actions:
        obs, *_ = env.step(a)
        frames.append(obs)
    return frames


def test_episode_is_a_function_of_seed_and_number():
    """Episode e of seed s: the same start and the same frames under the same actions, whether
    it follows episodes 0..e-1 or starts a fresh env (the trainer's resume contract)."""
    suite = make_gymnasium_suite("mg", tasks=[minigrid("random", "MiniGrid-Empty-Random-6x6-v0")], resolution=[20, 20])
    actions = [2, 1, 2, 2, 0, 2]
    played = suite.make_env(0, 0)
    played.reset(seed=11)
    _play(played, [0, 1, 2])  # episode 0, abandoned part-way
    starts = [played.reset()[0] for _ in range(3)]  # episodes 1, 2, 3
    frames = _play(played, actions)  # in episode 3
    fresh = suite.make_env(0, 99)
    start, _ = fresh.reset(seed=11, options={"episode": 3})
    np.testing.assert_array_equal(start, starts[2])
    for a, b in zip(frames, _play(fresh, actions)):
        np.testing.assert_array_equal(a, b)
    assert not all(np.array_equal(starts[0], s) for s in starts[1:])  # episodes differ (random start)


def test_termination_and_truncation_as_gymnasium_reports_them():
    env = GymnasiumTask("mg", minigrid("empty", "MiniGrid-Empty-5x5-v0"), (20, 20))
    env.reset(seed=0)
    # Empty-5x5: the agent starts at (1, 1) facing right, the goal is at (3, 3)
    results = [env.step(a) for a in (2, 2, 1, 2, 2)]  # forward, forward, turn right, forward, forward
    assert [r[2] for r in results] == [False] * 4 + [True] and results[-1][1] > 0.9
    short = GymnasiumTask("mg", minigrid("empty", "MiniGrid-Empty-5x5-v0", kwargs={"max_steps": 3}), (20, 20))
    short.reset(seed=0)
    ends = [short.step(0)[2:4] for _ in range(3)]  # turning left in place never reaches the goal
    assert ends == [(False, False), (False, False), (False, True)]


def test_action_repeat_sums_rewards_and_stops_at_the_end():
    env = GymnasiumTask("mg", minigrid("empty", "MiniGrid-Empty-5x5-v0"), (20, 20), action_repeat=2)
    env.reset(seed=0)
    assert env.step(2)[2:4] == (False, False)  # two steps forward: (3, 1)
    env.step(1)  # turn right twice: facing left
    assert tuple(int(x) for x in env.inner.unwrapped.agent_pos) == (3, 1)


@pytest.mark.parametrize("tasks, message", [
    ([minigrid("a", "MiniGrid-Empty-5x5-v0"), task("three", "distral-test/ThreeActions-v0")],
     r"task 'three' \(distral-test/ThreeActions-v0\): action space Discrete\(3\) differs from task 'a'"),
    ([task("pole", "CartPole-v1")], r"task 'pole' \(CartPole-v1\): observation space Box.* is not an RGB image"),
    ([task("dict", "minigrid:MiniGrid-Empty-5x5-v0")], r"task 'dict' .*observation space Dict"),
    ([task("typo", "MiniGrid-Emtpy-5x5-v0", wrappers=IMAGE)], r"task 'typo' .*gymnasium.make failed"),
    ([task("w", "MiniGrid-Empty-5x5-v0", wrappers=["minigrid.wrappers:NoSuchWrapper"])],
     r"task 'w' .*wrapper 'minigrid.wrappers:NoSuchWrapper' cannot be imported"),
    ([minigrid("k", "MiniGrid-Empty-5x5-v0", kwargs={"colour": 1})], r"task 'k' .*bad kwargs"),
    ([minigrid("a", "MiniGrid-Empty-5x5-v0"), minigrid("a", "MiniGrid-Empty-5x5-v0")], "task name 'a' appears twice"),
    ([{"name": "noid"}], "task 0 needs a 'name' and a gymnasium 'id'"),
    ([], "non-empty list"),
])
def test_bad_suites_are_stopped_naming_the_task(tasks, message):
    with pytest.raises(SuiteDefinitionError, match=message):
        make_suite("mine", backend="gymnasium", tasks=tasks)


def test_any_uint8_image_box_is_accepted():
    """MiniGrid's 7x7x3 symbolic grid is a uint8 Box (H, W, 3) too; it is accepted as an image
    (the user chose it), while its Dict observation without ImgObsWrapper is refused above."""
    suite = make_suite("mine", backend="gymnasium", tasks=[task("sym", "MiniGrid-Empty-5x5-v0",
                                                                wrappers=["minigrid.wrappers:ImgObsWrapper"])],
                       resolution=[14, 14])
    assert suite.make_env(0, 0).reset(seed=0)[0].shape == (14, 14, 3)


def _params_with(suite: dict) -> dict:
    params = yaml.safe_load(PARAMS.read_text())
    params["suites"]["mine"] = suite
    return params


@pytest.mark.parametrize("suite, key", [
    ({"backend": "gymnasium", "resolution": [20, 20], "tasks": [{"name": "a"}]}, "suites.mine.tasks.0"),
    ({"backend": "gymnasium", "resolution": [20, 20], "tasks": [{"name": "a", "id": "X-v0", "kwarg": {}}]},
     "suites.mine.tasks.0"),
    ({"backend": "vizdoom", "resolution": [20, 20], "tasks": [{"name": "a", "id": "X-v0"}]}, "suites.mine.backend"),
    ({"backend": "gymnasium", "resolution": [20, 20], "normalise": "yes", "tasks": [{"name": "a", "id": "X"}]},
     "suites.mine.normalise"),
])
def test_params_schema_names_the_bad_key_of_a_user_suite(suite, key):
    with pytest.raises(ParamsError, match=f"key '{key}"):
        validate_params(_params_with(suite))


def test_profile_suite_list_is_checked():
    params = yaml.safe_load(PARAMS.read_text())
    params["profiles"]["smoke"]["deep"]["suites"] = ["mazes", "minigird"]
    with pytest.raises(ParamsError, match="key 'profiles.smoke.deep.suites': 'minigird' is not one of suites"):
        validate_params(params)
    params = yaml.safe_load(PARAMS.read_text())
    params["profiles"]["default"]["deep"]["suites"].append("minigrid")  # without a frame budget for it
    with pytest.raises(ParamsError, match="key 'profiles.default.deep.frames_per_task': no budget for suite"):
        validate_params(params)


def test_train_command_stops_a_bad_user_suite_naming_the_task(tmp_path, capsys):
    suite = {"backend": "gymnasium", "resolution": [20, 20],
             "tasks": [minigrid("grid", "MiniGrid-Empty-5x5-v0"), task("pole", "CartPole-v1")]}
    params = _params_with(suite)
    path = tmp_path / "params.yaml"
    path.write_text(yaml.safe_dump(params, sort_keys=False))
    code = cli.main(["train", "--suite", "mine", "--algo", "A3C", "--hp", "ent1e-3_lr4e-4", "--seed", "0",
                     "--profile", "smoke", "--params", str(path), "--root", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 2 and "task 'pole' (CartPole-v1): observation space" in err
    assert not (tmp_path / "out").exists()  # nothing half-written


def test_a_user_task_passes_check_env_and_records_a_video(tmp_path):
    from gymnasium.utils.env_checker import check_env

    env = GymnasiumTask("mg", minigrid("empty", "MiniGrid-Empty-5x5-v0", kwargs={"max_steps": 10}), (32, 32))
    check_env(env)  # render check included: the wrapped env's own frame
    recorder = gymnasium.wrappers.RecordVideo(env, str(tmp_path / "videos"), episode_trigger=lambda e: True)
    recorder.reset(seed=0)
    done = False
    while not done:
        _, _, terminated, truncated, _ = recorder.step(0)
        done = terminated or truncated
    recorder.close()
    assert len(list((tmp_path / "videos").glob("*.mp4"))) == 1
