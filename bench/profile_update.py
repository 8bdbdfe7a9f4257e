"""Where one update's wall time goes, at a profile's shapes: env stepping, acting, learning.

Builds the training run of one suite/algorithm at a profile's budget (default: mazes at the
`default` profile: 8 tasks x 4 envs, T = 20, 42x42, fp32), as the pipeline runs it given
`--threads` cores, plays `--warmup` updates, then times `--updates` updates phase by phase
(wrapping the trainer's own functions, so the numbers are the run's, not a re-implementation):

  env wait     the main thread waiting for the env threads' step (what overlap did not hide)
  env submit   handing the actions to the env threads
  acting       the acting forward passes (batched over tasks) and building their weights
  sample       sampling the actions
  rollout rest the rest of the rollout (recording, copies, episode bookkeeping)
  forward      the learner's forward passes and losses (all tasks)
  backward     the learner's gradients (torch.autograd)
  optimiser    the RMSProp steps
  logging      diagnostics (KL, entropies) and the training episodes' rows
  learn rest   the rest of the update (norms, clipping, state detaching)

Medians over the timed updates, in ms per update; `--repeat` runs the whole measurement
in that many fresh processes and reports the median of their medians. Two code versions
side by side: `--pythonpath A --pythonpath B` alternates processes with each `src` first on
the path (e.g. a worktree of the code before a change). Evaluation and checkpoints are
not timed (they are the schedule's, not the update's).

    .venv/bin/python bench/profile_update.py --algos A3C,KL+ent_2col --repeat 3
    .venv/bin/python bench/profile_update.py --pythonpath /work/wt-before/src --pythonpath src --repeat 3
    .venv/bin/python bench/profile_update.py --resolution 84 --envs 32 --threads 16   # the paper's shapes
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PHASES = ["env wait", "env submit", "acting", "sample", "rollout rest",
          "forward", "backward", "optimiser", "logging", "learn rest"]


# --------------------------------------------------------------------------- one measurement (child process)
class Timers:
    """Accumulated seconds per phase; `wrap` times a function of a module or class in place."""

    def __init__(self):
        self.seconds: dict[str, float] = defaultdict(float)
        self.depth = 0  # nested wrapped calls are counted once, by the outermost

    def wrap(self, owner, name: str, phase: str) -> bool:
        fn = getattr(owner, name, None)
        if fn is None:
            return False

        def timed(*args, **kwargs):
            if self.depth:
                return fn(*args, **kwargs)
            self.depth += 1
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[phase] += time.perf_counter() - start
                self.depth -= 1

        setattr(owner, name, timed)
        return True


def instrument(timers: Timers) -> None:
    """Wrap the functions of each phase that this version of the code has (names differ across versions)."""
    import torch

    from distral.deep import actors, trainer

    for owner, name, phase in [
        (actors.TaskEnvs, "finish", "env wait"), (actors.TaskEnvs, "start", "env submit"),
        (actors, "act", "acting"), (actors, "acting", "acting"), (actors, "sample", "sample"),
        (trainer.Trainer, "_task_loss", "forward"), (trainer.Trainer, "_losses", "forward"),
        (torch.autograd, "grad", "backward"), (torch.Tensor, "backward", "backward"),
        (trainer, "step_each", "optimiser"), (trainer.Trainer, "_step", "optimiser"),
        (trainer.Trainer, "_log_diagnostics", "logging"), (trainer.Trainer, "_log_training_episodes", "logging"),
    ]:
        timers.wrap(owner, name, phase)


def measure(args) -> dict:
    import torch

    from distral.config import load_params
    from distral.deep import actors
    from distral.deep.trainer import Trainer, resolve_run

    torch_threads, workers = actors.split_threads(args.threads)
    workers = workers if args.workers is None else args.workers
    torch.set_num_threads(torch_threads)
    import distral

    # the params.yaml of the checkout whose code is measured (versions differ in their schema)
    params = load_params(Path(distral.__file__).resolve().parents[2] / "params.yaml")
    config = copy.deepcopy(resolve_run(params, suite=args.suite, algo=args.algo, hp=args.hp, seed=0,
                                       profile=args.profile))
    budget = config["budget"]
    for key, value in [("envs_per_task", args.envs), ("resolution", args.resolution), ("precision", args.precision)]:
        if value is not None:
            budget[key] = value
    budget["frames_per_task"] = 10 ** 9  # never the last update
    budget["checkpoint_interval_updates"] = 10 ** 9
    timers = Timers()
    with tempfile.TemporaryDirectory() as tmp:
        t = Trainer(config, Path(tmp), workers=workers, learn_threads=args.threads)
        try:
            for _ in range(args.warmup):
                t.train_update()
            instrument(timers)
            rows = []
            for _ in range(args.updates):
                timers.seconds.clear()
                start = time.perf_counter()
                batches = t.rollout()
                rollout = time.perf_counter() - start
                l0 = time.perf_counter()
                t.learn(batches)
                t.update += 1
                learn = time.perf_counter() - l0
                s = dict(timers.seconds)
                row = {p: s.get(p, 0.0) for p in PHASES}
                row["rollout rest"] = rollout - sum(row[p] for p in ("env wait", "env submit", "acting", "sample"))
                row["learn rest"] = learn - sum(row[p] for p in ("forward", "backward", "optimiser", "logging"))
                row["rollout"], row["learn"] = rollout, learn
                row["update"] = time.perf_counter() - start
                rows.append(row)
        finally:
            t.envs.close()
    import resource

    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {k: 1000 * statistics.median(r[k] for r in rows) for k in rows[0]} | {"peak_mib": peak}


# --------------------------------------------------------------------------- the table (parent process)
def run_child(args, algo: str, pythonpath: str | None) -> dict:
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, __file__, "--child", "--algo", algo, "--suite", args.suite, "--profile", args.profile,
           "--hp", args.hp, "--threads", str(args.threads), "--updates", str(args.updates),
           "--warmup", str(args.warmup)]
    for key in ("envs", "resolution", "precision", "workers"):
        if getattr(args, key) is not None:
            cmd += [f"--{key}", str(getattr(args, key))]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, cwd=ROOT)
    if out.returncode:
        sys.exit(f"measurement failed ({algo}, {pythonpath}):\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="mazes")
    parser.add_argument("--profile", default="default", help="the budget's profile (shapes), default `default`")
    parser.add_argument("--algos", default="A3C,KL+ent_2col")
    parser.add_argument("--algo", help=argparse.SUPPRESS)
    parser.add_argument("--hp", default="ent1e-3_lr8e-4")
    parser.add_argument("--threads", type=int, default=1, help="cores given to the run, as --threads of `train`")
    parser.add_argument("--envs", type=int, default=None, help="envs per task (default: the profile's)")
    parser.add_argument("--resolution", type=int, default=None, help="default: the profile's")
    parser.add_argument("--precision", choices=["fp32", "bf16"], default=None)
    parser.add_argument("--workers", type=int, default=None, help="env threads (default: as `train`, 4 per core)")
    parser.add_argument("--updates", type=int, default=20, help="timed updates per process")
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3, help="processes per (version, algorithm)")
    parser.add_argument("--pythonpath", action="append", default=None,
                        help="a code version's src folder; give two to compare (alternated)")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args)))
        return
    print(f"uptime: {os.getloadavg()}; {args.suite} at {args.profile}'s shapes "
          f"(envs {args.envs or 'profile'}, resolution {args.resolution or 'profile'}), {args.threads} core(s)")
    versions = args.pythonpath or [None]
    results: dict[tuple[str, str], list[dict]] = defaultdict(list)
    for _ in range(args.repeat):
        for algo in args.algos.split(","):
            for v in versions:  # alternated, so that the machine's drift hits every version alike
                results[(algo, v)].append(run_child(args, algo, v))
    keys = PHASES + ["rollout", "learn", "update", "peak_mib"]
    header = f"{'phase (ms/update)':18s}" + "".join(f"{a[:14] + ' ' + Path(v or 'src').parent.name[:10]:>26s}"
                                                    for a, v in results)
    print(header)
    for k in keys:
        print(f"{k:18s}" + "".join(f"{statistics.median(r[k] for r in rs):26.1f}" for rs in results.values()))


if __name__ == "__main__":
    main()
