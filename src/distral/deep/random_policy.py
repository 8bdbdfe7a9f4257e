"""A uniform random policy's score on a suite (command: `python -m distral random-policy`).

The reference every learning curve must clear: "the best algorithm learns" only means
something against what choosing every action uniformly at random already scores on the
same tasks. The suite is built exactly as the profile's training runs build it
(`registry.run_suite_options`: params.yaml's suite with the profile's `deep.resolution`),
and `random_episodes` whole episodes are played per task.

Determinism. Episode e of task i has its own env (seed derive_seed(seed, "random-env", i, e)),
its own reset seed (derive_seed(seed, "random-episode", i, e)) and its own action generator
(derive_seed(seed, "random-actions", i, e)); nothing is shared between episodes, so playing
them on worker threads (ViZDoom's engine runs in its own process and `make_action` does not
hold the GIL, see distral.deep.actors) changes the speed only, never the numbers.

Writes results/P/S/random_policy.csv (task, episode, episode_return, episode_length; one row
per episode) and then random_policy.json (provenance, and the episode count the analysis
checks the CSV against), both atomically.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from distral import paths, seeding

CSV_FILE = "random_policy.csv"
META_FILE = "random_policy.json"
COLUMNS = ["task", "episode", "episode_return", "episode_length"]
# Worker threads per core: each waits on its engine process, as the trainer's (distral.deep.actors).
WORKERS_PER_CORE = 4


def output_dir(root: Path | str, profile: str, suite: str) -> Path:
    return Path(root) / paths.SUITE_DIR.format(profile=profile, suite=suite)


def play_episode(env, seed: int, actions: np.random.Generator) -> tuple[float, int]:
    """One whole episode with actions drawn uniformly from the env's Discrete action space."""
    env.reset(seed=seed)
    n_actions, ret, length = int(env.action_space.n), 0.0, 0
    while True:
        _, reward, terminated, truncated, _ = env.step(int(actions.integers(n_actions)))
        ret, length = ret + float(reward), length + 1
        if terminated or truncated:
            return ret, length


def random_episodes(suite, n_episodes: int, seed: int, workers: int = 0) -> pd.DataFrame:
    """`n_episodes` episodes of every task of `suite`, one row each, in (task, episode) order."""
    jobs = [(i, e) for i in range(suite.n_tasks) for e in range(n_episodes)]

    def play(job: tuple[int, int]) -> dict:
        i, e = job
        env = suite.make_env(i, seeding.derive_seed(seed, "random-env", i, e))
        try:
            ret, length = play_episode(env, seeding.derive_seed(seed, "random-episode", i, e),
                                       seeding.rng(seed, "random-actions", i, e))
        finally:
            env.close()  # one engine per episode: none is left running
        return {"task": suite.task_names[i], "episode": e, "episode_return": ret, "episode_length": length}

    if workers > 0:
        with ThreadPoolExecutor(workers, thread_name_prefix="random") as pool:
            rows = list(pool.map(play, jobs))  # map keeps the jobs' order
    else:
        rows = [play(job) for job in jobs]
    return pd.DataFrame(rows, columns=COLUMNS)
