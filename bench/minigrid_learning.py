"""Learning check of the gymnasium backend: A3C on one MiniGrid task against a uniform random policy.

Trains A3C (Table 1's single-task baseline) on a one-task gymnasium suite (default
MiniGrid-Empty-5x5-v0, pixel observations of the agent's 7x7-tile view, as params.yaml's
`minigrid` suite) through the notebook API (distral.api), then plays the same task with a uniform
random policy (distral.deep.random_policy) and prints both: the mean training return per quarter
of the run's episodes, the last quarter's mean with its standard error, and the random policy's.
A few minutes of one core at the defaults; the numbers of a run are in docs/notes.

  nice -n 19 python bench/minigrid_learning.py --frames 100000 [--env-id MiniGrid-Empty-Random-6x6-v0]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import torch

from distral import api
from distral.deep.random_policy import random_episodes

WRAPPERS = ["minigrid.wrappers:RGBImgPartialObsWrapper", "minigrid.wrappers:ImgObsWrapper"]


def one_task_params(env_id: str, frames: int, envs: int, resolution: int, params_file: str) -> dict:
    """params.yaml with a one-task suite `check` of `env_id` and the smoke profile's budget set for it."""
    params = api.load_params(params_file)
    params["suites"]["check"] = {"backend": "gymnasium", "resolution": [resolution, resolution],
                                 "tasks": [{"name": "task", "id": env_id, "wrappers": WRAPPERS}]}
    params["profiles"]["smoke"]["deep"].update(
        frames_per_task=frames, envs_per_task=envs, resolution=resolution, eval_interval_frames=frames,
        checkpoint_interval_updates=10**6, suites=["check"])
    return params


def summary(returns: list[float]) -> tuple[float, float]:
    n = len(returns)
    mean = sum(returns) / n
    sd = math.sqrt(sum((r - mean) ** 2 for r in returns) / (n - 1)) if n > 1 else math.nan
    return mean, sd / math.sqrt(n)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--env-id", default="MiniGrid-Empty-5x5-v0")
    parser.add_argument("--algo", default="A3C")
    parser.add_argument("--hp", default="ent1e-3_lr8e-4")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--frames", type=int, default=100000, help="env frames (agent steps) of training")
    parser.add_argument("--envs", type=int, default=4, help="envs per task")
    parser.add_argument("--resolution", type=int, default=24)
    parser.add_argument("--random-episodes", type=int, default=200)
    parser.add_argument("--params", default="params.yaml")
    parser.add_argument("--out", default="bench/out/minigrid_learning")
    args = parser.parse_args(argv)
    torch.set_num_threads(1)

    params = one_task_params(args.env_id, args.frames, args.envs, args.resolution, args.params)
    start = time.time()
    run = api.train("check", args.algo, params, hp=args.hp, seed=args.seed, profile="smoke", root=args.out,
                    log=lambda m: None)
    seconds = time.time() - start
    episodes = api.read_logs(run).episodes
    train = episodes[episodes.policy == "task"].sort_values("frames", kind="stable")["episode_return"].tolist()
    n = max(len(train) // 4, 1)
    quarters = [sum(train[k * n:(k + 1) * n]) / len(train[k * n:(k + 1) * n]) for k in range(4)]
    last, last_se = summary(train[3 * n:])

    random = random_episodes(api.suite("check", params, profile="smoke"), args.random_episodes, args.seed)
    rand, rand_se = summary(random["episode_return"].tolist())
    print(f"{args.env_id}, {args.algo} {args.hp} seed {args.seed}: {args.frames:,} frames in {seconds:.0f} s "
          f"({len(train)} training episodes)")
    print("  mean training return by quarter of the episodes: " + ", ".join(f"{q:.3f}" for q in quarters))
    print(f"  last quarter {last:.3f} +- {last_se:.3f} (SE) vs uniform random policy {rand:.3f} +- {rand_se:.3f} "
          f"({len(random)} episodes); difference {last - rand:+.3f}")
    print(f"  run directory: {Path(run)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
