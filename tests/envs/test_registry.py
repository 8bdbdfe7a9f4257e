"""How a profile's deep budget changes the suite a run plays (registry.run_suite_options)."""

from __future__ import annotations

from pathlib import Path

from distral.config import load_params
from distral.envs.registry import run_suite_options

PARAMS = load_params(Path(__file__).resolve().parents[2] / "params.yaml")


def test_profile_resolution_and_episode_length_replace_the_suites():
    backend, options = run_suite_options(PARAMS, "mazes", {"resolution": 24, "episode_frames": 800})
    assert backend == "vizdoom"
    assert options["resolution"] == [24, 24] and options["episode_frames"] == 800
    assert PARAMS["suites"]["mazes"]["episode_frames"] == 3600  # params itself is left alone


def test_without_an_override_the_suites_episode_length_stays():
    _, options = run_suite_options(PARAMS, "laser-tag", {"resolution": 42})
    assert options["episode_frames"] == PARAMS["suites"]["laser-tag"]["episode_frames"]


def test_a_suite_without_fixed_episodes_gets_no_episode_length():
    """The toy suite (not in params.yaml's suites) has no episode_frames option to replace."""
    _, options = run_suite_options(PARAMS, "toy", {"resolution": 20, "episode_frames": 800})
    assert options == {"resolution": [20, 20]}
