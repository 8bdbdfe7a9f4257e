"""Does a run's first episode score differently from its later ones without any learning?

Training keeps each env between episodes (distral.deep.actors: `reset(seed=...)` once, then
`reset()`), so a learning curve's first bin holds each env's first episodes. This plays uniform
random actions in envs kept the same way, `--episodes` consecutive episodes per env, `--envs`
envs per (task, run seed) made as the trainer makes them, and prints the mean return by episode
index: flat means a curve that falls after its first bin (Fig. 4 C1 at `reference`) falls because
of what the policy learned, not because the envs' first episodes are easier. The defaults play
seeds no profile trains with; `--first-seed 0 --seeds 8 --envs 4` plays the reference's own envs.

  .venv/bin/python bench/first_episodes.py --suite navigation --profile reference --seeds 16
  .venv/bin/python bench/first_episodes.py --suite navigation --first-seed 0 --seeds 8 --envs 4
"""

from __future__ import annotations

import argparse
from concurrent.futures import ThreadPoolExecutor

import pandas as pd

from distral import seeding
from distral.config import load_params, profile_budget
from distral.deep.random_policy import play_episode
from distral.envs.registry import make_suite, run_suite_options

def play_env(suite, task: int, run_seed: int, k: int, episodes: int) -> list[dict]:
    """`episodes` consecutive uniform-random episodes of the run's env k of the task, made and
    reset as the trainer makes and resets it."""
    env = suite.make_env(task, seeding.derive_seed(run_seed, "env", task, k))
    actions = seeding.rng(run_seed, "bench-actions", task, k)
    first = seeding.derive_seed(run_seed, "train", task, k)
    rows = []
    try:
        for e in range(episodes):
            # the seed once (its episode 0), then reset(seed=None): the env's next episode, as the trainer plays them
            ret, _ = play_episode(env, first if e == 0 else None, actions)
            rows.append({"task": suite.task_names[task], "seed": run_seed, "env": k, "episode": e,
                         "episode_return": ret})
    finally:
        env.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="navigation")
    parser.add_argument("--profile", default="reference")
    parser.add_argument("--seeds", type=int, default=16, help="run seeds")
    parser.add_argument("--first-seed", type=int, default=1000,
                        help="the first run seed (default: seeds no profile trains with; 0: the reference's)")
    parser.add_argument("--envs", type=int, default=1, help="envs per task and run seed (the trainer's first k)")
    parser.add_argument("--episodes", type=int, default=8, help="consecutive episodes per env")
    parser.add_argument("--workers", type=int, default=4)
    args = parser.parse_args()
    params = load_params("params.yaml", {"profile": args.profile})
    backend, options = run_suite_options(params, args.suite, profile_budget(params, "deep", args.profile))
    suite = make_suite(args.suite, backend=backend, **options)
    jobs = [(i, s, k) for i in range(suite.n_tasks) for s in range(args.first_seed, args.first_seed + args.seeds)
            for k in range(args.envs)]
    with ThreadPoolExecutor(args.workers) as pool:
        rows = [r for env_rows in pool.map(lambda j: play_env(suite, *j, args.episodes), jobs) for r in env_rows]
    d = pd.DataFrame(rows)
    print(f"{args.suite} ({args.profile}), uniform random actions, run seeds {args.first_seed}-"
          f"{args.first_seed + args.seeds - 1} x {args.envs} envs per task, "
          f"{args.episodes} consecutive episodes each")
    print(d.groupby("episode")["episode_return"].agg(["mean", "sem"]).round(2).T.to_string())
    print(d.groupby(["task", "episode"])["episode_return"].mean().unstack().round(2).to_string())
    first, later = d[d["episode"] == 0]["episode_return"], d[d["episode"] > 0]["episode_return"]
    print(f"first episodes {first.mean():.2f} +- {first.sem():.2f}, later {later.mean():.2f} +- "
          f"{later.sem():.2f}, all {d['episode_return'].mean():.2f} ({len(d)} episodes)")


if __name__ == "__main__":
    main()
