"""Reward rules of each task family, checked by moving the agent where the rule fires.

`env.warp` teleports the agent (Doom's `warp x y`) during the next engine frame, so
each test warps, takes one step and reads the reward the rule must give.
"""

from __future__ import annotations

import numpy as np
import pytest

from distral.envs.registry import make_suite
from distral.envs.vizdoom import wad
from distral.envs.vizdoom.engine import ACTION_NAMES, VAR
from distral.envs.vizdoom.layout import distances
from distral.envs.vizdoom.scripted import RandomAgent, run_episode, scripted_agent
from distral.envs.vizdoom.tasks import LaserTagTask

LOOK = ACTION_NAMES.index("look_left")  # an action that does not move the agent
FORWARD, BACKWARD = ACTION_NAMES.index("forward"), ACTION_NAMES.index("backward")
FAST = {"episode_frames": 600, "maps_per_wad": 2}


pytestmark = pytest.mark.usefixtures("fresh_wad_cache")


def warp_to(env, cell, steps: int = 1):
    """Teleport to `cell`'s centre and return the rewards of the next `steps` steps.

    The first step nudges the agent forward: Doom picks items up when a move
    touches them (a teleport alone does not), and the player needs a frame or two
    to get moving, so a pickup shows in the second step.
    """
    env.warp(*wad.cell_centre(env.layout, cell))
    nudge = (FORWARD, BACKWARD)  # one of the two moves even when the agent faces a wall
    return [env.step(nudge[k] if k < len(nudge) else LOOK)[1] for k in range(steps)]


def test_apple_gives_apple_reward_once():
    env = make_suite("mazes", **FAST).make_env(2, 0)
    env.reset(seed=4)
    apple = env.layout.apples[0]
    rewards = warp_to(env, apple, steps=3) + warp_to(env, apple, steps=3)
    assert sum(rewards) == 1.0 and max(rewards) == 1.0  # eaten once; coming back gives nothing
    assert env.stats["apples"] == 1
    env.close()


def test_goal_gives_large_reward_and_respawns_far_away_many_times():
    env = make_suite("mazes", **FAST).make_env(3, 0)
    env.reset(seed=2)
    goal = env.layout.goal
    for k in range(3):
        assert warp_to(env, goal) == [10.0]
        env.step(LOOK)  # the respawn warp happens during this step
        here = wad.world_to_cell(env.layout, *env.position)
        assert distances(env.layout.rows, goal)[here] >= 3
        assert env.stats["goals"] == k + 1
    env.close()


def test_return_objects_pays_on_pickup_and_on_delivery_at_start():
    suite = make_suite("navigation", **FAST)
    env = suite.make_env(suite.task_index("return_objects"), 0)
    env.reset(seed=1)
    start, objects = env.layout.spawn, env.layout.objects
    assert sum(warp_to(env, objects[0], 3)) == 1.0 and env.carried == 1
    assert sum(warp_to(env, objects[1], 3)) == 1.0 and env.carried == 2
    assert warp_to(env, start) == [2.0 * 2]  # delivery reward per carried object
    assert env.carried == 0 and env.stats["delivered"] == 2
    assert sum(warp_to(env, objects[1], 3)) == 0.0  # already collected
    env.close()


def test_doors_change_and_goal_respawns_into_new_door_states():
    suite = make_suite("navigation", **FAST)
    env = suite.make_env(suite.task_index("obstructed_goals"), 0)
    env.reset(seed=0)
    variants = env.layouts
    assert len({v.rows for v in variants}) > 1  # door states differ between variants
    for v in variants:
        assert any("D" in row for row in variants[0].rows + v.rows)
        assert distances(v.rows, v.spawn)[v.goal] >= 0  # closed doors never cut the goal off
        assert {v.goal} == {variants[0].goal}
    first_rows = env.layout.rows
    assert warp_to(env, env.layout.goal) == [10.0]
    assert env.variant == 1 and env.layout.rows == variants[1].rows
    assert wad.world_to_cell(env.layout, *env.position) == variants[1].spawn
    assert env.layout.rows != first_rows or variants[1].spawn != variants[0].spawn
    env.close()


def test_closed_doors_block_the_agent():
    suite = make_suite("navigation", **FAST)
    env = suite.make_env(suite.task_index("obstructed_goals"), 0)
    env.reset(seed=0)
    rows = env.layout.rows
    door = next((r, c) for r, row in enumerate(rows) for c, ch in enumerate(row) if ch == "D")
    r, c = door
    # stand next to the door on an open side, face it, walk into it
    side = next(n for n in ((r, c - 1), (r, c + 1), (r - 1, c), (r + 1, c)) if rows[n[0]][n[1]] == " ")
    env.warp(*wad.cell_centre(env.layout, side))
    env.step(LOOK)
    for _ in range(40):
        x, y = env.position
        tx, ty = wad.cell_centre(env.layout, door)
        angle = np.degrees(np.arctan2(ty - y, tx - x))
        error = (angle - env.angle + 180) % 360 - 180
        env.step(ACTION_NAMES.index("forward") if abs(error) < 10 else
                 ACTION_NAMES.index("look_left" if error > 0 else "look_right"))
    assert wad.world_to_cell(env.layout, *env.position) != door
    env.close()


def test_laser_tag_reward_counts_tags_and_objects():
    env = make_suite("laser-tag", **FAST).make_env(0, 0)
    env.reset(seed=0)
    base = env._variables.copy()
    tagged = base.copy()
    tagged[VAR["FRAGCOUNT"]] += 1
    tagged[VAR["ITEMCOUNT"]] += 2
    assert env.reward(tagged) == pytest.approx(1.0 + 2 * 0.25)
    suicide = tagged.copy()
    suicide[VAR["FRAGCOUNT"]] -= 1
    assert env.reward(suicide) == 0.0
    env.close()


def test_tagging_a_bot_in_the_engine_is_rewarded():
    suite = make_suite("laser-tag", episode_frames=2400, maps_per_wad=2)
    env = suite.make_env(suite.task_index("gen_small_3bots"), 0)
    assert isinstance(env, LaserTagTask)
    rewards = []
    total, info = run_episode(env, scripted_agent(env, 0), seed=5, on_step=lambda o, r: rewards.append(r))
    assert info["tags"] >= 1
    assert total == pytest.approx(info["tags"] * 1.0 + info.get("objects", 0) * 0.25)
    env.close()


@pytest.mark.parametrize("suite_name,task", [("mazes", "maze_1"), ("navigation", "goal_locations"),
                                             ("laser-tag", "gen_small_3bots")])
def test_scripted_agent_clearly_beats_random(suite_name, task):
    suite = make_suite(suite_name, episode_frames=2400, maps_per_wad=2)
    env = suite.make_env(suite.task_index(task), 0)
    random_return, _ = run_episode(env, RandomAgent(0), seed=5)
    scripted_return, _ = run_episode(env, scripted_agent(env, 0), seed=5)
    assert scripted_return >= 1.5 * random_return + 2.0, (random_return, scripted_return)
    env.close()
