"""Tabular Distral (Sec. 2.2, 4.1, App. B.1): soft Q-learning per task with the prior
pi_0^alpha at inverse temperature beta (eqs 2-4), alternating with distillation of
pi_0 by maximum likelihood on the tasks' state-action visits (eq 5).

Tables are NumPy arrays indexed [state, action] (and [task, state, action] for Q).
The baseline of Fig. 3 is the same learner with a uniform prior and no distillation.
"""

from __future__ import annotations

import copy
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


def sample(probs: np.ndarray, u: float) -> int:
    """Inverse-CDF sampling of one action with the uniform draw `u`."""
    a = int(np.searchsorted(np.cumsum(probs), u * probs.sum(), side="right"))
    return min(a, len(probs) - 1)


def run_gridworld(gw: dict, budget: dict, algo: str, seed: int) -> GridworldResult:
    """Train all tasks of one seed with `algo` (params.yaml gridworld.algorithms) and evaluate.

    One iteration: every task runs a rollout of `rollout_length` steps with its soft
    policy (eq 4) under the current prior, learning online by soft Q-learning (eqs 2-3);
    then, for Distral, pi_0 is re-distilled from all visits so far (eq 5).
    """
    if algo not in gw["algorithms"]:
        raise ValueError(f"gridworld: unknown algorithm {algo!r} (known: {', '.join(gw['algorithms'])})")
    spec, sq = gw["algorithms"][algo], gw["soft_q"]
    alpha, beta, lr, gamma = spec["alpha"], sq["beta"], sq["learning_rate"], sq["discount"]
    tasks = make_tasks(gw, seed)
    eval_tasks = [copy.copy(env) for env in tasks]  # evaluation must not move the training episodes
    n_states = tasks[0].n_states
    q = np.zeros((len(tasks), n_states, N_ACTIONS))
    counts = np.zeros((n_states, N_ACTIONS))
    log_pi0 = np.log(distill(counts, sq["pseudocount"]))  # uniform before any visit
    train_rng, eval_rng = rng(seed, "gridworld-train"), rng(seed, "gridworld-eval")
    cursors = [TaskCursor(env.reset(train_rng)) for env in tasks]
    evals, episodes = [], []
    total = budget["env_steps_per_task"]
    steps, next_eval = 0, 0
    while True:
        if steps >= next_eval:
            evals += evaluate(eval_tasks, q, log_pi0, alpha, beta, budget["eval_episodes"], eval_rng, steps)
            next_eval += budget["eval_interval"]
        if steps >= total:
            break
        length = min(sq["rollout_length"], total - steps)
        for i, env in enumerate(tasks):
            episodes += rollout(env, i, cursors[i], q[i], log_pi0, counts, length, spec, sq, train_rng, steps)
        steps += length
        if spec["distill"]:
            log_pi0 = np.log(distill(counts, sq["pseudocount"]))
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
    q: np.ndarray,
    log_pi0: np.ndarray,
    counts: np.ndarray,
    length: int,
    spec: dict,
    sq: dict,
    train_rng: np.random.Generator,
    steps_before: int,
) -> list[tuple]:
    """`length` learning steps of one task; returns the training episodes that ended."""
    alpha, beta = spec["alpha"], sq["beta"]
    finished = []
    for k, u in enumerate(train_rng.random(length)):
        s = cur.state
        a = sample(soft_policy(q[s], log_pi0[s], alpha, beta), u)
        s_next, r, terminated, truncated = env.step(a)
        counts[s, a] += 1.0
        soft_q_update(q, s, a, r, s_next, terminated, log_pi0, alpha, beta, sq["learning_rate"], sq["discount"])
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
    q: np.ndarray,
    log_pi0: np.ndarray,
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
        returns, lengths, goals = [], [], []
        for _ in range(n_episodes):
            s, ret, done, t = env.reset(eval_rng), 0.0, False, 0
            while not done:
                a = sample(soft_policy(q[i, s], log_pi0[s], alpha, beta), eval_rng.random())
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
