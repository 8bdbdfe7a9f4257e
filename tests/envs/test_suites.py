"""ViZDoom suites: spaces, determinism, map generation, options and errors.

Episodes here are short (`episode_frames` small) and WAD pools tiny (`maps_per_wad`)
so the whole file runs in well under a minute; the rules are the same as at full size.
"""

from __future__ import annotations

import hashlib
import os

import numpy as np
import pytest

from distral.config import ParamsError, load_params, validate_params
from distral.envs.registry import available_suites, make_suite, suite_from_params
from distral.envs.vizdoom.engine import ACTION_NAMES
from distral.envs.vizdoom.suites import DEFAULTS

SUITES = ("mazes", "mazes-mini", "navigation", "laser-tag")
FAST = {"episode_frames": 400, "maps_per_wad": 2}


pytestmark = pytest.mark.usefixtures("fresh_wad_cache")


def play(env, n: int, action_seed: int):
    """Frames and rewards of up to `n` random steps from the current state."""
    actions = np.random.default_rng(action_seed).integers(len(ACTION_NAMES), size=n)
    frames, rewards = [], []
    for a in actions:
        obs, r, terminated, truncated, _ = env.step(int(a))
        frames.append(obs)
        rewards.append(r)
        if terminated or truncated:
            break
    return np.stack(frames), np.array(rewards)


def rollout(env, seed: int, n: int, action_seed: int = 0):
    """Frames (the reset's first) and rewards of `n` random steps after reset(seed)."""
    obs, _ = env.reset(seed=seed)
    frames, rewards = play(env, n, action_seed)
    return np.concatenate([obs[None], frames]), rewards


def test_every_suite_registered_for_both_backends():
    """The paper's suites on ViZDoom and DeepMind Lab; the scaled-down mazes on ViZDoom only (it
    has no DeepMind Lab level)."""
    for suite in SUITES:
        assert (suite, "vizdoom") in available_suites()
        assert ((suite, "dmlab") in available_suites()) == (suite != "mazes-mini")


def test_task_counts_match_table_2():
    counts = {suite: make_suite(suite).n_tasks for suite in SUITES}
    assert counts == {"mazes": 8, "mazes-mini": 8, "navigation": 4, "laser-tag": 8}


def test_spaces_identical_across_tasks_and_suites():
    spaces = set()
    for suite_name in SUITES:
        suite = make_suite(suite_name)
        for i in range(suite.n_tasks):
            env = suite.make_env(i, 0)  # spaces exist before the engine starts
            spaces.add((repr(env.observation_space), repr(env.action_space)))
    assert spaces == {("Box(0, 255, (84, 84, 3), uint8)", "Discrete(9)")}


@pytest.mark.parametrize("suite_name,task", [("mazes", "maze_2"), ("navigation", "obstructed_goals"),
                                             ("laser-tag", "gen_small_3bots")])
def test_same_seed_same_frames_and_rewards(suite_name, task):
    suite = make_suite(suite_name, **FAST)
    index = suite.task_index(task)
    env_a, env_b = suite.make_env(index, 3), suite.make_env(index, 3)
    frames_a, rewards_a = rollout(env_a, 11, 60)
    frames_b, rewards_b = rollout(env_b, 11, 60)
    assert np.array_equal(frames_a, frames_b)
    assert np.array_equal(rewards_a, rewards_b)
    frames_c, _ = rollout(env_a, 12, 60)  # another seed: other spawn, maps or bots
    assert not np.array_equal(frames_a, frames_c)
    for env in (env_a, env_b):
        env.close()


def episode_two(suite_name: str, task: str, maps_per_wad: int = 2):
    """Episode 2 of seed 11 played after episodes 0 and 1, and played first in a fresh env."""
    # maps_per_wad 2: episode 2 starts the second map pool (a new WAD)
    suite = make_suite(suite_name, **{**FAST, "maps_per_wad": maps_per_wad})
    index = suite.task_index(task)
    along, fresh = suite.make_env(index, 3), suite.make_env(index, 3)
    first, _ = along.reset(seed=11)
    pids = [along._engine_pid]
    for episode in range(2):
        play(along, 400, episode)  # to the end of the episode (400 frames = 100 steps)
        along.reset()
        pids.append(along._engine_pid)
    frames_a, rewards_a = play(along, 60, 2)
    start, _ = fresh.reset(seed=11, options={"episode": 2})
    frames_b, rewards_b = play(fresh, 60, 2)
    pools = len({e // along._episodes_per_pool for e in range(3)})  # an engine start per pool (WAD)
    for env in (along, fresh):
        env.close()
    return (frames_a, rewards_a), (frames_b, rewards_b), (pids, pools)


@pytest.mark.parametrize("suite_name,task", [("mazes", "maze_2"), ("navigation", "return_objects"),
                                             ("navigation", "obstructed_goals"), ("laser-tag", "gen_small_3bots")])
def test_episode_e_is_the_same_in_a_fresh_engine_as_after_episodes_before_it(suite_name, task):
    """The contract checkpoints rely on: episode e of a seed depends on (seed, e) only."""
    (frames_a, rewards_a), (frames_b, rewards_b), (pids, pools) = episode_two(suite_name, task)
    assert np.array_equal(frames_a, frames_b) and np.array_equal(rewards_a, rewards_b)
    if suite_name == "laser-tag":  # bots: a fresh engine every episode
        assert len(set(pids)) == 3
    else:  # the engine is kept within a map pool (mazes: episodes 0 and 1 share the first pool)
        assert len(set(pids)) == pools
    if suite_name == "mazes":
        assert pools == 2


def test_laser_tag_needs_a_fresh_engine_each_episode(monkeypatch):
    """Control: with the engine kept, ZDoom's bots carry state into the next episode."""
    from distral.envs.vizdoom.tasks import LaserTagTask

    monkeypatch.setattr(LaserTagTask, "fresh_engine_each_episode", False)
    # one pool for all three episodes, so only the flag could restart the engine
    (frames_a, _), (frames_b, _), _ = episode_two("laser-tag", "gen_rooms_5bots", maps_per_wad=4)
    assert not np.array_equal(frames_a, frames_b)


def test_reset_episode_option_needs_a_seed():
    env = make_suite("mazes", **FAST).make_env(0, 3)
    with pytest.raises(ValueError, match="'episode' needs a seed"):
        env.reset(options={"episode": 2})
    with pytest.raises(ValueError, match="'episode' must be >= 0"):
        env.reset(seed=1, options={"episode": -1})


@pytest.mark.parametrize("suite_name,task", [("mazes", 0), ("navigation", 1), ("laser-tag", 5)])
def test_gymnasium_env_checker_passes(suite_name, task):
    """gymnasium's own checks: spaces, reset/step signatures, same seed -> same step in one env."""
    from gymnasium.utils.env_checker import check_env

    env = make_suite(suite_name, **FAST).make_env(task, 0)
    check_env(env, skip_render_check=True)
    env.close()


def test_observation_resolution_is_configurable():
    suite = make_suite("navigation", resolution=[48, 64], **FAST)
    env = suite.make_env(0, 0)
    obs, _ = env.reset()
    assert obs.shape == (48, 64, 3) and obs.dtype == np.uint8
    assert env.observation_space.contains(obs)
    env.close()


def test_episode_has_fixed_length_in_frames():
    suite = make_suite("mazes", episode_frames=40, action_repeat=4, maps_per_wad=2)
    env = suite.make_env(0, 0)
    env.reset(seed=0)
    steps = 0
    while True:
        _, _, terminated, truncated, info = env.step(0)
        steps += 1
        if terminated or truncated:
            break
    assert (steps, info["frames"], terminated, truncated) == (10, 40, False, True)
    env.close()


def test_maze_layout_fixed_per_task_objects_vary_per_episode():
    suite = make_suite("mazes", **FAST)
    env_a, env_b = suite.make_env(4, 0), suite.make_env(4, 99)
    first, second, other_seed = env_a.episode_layouts(0)[0], env_a.episode_layouts(1)[0], env_b.episode_layouts(0)[0]
    assert first.rows == second.rows == other_seed.rows  # the task's maze
    assert (first.goal, first.apples) != (second.goal, second.apples)
    assert env_a.episode_layouts(0) == suite.make_env(4, 0).episode_layouts(0)
    assert suite.make_env(3, 0).episode_layouts(0)[0].rows != first.rows  # tasks differ


def test_navigation_maps_new_every_episode_and_deterministic():
    suite = make_suite("navigation", **FAST)
    for i in range(suite.n_tasks):
        env = suite.make_env(i, 5)
        assert env.episode_layouts(0)[0].rows != env.episode_layouts(1)[0].rows
        assert env.episode_layouts(3) == suite.make_env(i, 5).episode_layouts(3)


def test_wad_generation_is_deterministic_and_cached(tmp_path):
    from distral.envs.vizdoom import wad

    env = make_suite("navigation", **FAST).make_env(3, 0)
    layouts = env.episode_layouts(0) + env.episode_layouts(1)
    path_a = wad.write_pool(layouts, tmp_path / "a")
    path_b = wad.write_pool(layouts, tmp_path / "b")
    assert hashlib.sha1(path_a.read_bytes()).digest() == hashlib.sha1(path_b.read_bytes()).digest()
    inode = path_a.stat().st_ino
    assert wad.write_pool(layouts, tmp_path / "a") == path_a and path_a.stat().st_ino == inode  # not rewritten


def test_the_wad_cache_prunes_the_least_recently_used(tmp_path, monkeypatch):
    """An env reusing an old cached WAD loads it only after its engine start lock; meanwhile
    another env's new WAD prunes the cache. Pruning by age of writing deleted the reused file
    (bench/first_episodes.py, 32 envs over a full cache: "File ... .wad does not exist")."""
    from distral.envs.vizdoom import wad

    monkeypatch.setenv("DISTRAL_WAD_CACHE_MAX", "2")
    env = make_suite("navigation", **FAST).make_env(3, 0)
    pools = [env.episode_layouts(2 * k) + env.episode_layouts(2 * k + 1) for k in range(3)]
    reused, other = wad.write_pool(pools[0], tmp_path), wad.write_pool(pools[1], tmp_path)
    os.utime(reused, ns=(10**17, 10**17))  # the oldest file
    os.utime(other, ns=(10**18, 10**18))
    assert wad.write_pool(pools[0], tmp_path) == reused  # reused now
    new = wad.write_pool(pools[2], tmp_path)  # a third file: one must go, not the one just reused
    assert sorted(tmp_path.glob("*.wad")) == sorted([reused, new])
    reused.unlink()  # pruned by another process: written again
    assert wad.write_pool(pools[0], tmp_path) == reused and reused.is_file()

    def read_only(path, *args, **kwargs):
        raise PermissionError(1, "Operation not permitted", str(path))

    monkeypatch.setattr(wad.os, "utime", read_only)  # a cache this user may read, not write
    assert wad.write_pool(pools[0], tmp_path) == reused


def test_wad_cache_is_bounded_and_the_engine_keeps_running(tmp_path, monkeypatch):
    monkeypatch.setenv("DISTRAL_WAD_CACHE", str(tmp_path))
    monkeypatch.setenv("DISTRAL_WAD_CACHE_MAX", "2")
    env = make_suite("navigation", **FAST).make_env(0, 0)
    for _ in range(7):  # four pools of two maps
        obs, _ = env.reset()
        for _ in range(5):
            obs, *_ = env.step(0)
    assert len(list(tmp_path.glob("*.wad"))) == 2
    assert obs.std() > 0  # the engine still renders the current pool
    env.close()


def test_episodes_switch_maps_within_a_pool():
    env = make_suite("navigation", **FAST).make_env(2, 0)  # two maps per WAD
    env.reset(seed=1)
    wad_first, map_first = env._pool.wad, env.maps
    env.reset()
    assert env._pool.wad == wad_first and env.maps != map_first
    env.reset()  # third episode: the next pool
    assert env._pool.wad != wad_first
    env.close()


def test_vector_env_steps_copies_with_distinct_seeds():
    suite = make_suite("mazes", **FAST)
    venv = suite.make_vector_env("maze_1", 2, seed=0)
    obs, _ = venv.reset(seed=0)
    assert obs.shape == (2, 84, 84, 3)
    obs, rewards, terminated, truncated, _ = venv.step(np.array([0, 1]))
    assert rewards.shape == (2,) and not np.array_equal(obs[0], obs[1])
    venv.close()


def test_async_vector_env_matches_sync():
    suite = make_suite("navigation", **FAST)
    actions = np.random.default_rng(0).integers(9, size=(20, 2))
    results = []
    for asynchronous in (False, True):
        venv = suite.make_vector_env("goal_locations", 2, seed=4, asynchronous=asynchronous)
        obs, _ = venv.reset(seed=4)
        frames = [obs]
        for a in actions:
            frames.append(venv.step(a)[0])
        venv.close()
        results.append(np.stack(frames))
    assert np.array_equal(results[0], results[1])


def test_params_yaml_suites_match_code_defaults():
    params = load_params()
    for name in SUITES:
        section = dict(params["suites"][name])
        assert section.pop("backend") == "vizdoom"
        assert section.pop("variant_of", "mazes" if name == "mazes-mini" else None) == (
            "mazes" if name == "mazes-mini" else None)  # the analysis's key: which paper suite it scales down
        assert section == DEFAULTS[name]
        assert suite_from_params(params, name).task_names == tuple(t["name"] for t in DEFAULTS[name]["tasks"])


def test_params_schema_rejects_unknown_suite_key():
    params = load_params()
    params["suites"]["mazes"]["episode_length"] = 10
    with pytest.raises(ParamsError, match="suites.mazes"):
        validate_params(params)


@pytest.mark.parametrize("call,match", [
    (lambda: make_suite("mazez"), "unknown suite 'mazez'"),
    (lambda: make_suite("mazes", backend="unity"), "no backend 'unity'"),
    (lambda: make_suite("mazes", episode_length=10), "unknown option.*'episode_length'"),
    (lambda: make_suite("mazes", resolution=[4, 84]), "option 'resolution'"),
    (lambda: make_suite("mazes", action_repeat=0), "option 'action_repeat'"),
    (lambda: make_suite("mazes", rewards={"apple": 1.0}), "option 'rewards'"),
    (lambda: make_suite("mazes", tasks=[{"name": "m", "size": 11, "bots": 2}]), "unknown key.*'bots'"),
    (lambda: make_suite("navigation", tasks=[{"name": "n", "family": "teleport"}]), "key 'family'"),
    (lambda: make_suite("laser-tag").make_env(99, 0), "task index 99 out of range"),
    (lambda: make_suite("laser-tag").task_index("lt_chasm"), "unknown task 'lt_chasm'"),
    (lambda: make_suite("laser-tag", tasks=[{"name": "l", "map": "cig.wad:MAP01", "bots": 2, "bot_skill": "godlike"}])
     .make_env(0, 0), "option 'bot_skill'"),
    (lambda: make_suite("laser-tag", tasks=[{"name": "l", "map": "doom.wad:MAP01", "bots": 1}]).make_env(0, 0),
     "option 'map'"),
    (lambda: make_suite("mazes", tasks=[{"name": "m", "size": 10}]), "key 'size' must be an odd integer"),
    (lambda: make_suite("mazes", tasks=[{"name": "m", "apples": -1}]), "key 'apples' must be a number in"),
    (lambda: make_suite("navigation", tasks=[{"name": "n", "family": "doors", "door_closed_probability": 2}]),
     "key 'door_closed_probability'"),
    (lambda: make_suite("laser-tag", tasks=[{"name": "l", "bots": 12}]), "key 'bots' must be a number"),
])
def test_bad_names_and_options_raise_clear_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_action_raises():
    env = make_suite("mazes", **FAST).make_env(0, 0)
    env.reset(seed=0)
    with pytest.raises(ValueError, match="action 9 outside 0..8"):
        env.step(9)
    env.close()


def test_close_ends_the_engine_process():
    import os

    env = make_suite("navigation", **FAST).make_env(3, 0)
    env.reset(seed=0)
    pid = env._engine_pid
    assert pid is not None and os.path.exists(f"/proc/{pid}")
    env.close()
    try:
        state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        state = "gone"
    assert state in ("gone", "Z")  # reaped, or a zombie waiting to be reaped
