"""The notebook API: build a suite, train one algorithm, read its logs, in a few lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from distral import api, paths
from distral.config import ParamsError

PARAMS = Path(__file__).resolve().parents[1] / "params.yaml"


def small(params: dict) -> dict:
    """The smoke budget cut to 10 updates of 1 env on MiniGrid (a few seconds)."""
    params["profiles"]["smoke"]["deep"].update(frames_per_task=200, eval_interval_frames=200)
    return params


def test_suite_as_the_profile_builds_it():
    suite = api.suite("minigrid", PARAMS, profile="smoke")
    assert suite.task_names == ("empty", "empty_random", "doorkey")
    obs, _ = suite.make_env(0, 0).reset(seed=0)
    assert obs.shape == (24, 24, 3)  # the smoke profile's resolution, not the suite's 84


def test_train_then_read_logs(tmp_path):
    params = small(api.load_params(PARAMS))
    messages = []
    run = api.train("minigrid", "KL+ent_2col", params, profile="smoke", root=tmp_path, log=messages.append)
    assert run == tmp_path / paths.run_dir("smoke", "minigrid", "KL+ent_2col", "ent1e-3_lr4e-4", 0)
    logs = api.read_logs(run)
    assert logs.meta["status"] == "completed" and logs.meta["frames_per_task"] == 200
    assert set(logs.episodes.task) == {"empty", "empty_random", "doorkey"}
    assert set(logs.episodes.policy) == {"task", "distilled"}
    assert {"grad_norm", "entropy_pi_i", "entropy_pi_0", "kl_pi_i_pi_0"} <= set(logs.diagnostics.metric)
    assert "10 updates" in messages[0]


def test_bad_input_is_a_clear_error(tmp_path):
    params = api.load_params(PARAMS)
    with pytest.raises(ValueError, match="unknown profile 'huge'"):
        api.suite("minigrid", params, profile="huge")
    params["profiles"]["smoke"]["deep"]["frames_per_task"] = -1
    with pytest.raises(ParamsError, match="profiles.smoke.deep.frames_per_task"):
        api.train("minigrid", "A3C", params, profile="smoke", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="no meta.json"):
        api.read_logs(tmp_path)
