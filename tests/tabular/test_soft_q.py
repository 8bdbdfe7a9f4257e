"""Soft Q-learning (eqs 2-4) and distillation (eq 5) against hand-worked examples and
slow loops written straight from the equations."""

import math

import numpy as np
import pytest

from distral.config import load_params
from distral.tabular.soft_q import (
    Tables,
    distill,
    policy_weights,
    run_gridworld,
    sample_weights,
    soft_policy,
    soft_q_update,
    soft_value,
    value_of_row,
)


def slow_soft_value(q, prior, alpha, beta):
    """Eq (2) as written: V = 1/beta log sum_a pi_0(a)^alpha exp(beta Q(a))."""
    return 1.0 / beta * math.log(sum(prior[a] ** alpha * math.exp(beta * q[a]) for a in range(len(q))))


def slow_soft_policy(q, prior, alpha, beta):
    """Eq (4) as written: pi(a) = pi_0(a)^alpha exp(beta Q(a) - beta V)."""
    v = slow_soft_value(q, prior, alpha, beta)
    return [prior[a] ** alpha * math.exp(beta * q[a] - beta * v) for a in range(len(q))]


def test_soft_value_and_policy_match_the_equations_as_written():
    rng = np.random.default_rng(0)
    for _ in range(50):
        q = rng.normal(size=5)
        prior = rng.dirichlet(np.ones(5))
        alpha, beta = rng.uniform(0, 1), rng.uniform(0.1, 10)
        assert soft_value(q, np.log(prior), alpha, beta) == pytest.approx(slow_soft_value(q, prior, alpha, beta))
        np.testing.assert_allclose(soft_policy(q, np.log(prior), alpha, beta), slow_soft_policy(q, prior, alpha, beta))


# A hand-worked 2-state MDP (beta = 1, discount 1/2, uniform prior, alpha = 1):
#   state A: action 0 -> reward 1, episode ends; action 1 -> reward 0, go to B
#   state B: action 0 -> reward 0, episode ends; action 1 -> reward 2, episode ends
# Eq (3) then eq (2):  Q_B = (0, 2),  V_B = log((e^0 + e^2) / 2) = 1.43378...
#                      Q_A = (1, V_B / 2) = (1, 0.71689...),
#                      V_A = log((e^1 + e^0.71689) / 2) = 0.86843...
V_B = math.log((1 + math.e**2) / 2)
Q_A = (1.0, 0.5 * V_B)
V_A = math.log((math.e ** Q_A[0] + math.e ** Q_A[1]) / 2)
TRANSITIONS = {(0, 0): (1.0, None), (0, 1): (0.0, 1), (1, 0): (0.0, None), (1, 1): (2.0, None)}


def test_hand_worked_two_state_mdp_values():
    log_uniform = np.log(np.full(2, 0.5))
    assert V_B == pytest.approx(1.4337808)
    assert V_A == pytest.approx(0.8684308, abs=1e-6)
    assert soft_value(np.array([0.0, 2.0]), log_uniform, 1.0, 1.0) == pytest.approx(V_B)
    assert soft_value(np.array(Q_A), log_uniform, 1.0, 1.0) == pytest.approx(V_A)
    np.testing.assert_allclose(soft_policy(np.array([0.0, 2.0]), log_uniform, 1.0, 1.0),
                               [1 / (1 + math.e**2), math.e**2 / (1 + math.e**2)])


def test_soft_q_learning_converges_to_the_hand_worked_fixed_point():
    q = np.zeros((2, 2))
    log_prior = np.log(np.full((2, 2), 0.5))
    for _ in range(2000):
        for (s, a), (r, s_next) in TRANSITIONS.items():
            soft_q_update(q, s, a, r, s_next or 0, s_next is None, log_prior, 1.0, 1.0, 0.1, 0.5)
    np.testing.assert_allclose(q[1], [0.0, 2.0], atol=1e-9)
    np.testing.assert_allclose(q[0], Q_A, atol=1e-9)


def test_one_update_matches_the_sampled_backup_written_out():
    rng = np.random.default_rng(1)
    q = rng.normal(size=(3, 5))
    prior = rng.dirichlet(np.ones(5), size=3)
    expected = q.copy()
    target = -0.1 + 0.95 * slow_soft_value(q[2], prior[2], 0.7, 5.0)
    expected[0, 3] += 0.1 * (target - q[0, 3])
    soft_q_update(q, 0, 3, -0.1, 2, False, np.log(prior), 0.7, 5.0, 0.1, 0.95)
    np.testing.assert_allclose(q, expected)


def test_terminal_next_state_has_zero_value():
    q = np.ones((2, 5))
    soft_q_update(q, 0, 0, 1.0, 1, True, np.log(np.full((2, 5), 0.2)), 1.0, 5.0, 1.0, 0.95)
    assert q[0, 0] == 1.0  # target is the reward alone


def test_large_beta_recovers_the_hard_max():
    q = np.array([0.3, -1.0, 0.9, 0.2, 0.85])
    uniform = np.log(np.full(5, 0.2))
    assert soft_value(q, uniform, 1.0, 1e5) == pytest.approx(0.9, abs=1e-4)
    assert soft_policy(q, uniform, 1.0, 1e5)[2] == pytest.approx(1.0)


def test_alpha_zero_ignores_the_prior():
    rng = np.random.default_rng(2)
    q = rng.normal(size=5)
    p1, p2 = rng.dirichlet(np.ones(5)), rng.dirichlet(np.ones(5))
    assert soft_value(q, np.log(p1), 0.0, 5.0) == pytest.approx(soft_value(q, np.log(p2), 0.0, 5.0))
    np.testing.assert_allclose(soft_policy(q, np.log(p1), 0.0, 5.0), soft_policy(q, np.log(p2), 0.0, 5.0))
    assert soft_value(q, np.log(p1), 0.0, 5.0) == pytest.approx(math.log(np.exp(5 * q).sum()) / 5)


def test_the_loops_list_rows_match_the_array_equations():
    """The learning loop's float rows (policy_weights, value_of_row, sample_weights) are
    eqs (2) and (4) as `soft_value` / `soft_policy` compute them on arrays."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        q = rng.normal(scale=3, size=5)
        log_prior = np.log(rng.dirichlet(np.ones(5)))
        alpha, beta = rng.uniform(0, 1), rng.uniform(0.1, 10)
        weights = policy_weights(q.tolist(), log_prior.tolist(), alpha, beta)
        probs = soft_policy(q, log_prior, alpha, beta)
        np.testing.assert_allclose(np.array(weights) / sum(weights), probs, rtol=1e-12)
        assert value_of_row(q.tolist(), log_prior.tolist(), alpha, beta) == pytest.approx(
            soft_value(q, log_prior, alpha, beta), rel=1e-12, abs=1e-12)
        u = rng.random()
        assert sample_weights(weights, u) == int(np.searchsorted(np.cumsum(probs), u, side="right"))


def test_sample_weights_is_the_inverse_cdf():
    assert [sample_weights([1.0, 2.0, 1.0], u) for u in (0.0, 0.24, 0.25, 0.74, 0.75, 0.999)] == [0, 0, 1, 1, 2, 2]
    assert sample_weights([0.0, 0.0, 1.0], 0.0) == 2  # zero-weight actions are never drawn


def test_tables_distil_the_visited_rows_as_eq5():
    tables = Tables(n_tasks=1, n_states=3, pseudocount=1.0)
    for s, a in [(0, 0), (0, 0), (0, 0), (0, 2), (2, 4)]:
        tables.visit(s, a)
    tables.distill()
    _, counts, log_pi0 = tables.arrays()
    np.testing.assert_allclose(np.exp(log_pi0), distill(counts, 1.0), rtol=1e-12)
    np.testing.assert_allclose(np.exp(log_pi0[0]), [4 / 9, 1 / 9, 2 / 9, 1 / 9, 1 / 9])
    np.testing.assert_allclose(np.exp(log_pi0[1]), [0.2] * 5)  # never visited: uniform


def test_distilled_policy_is_normalised_counts_plus_pseudocount():
    counts = np.array([[3.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 0.0]])
    np.testing.assert_allclose(distill(counts, 1.0), [[4 / 9, 1 / 9, 2 / 9, 1 / 9, 1 / 9], [0.2] * 5])


@pytest.fixture(scope="module")
def smoke():
    params = load_params(overrides={"profile": "smoke"})
    budget = dict(params["profiles"]["smoke"]["gridworld"], env_steps_per_task=2000, eval_interval=1000)
    return params["gridworld"], budget


def test_runs_are_deterministic_given_the_seed(smoke):
    gw, budget = smoke
    a, b = run_gridworld(gw, budget, "distral", 7), run_gridworld(gw, budget, "distral", 7)
    assert a.evals.equals(b.evals) and a.episodes.equals(b.episodes)
    np.testing.assert_array_equal(a.pi0, b.pi0)
    assert run_gridworld(gw, budget, "distral", 8).goals != a.goals


def test_distral_prior_is_the_distillation_of_all_training_visits(smoke):
    gw, budget = smoke
    result = run_gridworld(gw, budget, "distral", 3)
    # Every training step of every task is one visit; pi_0 = (n(s,a) + 1) / (n(s) + 5).
    assert result.counts.sum() == budget["env_steps_per_task"] * gw["n_tasks"]
    np.testing.assert_allclose(result.pi0, (result.counts + 1) / (result.counts.sum(1, keepdims=True) + 5))
    assert not np.allclose(result.pi0, 0.2)


def test_baseline_keeps_the_uniform_prior(smoke):
    gw, budget = smoke
    np.testing.assert_allclose(run_gridworld(gw, budget, "soft_q", 3).pi0, 0.2)


def test_unknown_algorithm_is_named(smoke):
    gw, budget = smoke
    with pytest.raises(ValueError, match="unknown algorithm 'nope'"):
        run_gridworld(gw, budget, "nope", 0)
