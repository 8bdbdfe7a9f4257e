"""The grid world's dynamics (App. B.1): moves, wall penalty, goal termination, state."""

import numpy as np
import pytest

from distral.config import load_params
from distral.envs.gridworld import ACTIONS, PREV_REWARDS, GridWorld, Layout, draw_goals

REWARDS = {"step": -0.1, "wall": -0.5, "goal": 1.0}
UP, DOWN, LEFT, RIGHT, STAY = (ACTIONS.index(a) for a in ("up", "down", "left", "right", "stay"))


@pytest.fixture
def layout():
    return Layout.from_rows(load_params()["gridworld"]["layout"])


def make(layout, goal=(5, 15), max_steps=50):
    return GridWorld(layout, goal, REWARDS, max_steps)


def test_layout_is_two_rooms_and_a_corridor(layout):
    assert layout.shape == (7, 17)
    assert layout.corridor_cells() == [(3, c) for c in range(6, 11)]


def test_step_moves_and_costs_the_step_penalty(layout):
    env = make(layout)
    env.reset_to((1, 1))
    s, r, terminated, truncated = env.step(RIGHT)
    assert r == pytest.approx(-0.1) and not terminated and not truncated
    cell, prev_a, prev_r = GridWorld.decode(s)
    assert layout.free_cells[cell] == (1, 2)
    assert ACTIONS[prev_a] == "right" and PREV_REWARDS[prev_r] == "step"


def test_running_into_a_wall_costs_the_wall_penalty_and_stays(layout):
    env = make(layout)
    env.reset_to((1, 1))
    s, r, terminated, _ = env.step(UP)
    assert r == pytest.approx(-0.5) and not terminated
    cell, prev_a, prev_r = GridWorld.decode(s)
    assert layout.free_cells[cell] == (1, 1)
    assert ACTIONS[prev_a] == "up" and PREV_REWARDS[prev_r] == "wall"


def test_stay_is_a_step_not_a_bump(layout):
    env = make(layout)
    env.reset_to((2, 2))
    s, r, _, _ = env.step(STAY)
    assert r == pytest.approx(-0.1)
    assert GridWorld.decode(s)[0] == env.cell_index[(2, 2)]


def test_reaching_the_goal_pays_one_and_terminates(layout):
    env = make(layout, goal=(1, 2))
    env.reset_to((1, 1))
    _, r, terminated, truncated = env.step(RIGHT)
    assert r == 1.0 and terminated and not truncated


def test_episode_truncates_at_the_step_limit(layout):
    env = make(layout, max_steps=3)
    env.reset_to((2, 2))
    flags = [env.step(STAY)[3] for _ in range(3)]
    assert flags == [False, False, True]


def test_first_state_has_no_previous_reward(layout):
    env = make(layout)
    s = env.reset(np.random.default_rng(0))
    _, prev_a, prev_r = GridWorld.decode(s)
    assert ACTIONS[prev_a] == "stay" and PREV_REWARDS[prev_r] == "start"


def test_start_is_uniform_over_free_cells_except_the_goal(layout):
    env = make(layout)
    rng = np.random.default_rng(1)
    starts = [layout.free_cells[GridWorld.decode(env.reset(rng))[0]] for _ in range(20000)]
    cells, counts = np.unique(np.array(starts), axis=0, return_counts=True)
    assert {tuple(c) for c in cells} == set(layout.free_cells) - {env.goal}
    expected = len(starts) / len(cells)
    assert np.all(np.abs(counts - expected) < 5 * np.sqrt(expected))  # ~5 sigma


def test_state_encoding_round_trips(layout):
    env = make(layout)
    ids = {GridWorld.state(c, a, r) for c in range(len(env.cells)) for a in range(5) for r in range(3)}
    assert ids == set(range(env.n_states))
    for s in range(env.n_states):
        assert GridWorld.state(*GridWorld.decode(s)) == s


def test_goals_are_distinct_free_cells(layout):
    goals = draw_goals(layout, 8, np.random.default_rng(3))
    assert len(set(goals)) == 8 and all(layout.is_free(*g) for g in goals)


def test_bad_layout_and_goal_are_named():
    with pytest.raises(ValueError, match="unknown characters"):
        Layout.from_rows(["#x#"])
    with pytest.raises(ValueError, match="not a free cell"):
        GridWorld(Layout.from_rows(["###", "#.#", "###"]), (0, 0), REWARDS, 10)
