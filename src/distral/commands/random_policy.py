"""`python -m distral random-policy --suite S --profile P`: a uniform random policy's score on a suite.

Plays `random_episodes` whole episodes per task of the suite built exactly as the profile's
training runs build it (distral.deep.random_policy says how, and why it is deterministic),
and writes results/P/S/random_policy.csv, then random_policy.json.
"""

from __future__ import annotations

import argparse
import time

from distral import io, meta
from distral.config import load_params, profile_budget
from distral.deep.random_policy import CSV_FILE, META_FILE, WORKERS_PER_CORE, output_dir, random_episodes
from distral.envs.registry import make_suite, run_suite_options


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--suite", required=True, help="task suite, e.g. mazes (or toy)")
    parser.add_argument("--profile", default=None, help="budget profile (default: params.yaml's `profile`)")
    parser.add_argument("--params", default="params.yaml", help="parameters file (default: params.yaml)")
    parser.add_argument("--root", default=".", help="directory under which results/ is written")
    parser.add_argument("--seed", type=int, default=0, help="seed of the envs and actions (default 0)")
    parser.add_argument("--threads", type=int, default=1,
                        help=f"CPU cores (Snakemake's threads): {WORKERS_PER_CORE} episode threads per core")


def run(args: argparse.Namespace) -> int:
    params = load_params(args.params, {"profile": args.profile} if args.profile else None)
    profile = params["profile"]
    if args.seed < 0 or args.threads < 1:
        raise ValueError(f"--seed must be >= 0 and --threads >= 1 (got {args.seed}, {args.threads})")
    budget = profile_budget(params, "deep", profile)
    io.check_writable(output_dir(args.root, profile, args.suite))  # before the episodes, not after
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
