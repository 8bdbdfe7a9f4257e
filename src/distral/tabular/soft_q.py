"""Tabular Distral (Sec. 2.2, 4.1, App. B.1): soft Q-learning per task with the prior
pi_0^alpha at inverse temperature beta (eqs 2-4), alternating with distillation of
pi_0 by maximum likelihood on the tasks' state-action visits (eq 5).

Tables are NumPy arrays indexed [state, action] (and [task, state, action] for Q).
The baseline of Fig. 3 is the same learner with a uniform prior and no distillation.

The functions on arrays below are the equations as the tests check them. The learning
loop itself runs on rows held as Python lists (`Tables`): with 5 actions, NumPy's
per-call overhead was most of a run (cProfile: 12 of a smoke run's 15 s), and the
same arithmetic on floats is several times faster. `tests/test_tabular.py` checks the
two against each other.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from distral.envs.gridworld import N_ACTIONS, GridWorld, Layout, draw_goals
from distral.seeding import rng


def soft_value(q: np.ndarray, log_prior: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Eq (2): V(s) = 1/beta log sum_a pi_0(a|s)^alpha exp(beta Q(a, s)), over the last axis."""
    z = alpha * log_prior + beta * q
    z_max = z.max(axis=-1, keepdims=True)
    return (z_max[..., 0] + np.log(np.exp(z - z_max).sum(axis=-1))) / beta


def soft_policy(q: np.ndarray, log_prior: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Eq (4): pi(a|s) = pi_0(a|s)^alpha exp(beta Q(a, s) - beta V(s)), over the last axis."""
    z = alpha * log_prior + beta * q
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def soft_q_update(
    q: np.ndarray,
    s: int,
    a: int,
    r: float,
    s_next: int,
    terminated: bool,
    log_prior: np.ndarray,
    alpha: float,
    beta: float,
    learning_rate: float,
    discount: float,
) -> float:
    """One sampled soft Q-learning step towards eq (3), in place; returns the TD error.

    The target is r + discount * V(s_next) with V from eq (2); a terminal next state
    has value 0. A truncated episode still bootstraps (the time limit is not the MDP's).
    """
    v_next = 0.0 if terminated else float(soft_value(q[s_next], log_prior[s_next], alpha, beta))
    td_error = r + discount * v_next - q[s, a]
    q[s, a] += learning_rate * td_error
    return float(td_error)


def distill(counts: np.ndarray, pseudocount: float) -> np.ndarray:
    """Eq (5) in the tabular case: the maximum-likelihood pi_0 is the normalised
    state-action visit counts of all tasks, regularised by `pseudocount` per action."""
    smoothed = counts + pseudocount
    return smoothed / smoothed.sum(axis=-1, keepdims=True)


def policy_weights(q_row: list[float], log_prior_row: list[float], alpha: float, beta: float) -> list[float]:
    """Eq (4) for one state, unnormalised: pi_0(a)^alpha exp(beta Q(a) - max), on floats."""
    z = [alpha * lp + beta * qa for lp, qa in zip(log_prior_row, q_row)]
    z_max = max(z)
    return [math.exp(x - z_max) for x in z]


def value_of_row(q_row: list[float], log_prior_row: list[float], alpha: float, beta: float) -> float:
    """Eq (2) for one state, on floats (`soft_value` for a list row)."""
    z = [alpha * lp + beta * qa for lp, qa in zip(log_prior_row, q_row)]
    z_max = max(z)
    return (z_max + math.log(sum(math.exp(x - z_max) for x in z))) / beta


def sample_weights(weights: list[float], u: float) -> int:
    """Inverse-CDF sampling with the uniform draw `u` from unnormalised weights."""
    threshold, cumulative = u * sum(weights), 0.0
    for a, w in enumerate(weights):
        cumulative += w
        if cumulative > threshold:
            return a
    return len(weights) - 1


class Tables:
    """The learner's tables as lists of rows: Q per task, visit counts n(s, a) of all tasks
    and log pi_0. Distillation (eq 5) recomputes only the rows visited since the last one."""

    def __init__(self, n_tasks: int, n_states: int, pseudocount: float):
        self.q = [[[0.0] * N_ACTIONS for _ in range(n_states)] for _ in range(n_tasks)]
        self.counts = [[0.0] * N_ACTIONS for _ in range(n_states)]
        self.pseudocount = pseudocount
        self.log_pi0 = [[math.log(1.0 / N_ACTIONS)] * N_ACTIONS for _ in range(n_states)]  # no visit yet
        self.visited: set[int] = set()

    def visit(self, s: int, a: int) -> None:
        self.counts[s][a] += 1.0
        self.visited.add(s)

    def distill(self) -> None:
        """Eq (5): log pi_0(a|s) = log((n(s, a) + c) / (n(s) + c |A|)) on the visited rows."""
        for s in self.visited:
            smoothed = [n + self.pseudocount for n in self.counts[s]]
            total = sum(smoothed)
            self.log_pi0[s] = [math.log(x / total) for x in smoothed]
        self.visited.clear()

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(Q [task, state, action], counts [state, action], log pi_0 [state, action])."""
        return np.array(self.q), np.array(self.counts), np.array(self.log_pi0)


@dataclass
class TaskCursor:
    """Where one task's ongoing training episode stands."""

    state: int
    episode: int = 0
    ret: float = 0.0
    length: int = 0


@dataclass
class GridworldResult:
    """Everything one run logs: evaluations, training episodes, final prior, goals."""

    evals: pd.DataFrame
    episodes: pd.DataFrame
    pi0: np.ndarray
    goals: list[tuple[int, int]]
    env_steps_per_task: int
    q: np.ndarray = field(repr=False, default=None)
    counts: np.ndarray = field(repr=False, default=None)  # state-action visits of all tasks


def make_tasks(gw: dict, seed: int) -> list[GridWorld]:
    """The run's tasks: goals drawn from the free cells by the run seed (shared by all algorithms)."""
    layout = Layout.from_rows(gw["layout"])
    goals = draw_goals(layout, gw["n_tasks"], rng(seed, "gridworld-goals"))
    return [GridWorld(layout, g, gw["rewards"], gw["max_episode_steps"]) for g in goals]


def run_gridworld(gw: dict, budget: dict, algo: str, seed: int) -> GridworldResult:
    """Train all tasks of one seed with `algo` (params.yaml gridworld.algorithms) and evaluate.

    One iteration: every task runs a rollout of `rollout_length` steps with its soft
    policy (eq 4) under the current prior, learning online by soft Q-learning (eqs 2-3);
    then, for Distral, pi_0 is re-distilled from all visits so far (eq 5).
    """
    if algo not in gw["algorithms"]:
        raise ValueError(f"gridworld: unknown algorithm {algo!r} (known: {', '.join(gw['algorithms'])})")
    spec, sq = gw["algorithms"][algo], gw["soft_q"]
    alpha, beta = spec["alpha"], sq["beta"]
    tasks = make_tasks(gw, seed)
    eval_tasks = [copy.copy(env) for env in tasks]  # evaluation must not move the training episodes
    tables = Tables(len(tasks), tasks[0].n_states, sq["pseudocount"])
    train_rng, eval_rng = rng(seed, "gridworld-train"), rng(seed, "gridworld-eval")
    cursors = [TaskCursor(env.reset(train_rng)) for env in tasks]
    evals, episodes = [], []
    total = budget["env_steps_per_task"]
    steps, next_eval = 0, 0
    while True:
        if steps >= next_eval:
            evals += evaluate(eval_tasks, tables, alpha, beta, budget["eval_episodes"], eval_rng, steps)
            next_eval += budget["eval_interval"]
        if steps >= total:
            break
        length = min(sq["rollout_length"], total - steps)
        for i, env in enumerate(tasks):
            episodes += rollout(env, i, cursors[i], tables, length, spec, sq, train_rng, steps)
        steps += length
        if spec["distill"]:
            tables.distill()
    q, counts, log_pi0 = tables.arrays()
    return GridworldResult(
        evals=pd.DataFrame(evals),
        episodes=pd.DataFrame(episodes, columns=["task", "episode", "env_steps", "return", "length", "reached_goal"]),
        pi0=np.exp(log_pi0),
        goals=[env.goal for env in tasks],
        env_steps_per_task=steps,
        q=q,
        counts=counts,
    )


def rollout(
    env: GridWorld,
    task: int,
    cur: TaskCursor,
    tables: Tables,
    length: int,
    spec: dict,
    sq: dict,
    train_rng: np.random.Generator,
    steps_before: int,
) -> list[tuple]:
    """`length` learning steps of one task (eqs 2-4, as `soft_q_update`); returns the
    training episodes that ended."""
    alpha, beta, lr, gamma = spec["alpha"], sq["beta"], sq["learning_rate"], sq["discount"]
    q, log_pi0 = tables.q[task], tables.log_pi0
    finished = []
    for k, u in enumerate(train_rng.random(length).tolist()):
        s = cur.state
        a = sample_weights(policy_weights(q[s], log_pi0[s], alpha, beta), u)
        s_next, r, terminated, truncated = env.step(a)
        tables.visit(s, a)
        v_next = 0.0 if terminated else value_of_row(q[s_next], log_pi0[s_next], alpha, beta)
        q[s][a] += lr * (r + gamma * v_next - q[s][a])
        cur.ret += r
        cur.length += 1
        cur.state = s_next
        if terminated or truncated:
            finished.append((task, cur.episode, steps_before + k + 1, cur.ret, cur.length, terminated))
            cur.episode, cur.ret, cur.length = cur.episode + 1, 0.0, 0
            cur.state = env.reset(train_rng)
    return finished


def evaluate(
    tasks: list[GridWorld],
    tables: Tables,
    alpha: float,
    beta: float,
    n_episodes: int,
    eval_rng: np.random.Generator,
    env_steps: int,
) -> list[dict]:
    """Run each task's current soft policy for `n_episodes` from random starts, no learning.

    Evaluation uses its own random stream, so it never changes the training numbers.
    """
    rows = []
    for i, env in enumerate(tasks):
        q, log_pi0 = tables.q[i], tables.log_pi0
        returns, lengths, goals = [], [], []
        for _ in range(n_episodes):
            s, ret, done, t = env.reset(eval_rng), 0.0, False, 0
            while not done:
                a = sample_weights(policy_weights(q[s], log_pi0[s], alpha, beta), eval_rng.random())
                s, r, terminated, truncated = env.step(a)
                ret, t, done = ret + r, t + 1, terminated or truncated
            returns.append(ret)
            lengths.append(t)
            goals.append(terminated)
        rows.append(
            {
                "task": i,
                "env_steps": env_steps,
                "return": float(np.mean(returns)),
                "steps_to_goal": float(np.mean(lengths)),
                "success_rate": float(np.mean(goals)),
            }
        )
    return rows
