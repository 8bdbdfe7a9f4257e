"""`python -m distral random-policy --suite S --profile P`: a uniform random policy's score on a suite.

The reference every learning curve must clear: "the best algorithm learns" only means
something against what choosing every action uniformly at random already scores on the
same tasks. The suite is built exactly as the profile's training runs build it
(`registry.run_suite_options`: params.yaml's suite with the profile's `deep.resolution`),
and `random_episodes` whole episodes are played per task.

Determinism. Episode e of task i has its own env (seed derive_seed(seed, "random-env", i, e)),
its own reset seed (derive_seed(seed, "random-episode", i, e)) and its own action generator
(derive_seed(seed, "random-actions", i, e)); nothing is shared between episodes, so playing
them on worker threads (ViZDoom's engine runs in its own process and `make_action` does not
hold the GIL, see distral.actors) changes the speed only, never the numbers.

Writes results/P/S/random_policy.csv (task, episode, episode_return, episode_length; one row
per episode) and then random_policy.json (provenance, and the episode count the analysis
checks the CSV against), both atomically.
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from distral import io, meta, paths, seeding
from distral.config import load_params, profile_budget
from distral.envs.registry import make_suite, run_suite_options

CSV_FILE = "random_policy.csv"
META_FILE = "random_policy.json"
COLUMNS = ["task", "episode", "episode_return", "episode_length"]
# Worker threads per core: each waits on its engine process, as the trainer's (distral.actors).
WORKERS_PER_CORE = 4


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True, help="task suite, e.g. mazes (or toy)")
    parser.add_argument("--profile", default=None, help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file (default: params.yaml)")
    parser.add_argument("--root", default=".", help="directory under which results/ is written")
    parser.add_argument("--seed", type=int, default=0, help="seed of the envs and actions (default 0)")
    parser.add_argument("--threads", type=int, default=1,
                        help=f"CPU cores (Snakemake's threads): {WORKERS_PER_CORE} episode threads per core")


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


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params, {"profile": args.profile} if args.profile else None)
    profile = params["profile"]
    if args.seed < 0 or args.threads < 1:
        raise ValueError(f"--seed must be >= 0 and --threads >= 1 (got {args.seed}, {args.threads})")
    budget = profile_budget(params, "deep", profile)
    backend, options = run_suite_options(params, args.suite, budget)
    suite = make_suite(args.suite, backend=backend, **options)
    n, start = int(budget["random_episodes"]), time.time()
    episodes = random_episodes(suite, n, args.seed, workers=WORKERS_PER_CORE * args.threads)
    seconds = time.time() - start
    out = output_dir(args.root, profile, args.suite)
    io.write_csv(episodes, out / CSV_FILE)
    info = meta.run_meta({"suite": args.suite, "backend": backend, "suite_options": options, "profile": profile,
                          "seed": args.seed, "random_episodes": n},
                         {"profile": profile, "suite": args.suite})
    info.update(random_episodes=n, task_names=list(suite.task_names), suite_resolved_options=dict(suite.options))
    io.write_json(info, out / META_FILE)  # last: a CSV without it is an incomplete run
    means = episodes.groupby("task", sort=False)["episode_return"].mean()
    print(f"random policy on {args.suite} ({profile}): {n} episodes per task in {seconds:.1f} s; mean return "
          + ", ".join(f"{t} {v:.3g}" for t, v in means.items()) + f" -> {out / CSV_FILE}", flush=True)
    return 0
