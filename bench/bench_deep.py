"""Throughput of the deep training loop: whole loop with environments vs network only.

For one column per task (A3C) and two columns (KL+ent_2col), at 84x84 and at the
default profile's resolution, prints:
  env frames/s of the whole training loop (acting, env steps, learning; all tasks),
  agent steps/s of the network-only loop (acting forward + training forward/backward
  on fixed fake observations, no environment), measured in the same process,
  their ratio (whole-loop agent steps/s over network-only), and peak memory (max RSS).
The two loops alternate for a few rounds and each keeps its best round.
Each configuration runs in its own subprocess so peak memory is its own.

    .venv/bin/python bench/bench_deep.py [--tasks 4] [--envs 32] [--updates 4] [--threads 2]

Numbers depend on the machine's load: the script prints `uptime` first.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ALGOS = {"1col": "A3C", "2col": "KL+ent_2col"}


def one(args) -> dict:
    import numpy as np
    import torch

    from distral.config import load_params
    from distral.deep.actors import sample
    from distral.deep.trainer import Trainer, resolve_run

    torch.set_num_threads(args.threads)
    params = load_params(ROOT / "params.yaml")
    config = resolve_run(params, suite="toy", algo=ALGOS[args.arch], hp="ent1e-3_lr4e-4", seed=0, profile="default")
    config["budget"].update(resolution=args.resolution, envs_per_task=args.envs, frames_per_task=10**9,
                            checkpoint_interval_updates=10**9, precision=args.precision)
    config["suite_options"].update(resolution=args.resolution, n_tasks=args.tasks)
    trainer = Trainer(config, Path("/tmp/bench_deep_unused"))
    n, T, B = trainer.n, trainer.T, trainer.B
    steps_per_update = n * T * B

    def whole():
        trainer.learn(trainer.rollout())

    fake = torch.randint(0, 256, (B, args.resolution, args.resolution, 3), dtype=torch.uint8,
                         generator=torch.Generator().manual_seed(0)).numpy()

    def network_only():
        batches = []
        for i in range(n):
            batches.append({"obs": [fake] * (T + 1), "first": [np.zeros(B, dtype=bool)] * (T + 1),
                            "a": [], "r": [np.zeros(B, dtype=np.float32)] * T, "done": [np.zeros(B, dtype=bool)] * T,
                            "state": trainer.states[i]})
        with torch.no_grad():
            obs = torch.from_numpy(fake)[None]
            first = torch.zeros(1, B, dtype=torch.bool)
            for _ in range(T):
                for i in range(n):
                    out, trainer.states[i] = trainer.net(i, obs, first, trainer.states[i])
                    batches[i]["a"].append(sample(out.logits[0], trainer.sampler))
        trainer.learn(batches)

    def rate(fn):
        start = time.perf_counter()
        for _ in range(args.updates):
            fn()
        return args.updates * steps_per_update / (time.perf_counter() - start)

    network_only(), whole()  # warm-up
    # Alternate the two loops and keep each one's best round, so that a burst of load
    # from other processes on the machine hits both alike and is filtered out.
    rounds = [(rate(network_only), rate(whole)) for _ in range(args.rounds)]
    net_steps = max(r[0] for r in rounds)
    whole_steps = max(r[1] for r in rounds)
    return {
        "arch": args.arch, "algo": ALGOS[args.arch], "precision": args.precision, "resolution": args.resolution, "tasks": n, "envs_per_task": B,
        "threads": args.threads, "whole_env_frames_per_s": whole_steps * trainer.action_repeat,
        "whole_agent_steps_per_s": whole_steps, "network_only_agent_steps_per_s": net_steps,
        "ratio": whole_steps / net_steps, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=4)
    parser.add_argument("--envs", type=int, default=32, help="envs per task (the batch B)")
    parser.add_argument("--updates", type=int, default=2, help="updates per timed round")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds; the best round of each loop is kept")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--resolutions", default=None, help="comma list (default: 84 and the default profile's)")
    parser.add_argument("--precisions", default="fp32,bf16", help="comma list of fp32, bf16")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--arch", default="1col", choices=list(ALGOS), help=argparse.SUPPRESS)
    parser.add_argument("--resolution", type=int, default=84, help=argparse.SUPPRESS)
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(one(args)))
        return 0

    from distral.config import load_params

    default_res = load_params(ROOT / "params.yaml")["profiles"]["default"]["deep"]["resolution"]
    resolutions = [int(r) for r in args.resolutions.split(",")] if args.resolutions else [84, default_res]
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    print(f"toy suite, {args.tasks} tasks x {args.envs} envs, rollouts of 20, {args.threads} torch threads, CPU")
    header = f"{'arch':5} {'prec':4} {'res':>4} {'whole env frames/s':>19} {'whole agent steps/s':>20} " \
             f"{'net-only agent steps/s':>23} {'ratio':>6} {'peak MiB':>9}"
    print(header)
    for res, precision, arch in [(r, p, a) for r in resolutions for p in args.precisions.split(",") for a in ALGOS]:
        cmd = [sys.executable, __file__, "--one", "--arch", arch, "--precision", precision,
               "--resolution", str(res), "--tasks",
               str(args.tasks), "--envs", str(args.envs), "--updates", str(args.updates), "--rounds", str(args.rounds),
               "--threads", str(args.threads)]
        out = subprocess.run(cmd, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": str(args.threads)})
        if out.returncode != 0:
            print(out.stderr, file=sys.stderr)
            return out.returncode
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(f"{arch:5} {precision:4} {res:>4} {r['whole_env_frames_per_s']:>19,.0f} {r['whole_agent_steps_per_s']:>20,.0f} "
              f"{r['network_only_agent_steps_per_s']:>23,.0f} {r['ratio']:>6.2f} {r['peak_rss_mib']:>9,.0f}")
    print("load:", subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
